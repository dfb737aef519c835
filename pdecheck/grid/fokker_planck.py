"""The Fokker–Planck equation ∂_t p = −∇·(f_t p) + ½ g_t² Δp (DESIGN.md, CATALOGUE B.4).

Public name: :func:`solve_fokker_planck`.

Space: Chang–Cooper / Scharfetter–Gummel exponential fitting (FOKKER-PLANCK.md §1): second
order for bounded cell Péclet number Pe = |f| h / D, degrading smoothly to upwind when Pe ≫ 1;
for gradient drift with face drift −ΔU/h its discrete stationary state is exp(−U/D)/Z.
Time: ``"implicit"`` (default) — implicit Euler with Lie dimension splitting, positive and
conservative for every Δt, first order; ``"ssprk2"`` — second order, positive iff
Δt · max_i |A_ii| ≤ 1 (the bound is enforced: a fixed dt beyond it raises).

Backward runs (t_span decreasing) evolve the law of the SDE integrated backward with a
reverse-time Brownian motion, dx = f_t dt + g_t dW̄ with dt < 0 (e.g. the reverse SDE of
CATALOGUE F2): in τ = t0 − t the drift is −f and the diffusion stays D_t, so the problem stays
well posed. For pure transport (g = 0) this is the continuity equation run backward.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from pdecheck.grid._common import (
    check_dt,
    clip_step,
    initial_averages,
    march,
    save_times,
    time_span,
)
from pdecheck.grid._drift_diffusion import DriftDiffusion
from pdecheck.grid._faces import FaceField, padded_shape
from pdecheck.grid.boundaries import boundary_codes
from pdecheck.grid.mesh import Grid
from pdecheck.grid.solution import Diagnostics, GridSolution

__all__ = ["TIME_SCHEMES", "solve_fokker_planck"]

TIME_SCHEMES = ("implicit", "ssprk2")
#: default number of implicit steps over t_span when dt is None (at most)
_DEFAULT_STEPS = 200


def diffusion_coefficient(g: Any, name: str = "diffusion") -> Callable[[float], float]:
    """D_t = g_t² / 2 from a scalar function g(t) or a constant."""
    if callable(g):
        return lambda t: 0.5 * float(g(t)) ** 2
    value = float(g)
    if not np.isfinite(value):
        raise ValueError(f"{name}={g!r} must be finite (or a function of t)")
    return lambda t: 0.5 * value**2


def solve_fokker_planck(
    drift: Any,
    diffusion: Any,
    p0: Any,
    grid: Grid,
    t_span: tuple[float, float],
    *,
    scheme: str = "chang-cooper",
    time: str = "implicit",
    dt: float | None = None,
    boundary: Any = "zero-flux",
    save_at: ArrayLike | None = None,
    normalize: bool = False,
) -> GridSolution:
    """Evolve cell averages p0 under ∂_t p = −∇·(f_t p) + ½ g_t² Δp over ``t_span``.

    ``drift`` is f(t, x) ((n, d) -> (n, d), compiled or NumPy); ``diffusion`` is g(t) or a
    constant. ``dt=None``: implicit steps of at most |t1 − t0|/200 and one advective Courant
    number; SSP-RK2 steps at 0.95 of the positivity bound.
    """
    if scheme != "chang-cooper":
        raise ValueError(f"scheme={scheme!r} is not known; the known one is 'chang-cooper'")
    if time not in TIME_SCHEMES:
        raise ValueError(f"time={time!r} is not known; the known ones are {TIME_SCHEMES}")
    t0, t1, sign = time_span(t_span)
    fixed_dt = check_dt(dt)
    if not isinstance(grid, Grid):
        raise TypeError(f"grid={grid!r} must be a pdecheck.grid.Grid")
    codes = boundary_codes(boundary, grid.dim)
    p = initial_averages(p0, grid, normalize=normalize).reshape(padded_shape(grid))
    diag = Diagnostics(method=f"fokker-planck/chang-cooper/{time}")
    op = DriftDiffusion(
        grid,
        codes,
        FaceField(drift, grid, codes, name="drift"),
        diffusion_coefficient(diffusion),
        sign,
        diag,
    )
    diag.outflow = op.outflow
    span = abs(t1 - t0)
    h_min = float(grid.h.min())

    def step(t: float, remaining: float, state: np.ndarray) -> float:
        start = perf_counter()
        D = op.at(t)
        rate = op.rate(D)
        limit = 1.0 / rate if rate > 0 else np.inf
        umax = max(float(np.abs(op.velocity[k]).max()) for k in range(grid.dim))
        if time == "implicit":
            h = (
                fixed_dt
                if fixed_dt is not None
                else min(span / _DEFAULT_STEPS, h_min / umax if umax > 0 else np.inf)
            )
        else:
            diag.dt_limit = min(diag.dt_limit, limit)
            if fixed_dt is not None and fixed_dt > limit * (1 + 1e-12):
                raise ValueError(
                    f"dt={fixed_dt!r} exceeds the positivity/stability limit {limit:.6g} = "
                    "1/max|A_ii| of "
                    f"time='ssprk2' at t={t!r}; use dt <= {limit:.6g}, dt=None or time='implicit'"
                )
            h = fixed_dt if fixed_dt is not None else 0.95 * limit
        h = clip_step(h, remaining)
        if time == "implicit":
            op.implicit_euler(t, h, state)
        else:
            op.ssprk2(t, h, state, bound_ok=True)
            # the second stage uses the coefficients at t + Δt: check its bound too
            if h * op.rate(op.at(t + sign * h)) > 1 + 1e-9:
                diag.flag(f"cfl exceeded: dt {h:.3g} beyond 1/max|A_ii| at t={t + sign * h!r}")
        diag.record_step(h, h * rate)
        if diag.steps == 1:
            diag.compile_time = perf_counter() - start
        return h

    return march(step, p, grid, save_times(save_at, t0, t1), diag, outflow=lambda: op.outflow)
