"""The continuity step and the whole time loop in one compiled call.

:func:`step` advances the flat state by one step of ``solve_continuity``'s scheme from the
stage velocities it is given (both field paths call it); :func:`march` runs every step between
saved times without returning to Python, for fields with a compiled kernel: the field's cfunc
at the faces of every stage time (once per solve for a steady field), the Courant check with
step rejection, :func:`step`, the mass and minimum-density diagnostics (one interleaved pass
over each new state, ``_kernels_flux.mass_min``) and the copies at saved times. It is
compiled once for every field (the field is a first-class function argument,
``pdecheck._jit.signature.FIELD_SIG``) and cached on disk.

- :func:`fill_stage` — sign · f_k(t, face) on every axis, with the walls applied;
- :func:`step` — one step: the SSP-RK stages of the method of lines, or the one-step scheme
  split by axes (x then y then z, the order reversed every other step);
- :func:`march` — the loop; see its docstring for the status codes it returns.

The state rotates through three flat buffers ``xs`` (the step's start, and two stage
outputs); ``cur`` says which holds the current state, so no step copies it.

Step control (dt=None): a step h = cfl / rate(t) is tried; the velocities of every stage time
t + c_s h are computed, and when h · max_s rate_s exceeds the positivity bound the step is
rejected and retried with h · 0.9 · cfl / (h · max_s rate_s). A fixed dt is never shrunk: it
stops the loop with a status the driver raises as an error naming the limit.
"""

from __future__ import annotations

import numba
import numpy as np

from pdecheck._jit.options import HELPER, KERNEL
from pdecheck.grid._kernels_flux import (
    axis_flux,
    axis_update,
    face_velocity,
    mass_min,
    max_outflow_rate,
)
from pdecheck.grid._stall import stalled_jit

#: march status codes (``status[0]``)
RUNNING, DONE, NON_FINITE, DT_TOO_LARGE, NO_STEP, STALLED = 0, 1, 2, 3, 4, 5
#: the stats vector: indices of what :func:`march` accumulates
(
    STEPS,
    DT_MIN,
    DT_MAX,
    CFL_MAX,
    DT_LIMIT,
    MASS_DRIFT,
    MIN_DENSITY,
    FLUSHED,
    REJECTED,
    T_NOW,
    TARGET,
    BAD_TIME,
    BAD_VALUE,
    STATUS,
    CURRENT,
) = range(15)
STATS = 15
_MAX_REJECTIONS = 60
_ZERO_FLUX, _PERIODIC = 0, 2


def axis_blocks(shape: tuple[int, int, int], axis: int) -> tuple[int, int, int]:
    """(outer, n, inner) of the flat padded state along ``axis`` (``_kernels_flux``)."""
    outer = 1 if axis == 0 else (shape[0] if axis == 1 else shape[0] * shape[1])
    inner = shape[1] * shape[2] if axis == 0 else (shape[2] if axis == 1 else 1)
    return outer, shape[axis], inner


_blocks = numba.njit(cache=True, **HELPER)(axis_blocks)


#: inlined into :func:`march` (its one compiled call site) in Numba's IR: compiled on its own, it
#: would be optimised and code-generated once alone and again inside march (0.6 s of cold compile)
@numba.njit(cache=True, inline="always", **HELPER)
def step(xs, cur, u0, u1, u2, rows, flux, shape, periodic, stages, weights, h, one_step, limiter,
         rh, area, outflow, reverse):  # fmt: skip
    """One step of size h from the state xs[cur]; returns (index of the new state, flushed
    mass density, Σ p, min p). u_k[rows[s]] are the face velocities of stage s.

    Method of lines (``one_step`` False): Shu–Osher stages out = a p + b (q − h ∇·F(q))
    (upwind is the MUSCL face value without a limiter: slope 0). One-step scheme: each axis
    in turn (reversed when ``reverse``: alternating the order every step makes the splitting
    second order, Strang 1968) takes p ← p − h ∂_k F_k(p) with the Lax–Wendroff-type face
    value at the half-step velocities u_k[rows[0]]."""
    dim = outflow.shape[0]
    us = (u0, u1, u2)
    flushed = 0.0
    start = src = cur
    # one call site of each kernel (each distinct argument typing is another compilation)
    for s in range(dim if one_step else stages.shape[0]):
        if one_step:
            base, dst, n_axes = src, (src + 1) % 3, 1
            a, b, weight, row, cw = 0.0, 1.0, 1.0, rows[0], 0.5 * h
        else:
            base, dst, n_axes = start, (start + 1 + s % 2) % 3, dim
            a, b, weight, row, cw = stages[s, 0], stages[s, 1], weights[s], rows[s], 0.0
        for m in range(n_axes):
            k = (dim - 1 - s if reverse else s) if one_step else m
            outer, n, inner = _blocks((shape[0], shape[1], shape[2]), k)
            low, high = axis_flux(
                xs[src], us[k][row], flux, outer, n, inner, periodic[k], cw * rh[k], limiter
            )
            if not periodic[k]:  # the wall fluxes, weighted by the stage's weight · h
                outflow[k, 0] -= weight * h * area[k] * low
                outflow[k, 1] += weight * h * area[k] * high
            flushed += axis_update(
                xs[base], xs[src], flux, xs[dst], outer, n, inner, h * rh[k], m == 0,
                m == n_axes - 1, a, b,
            )  # fmt: skip
        src = dst
    mass, low = mass_min(xs[src])
    return src, flushed, mass, low


