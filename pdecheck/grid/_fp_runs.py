"""Fixed-step Fokker–Planck time loops in one compiled call (``solve_fokker_planck``'s fast
paths) and the MPRK22 loop for a NumPy drift.

- :func:`compiled_implicit` — implicit Euler, Lie splitting (``_kernels_implicit.implicit_run``);
- :func:`compiled_mprk22` — MPRK22 (``_kernels_mprk.mprk22_run`` in 1-D,
  ``_kernels_fp_strang.strang_run`` in 2-D and 3-D);
- :func:`compiled_ssprk2` — SSP-RK2 with a constant D (``_kernels_fp_explicit.ssprk2_run``);
- :func:`numpy_mprk22` — MPRK22 for a NumPy drift: the drift at the faces in Python, each step
  compiled (``_kernels_mprk.mprk22_step``, ``_kernels_fp_strang.strang_step``).
"""

from __future__ import annotations

from time import perf_counter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck.grid._common import (
    close_diagnostics,
    counting_compile_time,
    diffusion_values,
    step_times,
)
from pdecheck.grid._drift_diffusion import DriftDiffusion
from pdecheck.grid._faces import sweep_view
from pdecheck.grid._progress import ProgressBar
from pdecheck.grid._stall import stall_error
from pdecheck.grid.solution import Diagnostics, GridSolution

__all__ = [
    "compiled_implicit",
    "compiled_mprk22",
    "compiled_ssprk2",
    "numpy_mprk22",
]

Array = NDArray[np.float64]


def _non_finite(t: float) -> ValueError:
    return ValueError(
        f"drift returned non-finite value(s) at t={t!r} on the faces; "
        "the rule is a finite velocity everywhere in the grid box (restrict the box to the "
        "support, or regularise the field)"
    )


def _finish(
    op: DriftDiffusion,
    p: Array,
    times: Array,
    ends: Array,
    saved: Array,
    stats: Array,
    diag: Diagnostics,
) -> GridSolution:
    grid = op.grid
    steps = np.abs(np.diff(ends))
    diag.steps = steps.size
    diag.dt_min, diag.dt_max = float(steps.min()), float(steps.max())
    diag.max_mass_drift, diag.min_density, diag.cfl_max, diag.peclet_max = stats[:4]
    diag.final_mass = grid.mass(p)
    if diag.min_density < 0:
        diag.flag(f"negative density: min {diag.min_density:.3e}")
    return GridSolution(grid, times.copy(), saved.reshape(times.size, *grid.shape), diag)


def _compile_and_run(
    run: Any,
    lead: tuple[Any, ...],
    ends: Array,
    values: Array,
    middle: tuple[Array, ...],
    save_steps: NDArray[np.int64],
    state: tuple[Array, Array, Array, Array],
    diag: Diagnostics,
    bar: ProgressBar,
) -> None:
    """``run(*lead, ends, values, *middle, save_steps, p, saved, outflow, stats, initial)``, a
    compiled time loop over the steps ending at ``ends[1:]`` (``middle``: arrays aligned with
    ``ends``): first with no step (its compile, counted in ``diag.compile_time``, or its cache
    load, kept out of ``diag.wall_time``), then the whole loop (``diag.wall_time``) — in one
    call, or, when the progress bar may show, in chunks of steps (doubling while a chunk takes
    < 0.1 s), each resuming where the last stopped: same steps, same bits. A returned step
    index >= 0 (a non-finite drift there) raises."""
    p, saved, outflow, stats = state
    initial = np.array([-1.0])  # the loop measures the state's mass on its first call
    with counting_compile_time(diag):
        run(*lead, ends[:1], values[:1], *middle, save_steps[:0], p, saved, outflow, stats, initial)
    start = perf_counter()
    steps = ends.size - 1
    chunk = steps if not bar.may_show else 8
    done = stored = 0
    while done < steps:
        hi = min(done + chunk, steps)
        local = save_steps[(save_steps > done) & (save_steps <= hi)] - done
        window = slice(done, hi + 1)
        tick = perf_counter()
        failed = run(
            *lead, ends[window], values[window], *(m[window] for m in middle), local, p,
            saved[stored:], outflow, stats, initial,
        )  # fmt: skip
        if failed >= 0:
            raise _non_finite(float(ends[done + failed]))
        done, stored = hi, stored + local.size
        bar.update(float(ends[done]))
        if perf_counter() - tick < 0.1:
            chunk *= 2
    diag.wall_time = perf_counter() - start


