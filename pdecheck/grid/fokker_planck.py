"""The Fokker–Planck equation ∂_t p = −∇·(f_t p) + ½ g_t² Δp (DESIGN.md, CATALOGUE B.4).

Public name: :func:`solve_fokker_planck`.

Space: Chang–Cooper / Scharfetter–Gummel exponential fitting (FOKKER-PLANCK.md §1): second
order for bounded cell Péclet number Pe = |f| h / D, degrading smoothly to upwind when Pe ≫ 1;
for gradient drift with face drift −ΔU/h its discrete stationary state is exp(−U/D)/Z.
Time: ``"implicit"`` (default) — implicit Euler with Lie dimension splitting, positive and
conservative for every Δt, first order; ``"mprk22"`` — the modified Patankar–Runge–Kutta
scheme MPRK22 (Kopecz & Meister 2018, α = 1; ``_kernels_mprk``): two linear M-matrix solves
per step and line, positive and conservative for every Δt, second order; in 2-D and 3-D by
Strang splitting (``_kernels_fp_strang``: half steps on the outer axes around a full step on
the last, so the splitting keeps second order);
``"ssprk2"`` — second order, positive iff Δt · max_i |A_ii| ≤ 1 (the bound is enforced: a
fixed dt beyond it raises). Walls: zero-flux, outflow (counted) or periodic (cyclic line
solves, still exactly positive).

Speed: with a compiled drift (``drift.compiled()``, DESIGN.md field protocol) each time loop
— drift at the faces, rates, line solves or stages, mass and positivity diagnostics, saving —
runs inside one cached compiled call (``_fp_runs``) on grids of at most ``PARALLEL_CELLS``
cells (larger grids step implicit Euler and SSP-RK2 from Python through the parallel line
kernels, whose per-step call is small beside a sweep; MPRK22 stays serial at every size).
Implicit and MPRK22 steps are fixed: dt, or with dt=None
min(|t1 − t0|/200, h/max|f|) with max|f| taken at t0, the midpoint and t1; D_t is tabulated
at the step ends beforehand (one vectorised call of g when it broadcasts), and a steady
compiled drift (``CompiledField.steady``) with constant D is loaded once (1-D MPRK22 also keeps
its first stage's factors). SSP-RK2 runs its step control in the compiled loop when D is a
constant. The Courant number is Δt · Σ_k max|A_k,ii| (exact in 1-D, an upper bound in
d > 1). A NumPy drift goes step by step through the same line solvers and stages.

Backward runs (t_span decreasing) evolve the law of the SDE integrated backward with a
reverse-time Brownian motion, dx = f_t dt + g_t dW̄ with dt < 0 (e.g. the reverse SDE of
CATALOGUE F2): in τ = t0 − t the drift is −f and the diffusion stays D_t, so the problem stays
well posed. For pure transport (g = 0) this is the continuity equation run backward.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from pdecheck._validate import choose
from pdecheck.grid._common import (
    check_dt,
    clip_step,
    diffusion_coefficient,
    initial_averages,
    march,
    save_times,
    time_span,
)
from pdecheck.grid._drift_diffusion import PARALLEL_CELLS, DriftDiffusion, threads_for
from pdecheck.grid._faces import FaceField, padded_shape
from pdecheck.grid._fp_runs import (
    compiled_implicit,
    compiled_mprk22,
    compiled_ssprk2,
    numpy_mprk22,
)
from pdecheck.grid._progress import ProgressBar, check_progress
from pdecheck.grid._stall import check_step_count
from pdecheck.grid.boundaries import boundary_codes
from pdecheck.grid.mesh import Grid
from pdecheck.grid.solution import Diagnostics, GridSolution

__all__ = ["TIME_SCHEMES", "solve_fokker_planck"]

TIME_SCHEMES = ("implicit", "mprk22", "ssprk2")
#: default number of implicit steps over t_span when dt is None (at most)
_DEFAULT_STEPS = 200


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
    progress: bool | str = "auto",
) -> GridSolution:
    """Evolve cell averages p0 under ∂_t p = −∇·(f_t p) + ½ g_t² Δp over ``t_span``.

    ``drift`` is f(t, x) ((n, d) -> (n, d), compiled or NumPy); ``diffusion`` is g(t) or a
    constant (only D = g²/2 enters, so the sign of g is immaterial, as for dW). ``time``:
    ``"implicit"`` (first order), ``"mprk22"`` (positive and conservative for every Δt, second
    order) or ``"ssprk2"`` (second order under its bound).
    ``dt=None``: implicit and MPRK22 steps of at most |t1 − t0|/200 and one advective Courant
    number; SSP-RK2 steps at 0.95 of the positivity bound at both stage times.
    ``progress``: a tqdm bar (True), none (False), or "auto": a bar when stderr is a terminal
    and the solve is projected to take more than 2 s (``pdecheck.grid._progress``); the one
    compiled SSP-RK2 loop (compiled drift, constant D) shows none.
    """
    choose("scheme", scheme, ("chang-cooper",))
    choose("time", time, TIME_SCHEMES)
    t0, t1, sign = time_span(t_span)
    fixed_dt = check_dt(dt, abs(t1 - t0))
    check_progress(progress)
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
    times = save_times(save_at, t0, t1)
    compiled = op.faces is not None and op.faces.compiled is not None
    small = grid.size <= PARALLEL_CELLS  # serial kernels: the whole loop in one call
    if time == "mprk22" or (time == "implicit" and compiled):
        if fixed_dt is None:
            umax = max(op.max_face_speed(t) for t in (t0, 0.5 * (t0 + t1), t1))
            fixed_dt = min(span / _DEFAULT_STEPS, h_min / umax if umax > 0 else np.inf)
            why = (
                f" (dt=None: one Courant number h / max|f|, max|f| = {umax:.3g} on the faces; "
                "these steps stay positive for any dt, a larger one costs accuracy only)"
            )
            check_step_count(fixed_dt, span, why=why)
        if time == "mprk22":  # serial kernels: no thread pool to start or tame
            run = compiled_mprk22 if compiled else numpy_mprk22
            return _with_bar(run, op, diffusion, p, times, fixed_dt, diag, progress)
        if small:
            return _with_bar(compiled_implicit, op, diffusion, p, times, fixed_dt, diag, progress)
        # large grids: the same fixed steps, each a Python call of the parallel line sweeps
    if time == "ssprk2" and compiled and not callable(diffusion) and small:
        D = diffusion_coefficient(diffusion)(t0)
        return compiled_ssprk2(op, D, p, times, fixed_dt, diag)

    def step(t: float, remaining: float, state: np.ndarray) -> float:
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
        if time != "implicit" and fixed_dt is None:
            h = _end_bound(op, t, h)
        if time == "implicit":
            op.implicit_euler(t, h, state)
        else:
            op.ssprk2(t, h, state, bound_ok=True)
            # the second stage uses the coefficients at t + Δt: check its bound too
            if h * op.rate(op.at(t + sign * h)) > 1 + 1e-9:
                diag.flag(f"cfl exceeded: dt {h:.3g} beyond 1/max|A_ii| at t={t + sign * h!r}")
        diag.record_step(h, h * rate)
        return h

    with threads_for(grid):
        return march(step, p, grid, times, diag, outflow=lambda: op.outflow, progress=progress)


def _with_bar(
    run: Any,
    op: DriftDiffusion,
    diffusion: Any,
    p: np.ndarray,
    times: np.ndarray,
    dt: float,
    diag: Diagnostics,
    progress: Any,
) -> GridSolution:
    """``run(op, diffusion, p, times, dt, diag, bar)`` (a fixed-step loop of ``_fp_runs``)
    under a progress bar over ``times``."""
    bar = ProgressBar(progress, float(times[0]), float(times[-1]))
    try:
        return run(op, diffusion, p, times, dt, diag, bar)
    finally:
        bar.close()


def _end_bound(op: DriftDiffusion, t: float, h: float) -> float:
    """Shrink an SSP-RK2 step until the second stage (coefficients at t + Δt) also meets
    Δt · max|A_ii| ≤ 1: with D_t or |f_t| growing along the run, 0.95/rate(t) alone breaks it."""
    for _ in range(8):
        end_rate = op.rate(op.at(t + op.sign * h))
        if h * end_rate <= 1.0:
            break
        h = 0.95 / end_rate
    return h