@numba.njit(cache=True, **KERNEL)
def step_from_python(xs, cur, u0, u1, u2, rows, flux, shape, periodic, stages, weights, h,
                     one_step, limiter, rh, area, outflow, reverse):  # fmt: skip
    """:func:`step` for the NumPy-field loop (``_transport``): a separate entry point, so that
    the compiled loop, which calls :func:`step` directly, does not pay for its CPython wrapper."""
    return step(xs, cur, u0, u1, u2, rows, flux, shape, periodic, stages, weights, h, one_step,
                limiter, rh, area, outflow, reverse)  # fmt: skip


@numba.njit(cache=True, **HELPER)
def fill_stage(kernel, params, t, pts0, pts1, pts2, sign, codes, shape, u0, u1, u2, stats):
    """u_k (one stage's flat face arrays) = sign · f_k(t, faces) for every axis, 0 on zero-flux
    walls, the last periodic face equal to the first. On a non-finite value: False, with
    the status, time and axis in ``stats``."""
    dim = codes.shape[0]
    pts = (pts0, pts1, pts2)
    us = (u0, u1, u2)
    for k in range(dim):
        u = us[k]
        if face_velocity(kernel, params, t, pts[k], k, sign, u):
            stats[BAD_TIME] = t
            stats[BAD_VALUE] = k
            stats[STATUS] = NON_FINITE
            return False
        outer, n, inner = _blocks((shape[0], shape[1], shape[2]), k)
        for o in range(outer):
            fb = o * (n + 1) * inner
            for i in range(inner):
                if codes[k, 0] == _PERIODIC:
                    u[fb + n * inner + i] = u[fb + i]
                else:
                    if codes[k, 0] == _ZERO_FLUX:
                        u[fb + i] = 0.0
                    if codes[k, 1] == _ZERO_FLUX:
                        u[fb + n * inner + i] = 0.0
    return True


def stage_rows(stages: np.ndarray, steady: bool) -> tuple[np.ndarray, np.ndarray]:
    """(refill, rows): stage s evaluates the field at its own time into velocity row s when
    refill[s] (a field that is not steady, at a stage time after the step's start); else it
    reads row 0, the velocities at the step's start."""
    refill = np.array([not steady and c != 0.0 for c in stages[:, 2]], dtype=np.bool_)
    rows = np.array([s if refill[s] else 0 for s in range(len(stages))], dtype=np.int64)
    return refill, rows


@numba.njit(cache=True, **HELPER)
def _copy(dst, src):
    """dst[:] = src by a loop (slice assignment compiles Numba's shape-mismatch message)."""
    for m in range(src.size):
        dst[m] = src[m]


