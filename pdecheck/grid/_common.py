"""Pieces every grid solver shares: the initial cell averages, the time span and saving
schedule, step-size checks and the time loop that lands exactly on the saved times; the fixed
steps of the compiled loops (:func:`step_times`) and D_t = g_t²/2 tabulated at their ends
(:func:`diffusion_coefficient`, :func:`diffusion_values`).

Backward runs (``t_span`` decreasing) use the same steppers with a positive step and the time
running down: the velocity of the stepper is sign · f_t with sign = −1 (for pure transport this
is exactly ∂_t p = −∇·(f p) integrated backward).
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, as_floats, as_real, scalar_of_time
from pdecheck.densities import Density
from pdecheck.grid._progress import ProgressBar
from pdecheck.grid._stall import check_step_count, stall_error, stalled
from pdecheck.grid.mesh import Grid
from pdecheck.grid.solution import Diagnostics, GridSolution

__all__ = [
    "check_dt",
    "clip_step",
    "close_diagnostics",
    "diffusion_coefficient",
    "diffusion_values",
    "initial_averages",
    "march",
    "save_times",
    "step_times",
    "time_span",
]

Array = NDArray[np.float64]


def initial_averages(p0: Any, grid: Grid, *, normalize: bool = False, tol: float = 1e-10) -> Array:
    """Cell averages of p0: exact for a Density (which must hold its mass in the box to
    ``tol``), checked (finite, >= 0, shape, unit mass) for an array."""
    if not isinstance(grid, Grid):
        raise TypeError(f"grid={grid!r} must be a pdecheck.grid.Grid")
    if isinstance(p0, Density):
        grid.check_holds(p0, tol)
        return np.ascontiguousarray(grid.cell_averages(p0))
    arr = np.array(as_floats("p0", p0))
    if arr.shape != grid.shape:
        raise ValueError(
            f"p0 has shape {arr.shape}; it must be the grid's shape {grid.shape} (cell averages)"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"p0 contains {np.count_nonzero(~np.isfinite(arr))} non-finite value(s); it must "
            "be finite"
        )
    if arr.min() < 0:
        raise ValueError(
            f"p0 has a negative cell average {float(arr.min())!r}; densities must be >= 0"
        )
    if normalize and arr.max() > 0:
        # scale by a power of two first (exact): a mass that overflows (cells of 1e308) or is
        # subnormal would divide badly
        arr = np.ldexp(arr, -int(np.frexp(arr.max())[1]))
    with np.errstate(over="ignore"):
        mass = grid.mass(arr)
    if mass <= 0:
        raise ValueError("p0 has zero mass; a density must have positive mass")
    if normalize:
        arr /= mass
    elif abs(mass - 1.0) > tol:
        raise ValueError(
            f"p0 has mass {mass!r}; the rule is mass 1 to tol={tol:g} (pass normalize=True to "
            "rescale)"
        )
    return np.ascontiguousarray(arr)


def time_span(t_span: Any) -> tuple[float, float, float]:
    """(t0, t1, sign) with sign = +1 forward and −1 backward; t0 == t1 is an error."""
    try:
        t0, t1 = (float(v) for v in t_span)
    except (TypeError, ValueError):
        raise ValueError(f"t_span={t_span!r} must be a pair (t0, t1) of finite numbers") from None
    if not (np.isfinite(t0) and np.isfinite(t1)):
        raise ValueError(f"t_span={t_span!r} must be finite")
    if t0 == t1:
        raise ValueError(f"t_span={t_span!r} is empty; t1 must differ from t0")
    return t0, t1, (1.0 if t1 > t0 else -1.0)


def save_times(save_at: ArrayLike | None, t0: float, t1: float) -> Array:
    """The saved times, ordered in the direction of integration, inside [t0, t1]; t0 (the
    initial density) and t1 are always included."""
    sign = 1.0 if t1 > t0 else -1.0
    if save_at is None:
        return np.array([t0, t1])
    arr = np.atleast_1d(as_floats("save_at", save_at))
    lo, hi = min(t0, t1), max(t0, t1)
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any((arr < lo) | (arr > hi)):
        raise ValueError(
            f"save_at={_short(save_at)} must be finite times inside t_span [{lo!r}, {hi!r}]"
        )
    arr = np.unique(np.concatenate([[t0, t1], arr]))
    return arr if sign > 0 else arr[::-1].copy()


def check_dt(dt: Any, span: float) -> float | None:
    """A fixed step dt as a float (None: the solver picks it): positive, finite, and at most
    ``_stall.MAX_STEPS`` of them in the span |t1 − t0|."""
    if dt is None:
        return None
    value = as_real("dt", dt)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"dt={dt!r} must be a positive finite step (its sign follows t_span)")
    check_step_count(value, span)
    return value


#: step(t, dt_max, p) -> dt taken, writing the new state into p; dt_max bounds the step
Stepper = Callable[[float, float, Array], float]


def clip_step(h: float, remaining: float) -> float:
    """The step to take: h, or all that remains when h covers it up to round-off (so that a
    run of fixed steps does not end with a 1e-13 sliver)."""
    return remaining if remaining <= h * (1 + 1e-8) else h


def march(
    step: Stepper,
    p: Array,
    grid: Grid,
    times: Array,
    diag: Diagnostics,
    outflow: Callable[[], Array] | None = None,
    progress: Any = "auto",
) -> GridSolution:
    """Advance p (3-D padded state, modified in place) through ``times``, saving at each;
    ``progress`` as in :class:`~pdecheck.grid._progress.ProgressBar`."""
    start = time.perf_counter()
    bar = ProgressBar(progress, float(times[0]), float(times[-1]))
    saved = np.empty((times.size, *grid.shape))
    saved[0] = p.reshape(grid.shape)
    diag.initial_mass = grid.mass(p)
    diag.min_density = float(p.min())
    with counting_compile_time(diag):
        _steps(step, p, grid, times, diag, outflow, bar, saved)
    bar.close()
    diag.final_mass = grid.mass(p)
    diag.wall_time = time.perf_counter() - start
    close_diagnostics(diag)
    return GridSolution(grid, times.copy(), saved, diag)


def _steps(
    step: Stepper,
    p: Array,
    grid: Grid,
    times: Array,
    diag: Diagnostics,
    outflow: Callable[[], Array] | None,
    bar: ProgressBar,
    saved: Array,
) -> None:
    """The loop of :func:`march`."""
    t = float(times[0])
    sign = 1.0 if times[-1] >= t else -1.0
    span = abs(float(times[-1]) - t)
    for s in range(1, times.size):
        target = float(times[s])
        while sign * (target - t) > 0:
            remaining = abs(target - t)
            dt = step(t, remaining, p)
            if stalled(dt, remaining, span):
                raise stall_error(t, dt, (times[0], times[-1]))
            # land on the target exactly when the step covers what was left
            t = target if dt >= remaining * (1 - 1e-12) else t + sign * dt
            total = grid.mass(p) + (float(outflow().sum()) if outflow is not None else 0.0)
            drift = abs(total - diag.initial_mass) / diag.initial_mass
            diag.max_mass_drift = max(diag.max_mass_drift, drift)
            diag.min_density = min(diag.min_density, float(p.min()))
            bar.update(t)
        saved[s] = p.reshape(grid.shape)


@contextlib.contextmanager
def counting_compile_time(diag: Diagnostics) -> Iterator[None]:
    """Add to ``diag.compile_time`` the seconds Numba spends compiling inside the block (its
    outermost ``numba:compile`` events: loading a kernel from the disk cache is not one, so a
    solve whose kernels are compiled in this process or cached on disk reports 0)."""
    import numba.core.event as events

    def add(seconds: float) -> None:
        diag.compile_time += seconds

    with events.install_timer("numba:compile", add):
        yield


def close_diagnostics(diag: Diagnostics) -> None:
    """Flag what a finished solve must not hide: negative density, flushed round-off."""
    if diag.min_density < 0:
        diag.flag(f"negative density: min {diag.min_density:.3e}")
    if diag.flushed_mass > 0:
        diag.flag(f"flushed negative round-off of total mass {diag.flushed_mass:.3e} to 0")


def diffusion_coefficient(g: Any, name: str = "diffusion") -> Callable[[float], float]:
    """D_t = g_t² / 2 from a scalar function g(t) or a constant (g · g: a g beyond 1e154 gives
    D = inf, which the solvers refuse, where g**2 would raise OverflowError)."""
    if callable(g):
        g_t = scalar_of_time(g, name)
        return lambda t: 0.5 * g_t(t) * g_t(t)
    value = as_real(name, g)
    if not np.isfinite(value):
        raise ValueError(f"{name}={g!r} must be finite (or a function of t)")
    if not np.isfinite(0.5 * value * value):
        raise ValueError(
            f"{name}={g!r} gives D = g²/2 = {0.5 * value * value!r}; it must be finite (or a "
            "function of t)"
        )
    return lambda t: 0.5 * value * value


def step_times(times: Array, dt: float) -> tuple[Array, NDArray[np.int64]]:
    """The ends of fixed steps of size dt through the saved ``times`` (start included), each
    segment ending exactly on its saved time (a last step within 1e-8 dt of a full one is
    merged, as ``clip_step`` does), and the step index at which each saved time is reached."""
    ends = [times[:1]]
    save_steps = []
    count = 0
    for a, b in itertools.pairwise(times):
        length = abs(b - a)
        steps = max(1, int(np.ceil(length / dt * (1 - 1e-8))))
        ends.append(a + np.sign(b - a) * dt * np.arange(1, steps))
        ends.append(np.array([b]))
        count += steps
        save_steps.append(count)
    return np.concatenate(ends), np.array(save_steps, dtype=np.int64)


def diffusion_values(diffusion: Any, times: Array) -> Array:
    """D at every step end: one vectorised call of g when it broadcasts (checked against scalar
    calls at both ends), otherwise one call per step."""
    D = diffusion_coefficient(diffusion)
    values = None
    if callable(diffusion):
        try:
            with np.errstate(all="ignore"):
                arr = 0.5 * np.asarray(diffusion(times), dtype=float) ** 2
            arr = np.broadcast_to(arr, times.shape).copy()
            if all(abs(arr[i] - D(times[i])) <= 1e-14 * max(1.0, abs(arr[i])) for i in (0, -1)):
                values = arr
        except (TypeError, ValueError):
            values = None
    if values is None:
        values = (
            np.array([D(t) for t in times]) if callable(diffusion) else np.full(times.shape, D(0.0))
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        t = times[np.argmax(bad)]
        raise ValueError(
            f"diffusion D at t={float(t)!r} is {float(values[np.argmax(bad)])!r}; it must be "
            "finite and >= 0"
        )
    return values
