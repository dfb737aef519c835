"""The heat equation ∂_t p = D_t Δp (DESIGN.md; CATALOGUE H1, M1).

Public name: :func:`solve_heat`.

Methods:

- ``"crank-nicolson"`` (default) — Crank–Nicolson in 1-D, Douglas ADI in 2-D/3-D, with D at
  the half step: second order in Δt and h, unconditionally stable, zero-flux or periodic
  walls (cyclic line solves); not
  positive for large Δt on rough data (a negative value is flagged);
- ``"explicit"`` — forward Euler on the finite-volume Laplacian (3/5/7-point), positive and
  stable iff Δt · Σ_k 2D/h_k² ≤ 1 (a fixed dt beyond it raises); zero-flux or periodic. The
  step schedule (D_t tabulated at each step's start) is made here and the whole time loop
  runs in one compiled call (``_kernels_heat``): exactly non-negative, mass and min p checked
  every ``_CHECK_EVERY`` steps and at every saved time. dt=None takes 0.9 of the limit (mass
  drift ~1e-14 over 10^4 steps); at the limit itself the highest mode does not decay and its
  round-off can repeat every step (up to ~1e-16 of the mass per step);
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

from pdecheck._validate import as_real, choose, scalar_of_time
from pdecheck.grid._common import (
    check_dt,
    clip_step,
    close_diagnostics,
    counting_compile_time,
    initial_averages,
    march,
    save_times,
    time_span,
)
from pdecheck.grid._drift_diffusion import PARALLEL_CELLS, DriftDiffusion, threads_for
from pdecheck.grid._faces import padded_shape
from pdecheck.grid._progress import check_progress
from pdecheck.grid._stall import check_step_count, stall_error, stalled
from pdecheck.grid.boundaries import PERIODIC, ZERO_FLUX, boundary_codes
from pdecheck.grid.mesh import Grid
from pdecheck.grid.solution import Diagnostics, GridSolution

__all__ = ["METHODS", "solve_heat"]

METHODS = ("crank-nicolson", "explicit", "spectral")
#: default number of Crank–Nicolson steps over t_span when dt is None
_DEFAULT_STEPS = 100
#: the explicit loop checks the mass and min p every this many steps (and at every save)
_CHECK_EVERY = 64
#: an explicit step within this relative distance of the stability limit is taken at the limit
_AT_LIMIT = 1e-12


def _coefficient(D: Any) -> tuple[Callable[[float], float], float | None]:
    """D as a function of t, and its value when it is a constant (else None)."""
    if callable(D):
        return scalar_of_time(D, "D"), None
    value = as_real("D", D)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"D={D!r} must be finite and >= 0 (or a function of t)")
    return (lambda t: value), value


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
    progress: bool | str = "auto",
) -> GridSolution:
    """Evolve cell averages p0 under ∂_t p = D_t Δp over an increasing ``t_span``.

    ``D`` is a constant or a function of t. ``boundary`` defaults to "periodic" for the
    spectral method and "zero-flux" otherwise. ``dt=None``: 100 Crank–Nicolson steps, or
    explicit steps at 0.9 of the stability bound. ``progress``: a tqdm bar over the
    Crank–Nicolson steps (True), none (False), or "auto": a bar when stderr is a terminal and
    the solve is projected to take more than 2 s; the explicit method (one compiled loop at
    ~10^9 cell-updates/s) and the spectral one (no steps) show none.
    """
    choose("method", method, METHODS)
    t0, t1, sign = time_span(t_span)
    if sign < 0:
        raise ValueError(
            f"t_span={t_span!r} decreases; backward heat flow is ill posed, the rule is t1 > t0"
        )
    fixed_dt = check_dt(dt, abs(t1 - t0))
    check_progress(progress)
    if not isinstance(grid, Grid):
        raise TypeError(f"grid={grid!r} must be a pdecheck.grid.Grid")
    codes = boundary_codes(
        ("periodic" if method == "spectral" else "zero-flux") if boundary is None else boundary,
        grid.dim,
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
    coefficient, constant = _coefficient(D)
    p = initial_averages(p0, grid, normalize=normalize).reshape(padded_shape(grid))
    times = save_times(save_at, t0, t1)
    diag = Diagnostics(method=f"heat/{method}")
    diag.outflow = np.zeros((grid.dim, 2))
    if method == "spectral":
        return _spectral(coefficient, p, grid, times, diag)
    if method == "explicit":
        return _explicit(coefficient, constant, p, grid, codes, times, fixed_dt, diag)
    op = DriftDiffusion(grid, codes, None, coefficient, 1.0, diag)
    span = t1 - t0

    def step(t: float, remaining: float, state: np.ndarray) -> float:
        h = clip_step(fixed_dt if fixed_dt is not None else span / _DEFAULT_STEPS, remaining)
        op.douglas(t, h, state)
        diag.record_step(h, h * op.rate(op.at(t + 0.5 * h)))
        return h

    with threads_for(grid):
        return march(step, p, grid, times, diag, progress=progress)


def _rate(diffusion: float, t: float, grid: Grid) -> float:
    """Σ_k 2D/h_k² at time t: the explicit step is a convex combination iff Δt · rate ≤ 1."""
    if not np.isfinite(diffusion) or diffusion < 0:
        raise ValueError(
            f"diffusion D at t={float(t)!r} is {float(diffusion)!r}; it must be finite and >= 0"
        )
    return float(2.0 * diffusion * np.sum(1.0 / grid.h**2))


def _check_limit(fixed_dt: float | None, rate: float, t: float) -> float:
    """The stability limit 1/rate; a fixed dt beyond it raises."""
    limit = 1.0 / rate if rate > 0 else np.inf
    if fixed_dt is not None and fixed_dt > limit * (1 + _AT_LIMIT):
        raise ValueError(
            f"dt={fixed_dt!r} exceeds the stability limit {limit:.6g} = 1/Σ_k(2D/h_k²) of the "
            f"explicit heat step at t={t!r}; use dt <= {limit:.6g}, dt=None or "
            "method='crank-nicolson'"
        )
    return limit


def _schedule_constant(
    diffusion: float, grid: Grid, times: np.ndarray, fixed_dt: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Δt per step, D per step, index of the step ending at each saved time) for a
    constant D: steps of dt (0.9 of the limit when None) up to each saved time, the last one
    of each interval covering what remains (at most dt (1 + 1e-8), so no sliver is left); a
    remainder beyond the limit (dt within 1e-8 of it) is taken in two halves."""
    rate = _rate(diffusion, float(times[0]), grid)
    limit = _check_limit(fixed_dt, rate, float(times[0]))
    h = fixed_dt if fixed_dt is not None else 0.9 * limit
    if fixed_dt is None:
        why = (
            f" (dt=None: 0.9 of the stability limit {limit:.3g} = 1/Σ_k(2D/h_k²), D={diffusion!r})"
        )
        remedy = "use method='crank-nicolson' (no step limit) or a shorter t_span"
        check_step_count(h, float(times[-1] - times[0]), why=why, remedy=remedy)
    spans = np.diff(times)
    full = np.zeros(spans.size, dtype=np.int64)
    if np.isfinite(h):
        full = np.maximum(0, np.ceil(spans / h - 1 - 1e-8)).astype(np.int64)
    last = spans - full * h if np.isfinite(h) else spans
    split = last > limit * (1 + _AT_LIMIT)  # only when dt is within 1e-8 of the limit
    ends = np.cumsum(full + 1 + split) - 1
    dts = np.full(int(ends[-1]) + 1, h)
    tail = np.where(split, 0.5 * last, last)
    dts[ends] = tail
    dts[(ends - 1)[split]] = tail[split]
    return dts, np.full(dts.size, diffusion), ends