@numba.njit(cache=True, **KERNEL)
def march(
    kernel, params, pts0, pts1, pts2, codes, periodic, shape, steady, refill, rows, sign,
    stages, weights, cfl, bound, fixed_dt, one_step, limiter, rh, area, volume, initial_mass,
    xs, times, saved, u0, u1, u2, flux, outflow, stats, max_steps,
):  # fmt: skip
    """Advance the state xs[stats[CURRENT]] from stats[T_NOW] through times[stats[TARGET]:],
    copying it into saved[j] on reaching times[j]; return after ``max_steps`` steps (to report
    progress) or at the end, with the state copied back into xs[0]. stats[STATUS] becomes
    DONE, or NON_FINITE (BAD_TIME, BAD_VALUE = axis), DT_TOO_LARGE (fixed dt above the limit
    bound / rate in DT_LIMIT), NO_STEP (no acceptable step after repeated rejection) or
    STALLED (dt=None and an accepted step below ``_stall.MIN_STEP`` of the span; BAD_VALUE =
    the step).
    Stage s reads velocity row ``rows[s]``, refilled at its stage time when ``refill[s]``
    (``stage_rows``)."""
    n_stages = stages.shape[0]
    t = stats[T_NOW]
    cur = int(stats[CURRENT])
    target_index = int(stats[TARGET])
    filled = stats[STEPS] > 0 and steady
    n0, n1, n2 = shape[0], shape[1], shape[2]
    span = abs(times[times.size - 1] - times[0])
    rate = max_outflow_rate(u0[0], u1[0], u2[0], n0, n1, n2, rh) if filled else 0.0
    for _ in range(max_steps):
        if target_index >= times.size:
            break
        target = times[target_index]
        remaining = abs(target - t)
        if not filled:
            if not fill_stage(kernel, params, t, pts0, pts1, pts2, sign, codes, shape, u0[0],
                               u1[0], u2[0], stats):  # fmt: skip
                break
            rate = max_outflow_rate(u0[0], u1[0], u2[0], n0, n1, n2, rh)
            filled = steady
        if fixed_dt > 0.0:
            h = remaining if remaining <= fixed_dt * (1 + 1e-8) else fixed_dt
        elif rate > 0.0:
            h = cfl / rate
            h = remaining if remaining <= h * (1 + 1e-8) else h
        else:
            h = remaining
        accepted = False
        for _attempt in range(_MAX_REJECTIONS):
            courant = h * rate
            worst = rate
            for s in range(n_stages):
                if refill[s]:
                    ts = t + sign * stages[s, 2] * h
                    if not fill_stage(kernel, params, ts, pts0, pts1, pts2, sign, codes, shape,
                                       u0[s], u1[s], u2[s], stats):  # fmt: skip
                        break
                    worst = max(worst, max_outflow_rate(u0[s], u1[s], u2[s], n0, n1, n2, rh))
            if stats[STATUS] == NON_FINITE:
                break
            courant = h * worst
            if worst > 0.0:
                stats[DT_LIMIT] = min(stats[DT_LIMIT], bound / worst)
            if courant <= bound * (1 + 1e-9):
                accepted = True
                break
            if fixed_dt > 0.0:
                stats[STATUS] = DT_TOO_LARGE
                stats[BAD_TIME] = t
                stats[BAD_VALUE] = courant
                break
            stats[REJECTED] += 1
            h = h * 0.9 * cfl / courant
        if not accepted:
            if stats[STATUS] == RUNNING:
                stats[STATUS] = NO_STEP
                stats[BAD_TIME] = t
            break
        if fixed_dt <= 0.0 and stalled_jit(h, remaining, span):
            stats[STATUS] = STALLED
            stats[BAD_TIME] = t
            stats[BAD_VALUE] = h
            break
        cur, flushed, mass, low = step(
            xs, cur, u0, u1, u2, rows, flux, shape, periodic, stages, weights, h, one_step, limiter,
            rh, area, outflow, stats[STEPS] % 2 == 1,
        )  # fmt: skip
        stats[FLUSHED] += volume * flushed
        t = target if h >= remaining * (1 - 1e-12) else t + sign * h
        total = mass * volume
        for k in range(outflow.shape[0]):
            total += outflow[k, 0] + outflow[k, 1]
        stats[MASS_DRIFT] = max(stats[MASS_DRIFT], abs(total - initial_mass) / initial_mass)
        stats[MIN_DENSITY] = min(stats[MIN_DENSITY], low)
        stats[STEPS] += 1
        stats[DT_MIN] = min(stats[DT_MIN], h)
        stats[DT_MAX] = max(stats[DT_MAX], h)
        stats[CFL_MAX] = max(stats[CFL_MAX], courant)
        if t == target:
            _copy(saved[target_index], xs[cur])
            target_index += 1
    if cur != 0:
        _copy(xs[0], xs[cur])
    stats[CURRENT] = 0
    stats[T_NOW] = t
    stats[TARGET] = target_index
    if target_index >= times.size and stats[STATUS] == RUNNING:
        stats[STATUS] = DONE
