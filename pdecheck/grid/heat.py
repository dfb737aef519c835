"""The heat equation ∂_t p = D_t Δp (DESIGN.md; CATALOGUE H1, M1).

Public name: :func:`solve_heat`.

Methods:

- ``"crank-nicolson"`` (default) — Crank–Nicolson in 1-D, Douglas ADI in 2-D/3-D, with D at
  the half step: second order in Δt and h, unconditionally stable, zero-flux or periodic
  walls (cyclic line solves); not
  positive for large Δt on rough data (a negative value is flagged);
- ``"explicit"`` — forward Euler on the finite-volume Laplacian (3/5/7-point), positive and
  stable iff Δt · Σ_k 2D/h_k² ≤ 1 (a fixed dt beyond it raises); zero-flux or periodic;
- ``"spectral"`` — periodic box, exact in time for any D_t: each discrete Fourier mode of the
  cell averages is multiplied by exp(−|κ|² S), S = ∫D_t dt (adaptive quadrature), κ the
  continuous wavenumber. Cell-averaging maps a Fourier mode to the same discrete mode, so
  band-limited data (CATALOGUE M1) are evolved exactly; there is no time stepping.

Backward heat flow is ill posed: ``t_span`` must increase.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate

from pdecheck.grid._common import (
    check_dt,
    clip_step,
    initial_averages,
    march,
    save_times,
    time_span,
)
from pdecheck.grid._drift_diffusion import DriftDiffusion, threads_for
from pdecheck.grid._faces import padded_shape
from pdecheck.grid.boundaries import PERIODIC, ZERO_FLUX, boundary_codes
from pdecheck.grid.mesh import Grid
from pdecheck.grid.solution import Diagnostics, GridSolution

__all__ = ["METHODS", "solve_heat"]

METHODS = ("crank-nicolson", "explicit", "spectral")
#: default number of Crank–Nicolson steps over t_span when dt is None
_DEFAULT_STEPS = 100


def _coefficient(D: Any) -> Callable[[float], float]:
    if callable(D):
        return lambda t: float(D(t))
    value = float(D)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"D={D!r} must be finite and >= 0 (or a function of t)")
    return lambda t: value


def solve_heat(
    D: Any,
    p0: Any,
    grid: Grid,
    t_span: tuple[float, float],
    *,
    method: str = "crank-nicolson",
    dt: float | None = None,
    boundary: Any = None,
    save_at: ArrayLike | None = None,
    normalize: bool = False,
) -> GridSolution:
    """Evolve cell averages p0 under ∂_t p = D_t Δp over an increasing ``t_span``.

    ``D`` is a constant or a function of t. ``boundary`` defaults to "periodic" for the
    spectral method and "zero-flux" otherwise. ``dt=None``: 100 Crank–Nicolson steps, or
    explicit steps at 0.9 of the stability bound.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not known; the known ones are {METHODS}")
    t0, t1, sign = time_span(t_span)
    if sign < 0:
        raise ValueError(
            f"t_span={t_span!r} decreases; backward heat flow is ill posed, the rule is t1 > t0"
        )
    fixed_dt = check_dt(dt)
    if not isinstance(grid, Grid):
        raise TypeError(f"grid={grid!r} must be a pdecheck.grid.Grid")
    codes = boundary_codes(
        boundary or ("periodic" if method == "spectral" else "zero-flux"), grid.dim
    )
    allowed = {
        "spectral": (PERIODIC,),
        "crank-nicolson": (ZERO_FLUX, PERIODIC),
        "explicit": (ZERO_FLUX, PERIODIC),
    }[method]
    if not np.all(np.isin(codes, allowed)):
        raise ValueError(
            f"boundary={boundary!r}: method {method!r} supports only {allowed} (0 zero-flux, "
            "2 periodic)"
        )
    coefficient = _coefficient(D)
    p = initial_averages(p0, grid, normalize=normalize).reshape(padded_shape(grid))
    times = save_times(save_at, t0, t1)
    diag = Diagnostics(method=f"heat/{method}")
    diag.outflow = np.zeros((grid.dim, 2))
    if method == "spectral":
        return _spectral(coefficient, p, grid, times, diag)
    op = DriftDiffusion(grid, codes, None, coefficient, 1.0, diag)
    span = t1 - t0

    def step(t: float, remaining: float, state: np.ndarray) -> float:
        start = perf_counter()
        if method == "explicit":
            rate = op.rate(op.at(t))
            limit = 1.0 / rate if rate > 0 else np.inf
            diag.dt_limit = min(diag.dt_limit, limit)
            if fixed_dt is not None and fixed_dt > limit * (1 + 1e-12):
                raise ValueError(
                    f"dt={fixed_dt!r} exceeds the stability limit {limit:.6g} = "
                    "1/Σ_k(2D/h_k²) of the explicit "
                    f"heat step at t={t!r}; use dt <= {limit:.6g}, dt=None or "
                    "method='crank-nicolson'"
                )
            h = clip_step(fixed_dt if fixed_dt is not None else 0.9 * limit, remaining)
            op.euler(t, h, state, bound_ok=True)
            diag.record_step(h, h * rate)
        else:
            h = clip_step(fixed_dt if fixed_dt is not None else span / _DEFAULT_STEPS, remaining)
            op.douglas(t, h, state)
            diag.record_step(h, h * op.rate(op.at(t + 0.5 * h)))
        if diag.steps == 1:
            diag.compile_time = perf_counter() - start
        return h

    with threads_for(grid):
        return march(step, p, grid, times, diag)


def _spectral(
    coefficient: Callable[[float], float],
    p: np.ndarray,
    grid: Grid,
    times: np.ndarray,
    diag: Diagnostics,
) -> GridSolution:
    """Exact-in-time Fourier solution on the periodic box."""
    start = perf_counter()
    state = p.reshape(grid.shape)
    modes = np.fft.rfftn(state)
    kappa2 = np.zeros(modes.shape)
    for k in range(grid.dim):
        length = grid.upper[k] - grid.lower[k]
        n = grid.shape[k]
        freq = np.fft.rfftfreq(n) if k == grid.dim - 1 else np.fft.fftfreq(n)
        shape = [1] * grid.dim
        shape[k] = freq.size
        kappa2 = kappa2 + (2 * np.pi * freq * n / length).reshape(shape) ** 2
    saved = np.empty((times.size, *grid.shape))
    saved[0] = state
    for s in range(1, times.size):
        integral, _ = integrate.quad(
            coefficient, times[0], times[s], epsabs=0.0, epsrel=1e-13, limit=200
        )
        if integral < 0:
            raise ValueError(
                f"∫D dt over [{times[0]!r}, {times[s]!r}] is {integral!r}; D must be >= 0"
            )
        saved[s] = np.fft.irfftn(
            modes * np.exp(-kappa2 * integral), s=grid.shape, axes=tuple(range(grid.dim))
        )
        diag.record_step(float(times[s] - times[s - 1]), 0.0)
    diag.initial_mass = grid.mass(state)
    diag.final_mass = grid.mass(saved[-1])
    diag.max_mass_drift = (
        float(
            np.max(
                np.abs(
                    saved.sum(axis=tuple(range(1, grid.dim + 1))) * grid.cell_volume
                    - diag.initial_mass
                )
            )
        )
        / diag.initial_mass
    )
    diag.min_density = float(saved.min())
    diag.wall_time = perf_counter() - start
    if diag.min_density < 0:
        diag.flag(
            f"negative density: min {diag.min_density:.3e} (Gibbs oscillation of the Fourier "
            "series)"
        )
    return GridSolution(grid, times.copy(), saved, diag)