def _schedule_varying(
    coefficient: Callable[[float], float],
    grid: Grid,
    times: np.ndarray,
    fixed_dt: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_schedule_constant` for D a function of t: D tabulated at each step's start, the
    step (dt=None) 0.9 of the limit there."""
    dts, values, ends = [], [], []
    t = float(times[0])
    span = float(times[-1]) - t
    for target in times[1:]:
        while t < target:
            remaining = target - t
            diffusion = coefficient(t)
            rate = _rate(diffusion, t, grid)
            limit = _check_limit(fixed_dt, rate, t)
            h = fixed_dt if fixed_dt is not None else 0.9 * limit
            step = h
            if remaining <= h * (1 + 1e-8):
                step = remaining if remaining <= limit * (1 + _AT_LIMIT) else 0.5 * remaining
            if fixed_dt is None and stalled(step, remaining, span):
                raise stall_error(t, step, (times[0], times[-1]))
            t = float(target) if step >= remaining * (1 - 1e-12) else t + step
            dts.append(step)
            values.append(diffusion)
        ends.append(len(dts) - 1)
    return np.array(dts), np.array(values), np.array(ends, dtype=np.int64)


def _quantised(coef: np.ndarray) -> np.ndarray:
    """c_k rounded down to multiples of 2^-54, so that w = 1 − 2 Σ_k c_k and the weights'
    sum w + 2 Σ_k c_k = 1 are exact in floating point: otherwise the same rounding of w
    repeats every step and the mass drifts by up to 1e-16 per step in one direction (6e-13
    over 10^4 steps was seen). Moving c by < 2^-54 moves p by round-off only. A row whose
    2 Σ c_k still exceeds 1 (round-off in Δt D / h²) gives the excess back from its largest
    c_k, so w ≥ 0 holds exactly."""
    quantum = 2.0**-54
    coef = np.floor(coef / quantum) * quantum
    excess = np.maximum(coef.sum(axis=1) - 0.5, 0.0)
    rows = np.arange(coef.shape[0])
    coef[rows, np.argmax(coef, axis=1)] -= excess
    return coef


def _explicit(
    coefficient: Callable[[float], float],
    constant: float | None,
    p: np.ndarray,
    grid: Grid,
    codes: np.ndarray,
    times: np.ndarray,
    fixed_dt: float | None,
    diag: Diagnostics,
) -> GridSolution:
    """Forward Euler steps by the fused compiled loop (``_kernels_heat``)."""
    from pdecheck.grid import _kernels_heat as kh

    start = perf_counter()
    if constant is not None:
        dts, values, ends = _schedule_constant(constant, grid, times, fixed_dt)
    else:
        dts, values, ends = _schedule_varying(coefficient, grid, times, fixed_dt)
    rates = 2.0 * values * np.sum(1.0 / grid.h**2)
    courant = dts * rates
    # a step within 1e-12 of the limit is taken at the limit, so the weights stay >= 0
    scale = 1.0 / np.maximum(courant, 1.0)
    # lines (along the last axis) are the unit of parallel work: none to share in 1-D; a
    # parallel 2-D grid is seen as (n0, 1, n1), so that its rows pass as planes through
    # the two-steps-per-pass loop
    parallel = grid.size > PARALLEL_CELLS and grid.dim > 1
    kernel = kh.march_parallel if parallel else kh.march_serial
    axes = {1: [2], 2: [0, 2] if parallel else [1, 2], 3: [0, 1, 2]}[grid.dim]
    coef = np.zeros((dts.size, 3))
    coef[:, axes] = (values * dts * scale)[:, None] / grid.h**2
    coef = _quantised(coef)
    periodic = np.zeros(3, dtype=np.bool_)
    periodic[axes] = codes[:, 0] == PERIODIC
    view = [1, 1, 1]
    for k, axis in enumerate(axes):
        view[axis] = grid.shape[k]
    state = np.ascontiguousarray(p.reshape(view))
    buffer = np.empty_like(state)
    saved = np.empty((times.size, *view))
    saved[0] = state
    stats = np.zeros(kh.STATS)
    with counting_compile_time(diag):
        kernel(state.copy(), buffer, coef[:0], periodic, ends[:0], saved[:1], 1, stats)
    kernel(state, buffer, coef, periodic, ends, saved, _CHECK_EVERY, stats)
    diag.steps = int(dts.size)
    diag.dt_min, diag.dt_max = float(dts.min()), float(dts.max())
    diag.cfl_max = float(courant.max())
    diag.dt_limit = float(1.0 / rates.max()) if rates.max() > 0 else np.inf
    diag.initial_mass = grid.mass(saved[0])
    diag.final_mass = grid.mass(saved[-1])
    diag.max_mass_drift = float(stats[kh.DRIFT])
    diag.min_density = float(stats[kh.LOW])
    diag.wall_time = perf_counter() - start
    close_diagnostics(diag)
    return GridSolution(grid, times.copy(), saved.reshape(times.size, *grid.shape), diag)


def _integral(coefficient: Callable[[float], float], a: float, b: float) -> float:
    """∫_a^b D dt by adaptive quadrature, with D checked finite and >= 0 at 33 points of the
    interval first (the spectral solution is exp(−|κ|²∫D): a D < 0 on part of the span would
    be backward heat flow there, and a NaN would spread through every mode)."""
    points = np.linspace(a, b, 33)
    values = np.array([coefficient(float(t)) for t in points])
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"diffusion D at t={float(points[i])!r} is {float(values[i])!r}; it must be finite "
            "and >= 0"
        )
    piece, _ = integrate.quad(coefficient, a, b, epsabs=0.0, epsrel=1e-13, limit=200)
    if not np.isfinite(piece) or piece < 0:
        raise ValueError(f"∫D dt over [{a!r}, {b!r}] is {piece!r}; D must be finite and >= 0")
    return float(piece)


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
    integral = 0.0
    for s in range(1, times.size):
        integral += _integral(coefficient, float(times[s - 1]), float(times[s]))
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