def compiled_implicit(
    op: DriftDiffusion,
    diffusion: Any,
    p: Array,
    times: Array,
    dt: float,
    diag: Diagnostics,
    bar: ProgressBar,
) -> GridSolution:
    """Implicit Euler with a compiled drift: the whole time loop in one compiled call
    (``_kernels_implicit.implicit_run``); same steps and diagnostics as the stepwise path."""
    from pdecheck.grid import _kernels_implicit as ki

    grid = op.grid
    faces = op.faces
    assert faces is not None and faces.compiled is not None
    ends, save_steps = step_times(times, dt)
    values = diffusion_values(diffusion, ends)
    points = tuple(faces.points)
    velocity = tuple(sweep_view(op.velocity[k], k) for k in range(grid.dim))
    saved = np.empty((times.size, *p.shape))
    saved[0] = p
    stats = np.array([0.0, float(p.min()), 0.0, 0.0, 0.0])
    args = (faces.compiled.kernel, faces.compiled.params, points, velocity, op.codes, op.sign)
    h = tuple(float(v) for v in grid.h)
    diag.initial_mass = grid.mass(p)
    _compile_and_run(
        ki.implicit_run,
        (*args, h),
        ends,
        values,
        (),
        save_steps,
        (p, saved, op.outflow, stats),
        diag,
        bar,
    )
    return _finish(op, p, times, ends, saved, stats, diag)


def compiled_mprk22(
    op: DriftDiffusion,
    diffusion: Any,
    p: Array,
    times: Array,
    dt: float,
    diag: Diagnostics,
    bar: ProgressBar,
) -> GridSolution:
    """MPRK22 with a compiled drift: the whole time loop in one compiled call
    (``_kernels_mprk.mprk22_run`` in 1-D, a steady drift with constant D loaded once;
    ``_kernels_fp_strang.strang_run``, Strang splitting, in 2-D and 3-D)."""
    faces = op.faces
    assert faces is not None and faces.compiled is not None
    grid = op.grid
    ends, save_steps = step_times(times, dt)
    values = diffusion_values(diffusion, ends)
    stats = np.array([0.0, float(p.min()), 0.0, 0.0, 0.0])
    cf = faces.compiled
    from pdecheck.grid import _kernels_fp_strang as ks
    from pdecheck.grid import _kernels_mprk as km

    run: Any
    if grid.dim == 1:
        run = km.mprk22_run
        q = sweep_view(p, 0)
        u: Any = sweep_view(op.velocity[0], 0)
        args: tuple[Any, ...] = (cf.kernel, cf.params, faces.points[0], u, op.codes, op.sign)
        tail: tuple[Any, ...] = (cf.steady, float(grid.h[0]))
        middle: tuple[Array, ...] = ()
    else:
        run = ks.strang_run
        q = p
        u = tuple(op.velocity)
        extra = tuple(tuple(np.zeros_like(v) for v in op.velocity) for _ in range(2))
        args = (cf.kernel, cf.params, tuple(faces.points), u, *extra, op.codes, op.sign)
        tail = (cf.steady, tuple(float(v) for v in grid.h))
        mids = 0.5 * (ends[1:] + ends[:-1])
        middle = (np.concatenate([values[:1], diffusion_values(diffusion, mids)]),)
    saved = np.empty((times.size, *q.shape))
    saved[0] = q
    diag.initial_mass = grid.mass(p)
    _compile_and_run(
        run,
        (*args, *tail),
        ends,
        values,
        middle,
        save_steps,
        (q, saved, op.outflow, stats),
        diag,
        bar,
    )
    return _finish(op, p, times, ends, saved, stats, diag)


def numpy_mprk22(
    op: DriftDiffusion,
    diffusion: Any,
    p: Array,
    times: Array,
    dt: float,
    diag: Diagnostics,
    bar: ProgressBar,
) -> GridSolution:
    """MPRK22 for a NumPy drift: the same steps as :func:`compiled_mprk22`, the drift
    evaluated at the faces (``FaceField.update``) at every step end (and midpoint, for the
    Strang splitting in d > 1) in Python, each step compiled."""
    from pdecheck.grid import _kernels_fp_strang as ks
    from pdecheck.grid import _kernels_mprk as km

    grid = op.grid
    ends, save_steps = step_times(times, dt)
    values = diffusion_values(diffusion, ends)
    mids = 0.5 * (ends[1:] + ends[:-1])
    mid_values = diffusion_values(diffusion, mids) if grid.dim > 1 else values[1:]
    q = sweep_view(p, 0)
    saved = np.empty((times.size, *p.shape))
    saved[0] = p
    stage = np.empty_like(q)
    stats = np.array([0.0, float(p.min()), 0.0, 0.0, 0.0])
    h = tuple(float(v) for v in grid.h)
    area = grid.cell_volume / grid.h
    diag.initial_mass = grid.mass(p)
    start = perf_counter()

    def velocities(t: float) -> tuple[Array, ...]:
        op.at(t)
        return tuple(v.copy() for v in op.velocity)

    with counting_compile_time(diag):
        u_start = velocities(float(ends[0]))
        saved_count = 0
        for n in range(1, ends.size):
            step = abs(float(ends[n] - ends[n - 1]))
            if grid.dim == 1:
                u_end = velocities(float(ends[n]))
                lo, hi, rate = km.mprk22_step(
                    sweep_view(u_start[0], 0),
                    sweep_view(u_end[0], 0),
                    values[n - 1],
                    values[n],
                    h[0],
                    step,
                    op.periodic[0],
                    op.outflow_walls[0],
                    q,
                    stage,
                    q,
                )
                op.outflow[0] += (lo, hi)
                courant = step * rate / h[0]
            else:
                u_mid = velocities(float(mids[n - 1]))
                u_end = velocities(float(ends[n]))
                courant = ks.strang_step(
                    p,
                    u_start,
                    u_mid,
                    u_end,
                    values[n - 1],
                    mid_values[n - 1],
                    values[n],
                    h,
                    step,
                    op.codes,
                    op.outflow,
                    area,
                )
            u_start = u_end
            drift = abs(grid.mass(p) + op.outflow.sum() - diag.initial_mass) / diag.initial_mass
            stats[0] = max(stats[0], drift)
            stats[1] = min(stats[1], float(p.min()))
            stats[2] = max(stats[2], courant)
            if saved_count < save_steps.size and save_steps[saved_count] == n:
                saved[saved_count + 1] = p
                saved_count += 1
            bar.update(float(ends[n]))
    diag.wall_time = perf_counter() - start
    stats[3] = diag.peclet_max
    return _finish(op, p, times, ends, saved, stats, diag)


def compiled_ssprk2(
    op: DriftDiffusion, D: float, p: Array, times: Array, dt: float | None, diag: Diagnostics
) -> GridSolution:
    """SSP-RK2 with a compiled drift and constant D: the whole loop, step control included,
    in one compiled call (``_kernels_fp_explicit.ssprk2_run``); the steps and checks of the
    stepwise path."""
    from pdecheck.grid import _kernels_fp_explicit as ke

    grid = op.grid
    faces = op.faces
    assert faces is not None and faces.compiled is not None
    cf = faces.compiled
    u_now = tuple(op.velocity)
    u_next = tuple(np.zeros_like(u) for u in op.velocity)
    saved = np.empty((times.size, *p.shape))
    saved[0] = p
    stats = np.zeros(11)
    stats[ke.MIN_DENSITY] = float(p.min())
    stats[ke.DT_MIN] = stats[ke.DT_LIMIT] = np.inf
    h = tuple(float(v) for v in grid.h)
    args = (cf.kernel, cf.params, tuple(faces.points), u_now, u_next, tuple(op.flux))
    flags = (op.periodic3, op.outflow3)
    diag.initial_mass = grid.mass(p)
    with counting_compile_time(diag):
        ke.ssprk2_run(
            *args,
            op.codes,
            op.sign,
            cf.steady,
            D,
            h,
            op.rh,
            *flags,
            times[:1],
            -1.0,
            p,
            op.buffers[0],
            saved,
            op.outflow,
            stats,
        )
    start = perf_counter()
    status = ke.ssprk2_run(
        *args,
        op.codes,
        op.sign,
        cf.steady,
        D,
        h,
        op.rh,
        *flags,
        times,
        dt or -1.0,
        p,
        op.buffers[0],
        saved,
        op.outflow,
        stats,
    )
    diag.wall_time = perf_counter() - start
    t_bad = float(stats[ke.BAD_TIME])
    if status == ke.NON_FINITE:
        raise _non_finite(t_bad)
    if status == ke.STALLED:
        raise stall_error(t_bad, float(stats[ke.DT_MIN]), (times[0], times[-1]))
    if status == ke.DT_TOO_LARGE:
        limit = float(stats[ke.DT_LIMIT])
        raise ValueError(
            f"dt={dt!r} exceeds the positivity/stability limit {limit:.6g} = 1/max|A_ii| of "
            f"time='ssprk2' at t={t_bad!r}; use dt <= {limit:.6g}, dt=None or time='implicit'"
        )
    diag.steps = int(stats[ke.STEPS])
    diag.dt_min, diag.dt_max = float(stats[ke.DT_MIN]), float(stats[ke.DT_MAX])
    diag.dt_limit, diag.flushed_mass = float(stats[ke.DT_LIMIT]), float(stats[ke.FLUSHED])
    diag.max_mass_drift, diag.min_density, diag.cfl_max, diag.peclet_max = (
        float(v) for v in stats[:4]
    )
    diag.flushed_mass *= grid.cell_volume
    diag.final_mass = grid.mass(p)
    if stats[ke.CFL_END] > 1 + 1e-9:
        diag.flag(f"cfl exceeded: dt {dt!r} beyond 1/max|A_ii| at a step's end")
    close_diagnostics(diag)
    return GridSolution(grid, times.copy(), saved.reshape(times.size, *grid.shape), diag)
