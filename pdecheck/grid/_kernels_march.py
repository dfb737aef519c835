"""The whole continuity time loop in one compiled call, for fields with a compiled kernel.

:func:`march` runs every step of ``solve_continuity`` between saved times without returning
to Python: the field's cfunc at the faces for every stage time, the Courant check with step
rejection, the stages (``_kernels_flux.transport_stage``), the mass and minimum-density
diagnostics and the copies at saved times. It is compiled once for every field (the field is a
first-class function argument, ``pdecheck._jit.signature.FIELD_SIG``) and cached on disk.

- :func:`fill_velocity` — sign · f_k(t, face) on one axis, with the walls applied;
- :func:`outflow_rate` — the largest outflow rate of a set of face velocities;
- :func:`march` — the loop; see its docstring for the status codes it returns.

Step control (dt=None): a step h = cfl / rate(t) is tried; the velocities of every stage time
t + c_s h are computed, and when h · max_s rate_s exceeds the positivity bound the step is
rejected and retried with h · 0.9 · cfl / (h · max_s rate_s). A fixed dt is never shrunk: it
stops the loop with a status the driver raises as an error naming the limit.
"""

from __future__ import annotations

import numba
import numpy as np

from pdecheck.grid._kernels_flux import face_velocity, max_outflow_rate, transport_stage

#: march status codes (``status[0]``)
RUNNING, DONE, NON_FINITE, DT_TOO_LARGE, NO_STEP = 0, 1, 2, 3, 4
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
) = range(14)
STATS = 14
_MAX_REJECTIONS = 60
_ZERO_FLUX, _PERIODIC = 0, 2


@numba.njit(cache=True)
def fill_velocity(kernel, params, t, points, axis, sign, codes, u):
    """u (face array of axis k, 3-D) = sign · f_k(t, faces), 0 on zero-flux walls, the last
    periodic face equal to the first. Returns the number of non-finite values."""
    bad = face_velocity(kernel, params, t, points, axis, sign, u.reshape(-1))
    s = u.shape
    outer = s[0] * s[1] if axis == 2 else (s[0] if axis == 1 else 1)
    inner = s[2] * s[1] if axis == 0 else (s[2] if axis == 1 else 1)
    view = u.reshape(outer, s[axis], inner)
    last = s[axis] - 1
    for o in range(outer):
        for i in range(inner):
            if codes[axis, 0] == _PERIODIC:
                view[o, last, i] = view[o, 0, i]
            else:
                if codes[axis, 0] == _ZERO_FLUX:
                    view[o, 0, i] = 0.0
                if codes[axis, 1] == _ZERO_FLUX:
                    view[o, last, i] = 0.0
    return bad


@numba.njit(cache=True)
def outflow_rate(u0, u1, u2, s, rh):
    """max over cells of the outflow rate of stage s's face velocities."""
    return max_outflow_rate(u0[s], u1[s], u2[s], rh)


@numba.njit(cache=True)
def _fill_stage(kernel, params, t, pts0, pts1, pts2, sign, codes, u0, u1, u2, s, stats):
    dim = codes.shape[0]
    pts = (pts0, pts1, pts2)
    us = (u0, u1, u2)
    for k in range(dim):
        bad = fill_velocity(kernel, params, t, pts[k], k, sign, codes, us[k][s])
        if bad:
            stats[BAD_TIME] = t
            stats[BAD_VALUE] = k
            stats[STATUS] = NON_FINITE
            return False
    return True


@numba.njit(cache=True)
def march(
    kernel, params, pts0, pts1, pts2, codes, sign, steady, stages, weights, cfl, bound,
    fixed_dt, w0, one_step, limiter, rh, area, volume, initial_mass, p, times,
    saved, u0, u1, u2, f0, f1, f2, buf0, buf1, outflow, stats, max_steps,
):  # fmt: skip
    """Advance p (3-D state, in place) from stats[T_NOW] through times[stats[TARGET]:],
    copying p into saved[j] on reaching times[j]; return after ``max_steps`` steps (to report
    progress) or at the end. stats[STATUS] becomes DONE, or NON_FINITE (BAD_TIME, BAD_VALUE =
    axis), DT_TOO_LARGE (fixed dt above the limit bound / rate in DT_LIMIT) or NO_STEP (no
    acceptable step after repeated rejection)."""
    n_stages = stages.shape[0]
    periodic = codes[:, 0] == _PERIODIC
    t = stats[T_NOW]
    target_index = int(stats[TARGET])
    filled = stats[STEPS] > 0 and steady
    for _ in range(max_steps):
        if target_index >= times.size:
            stats[STATUS] = DONE
            break
        target = times[target_index]
        remaining = abs(target - t)
        if not filled:
            if not _fill_stage(kernel, params, t, pts0, pts1, pts2, sign, codes, u0, u1, u2, 0,
                               stats):  # fmt: skip
                break
            if steady:
                for s in range(1, n_stages):
                    u0[s] = u0[0]
                    u1[s] = u1[0]
                    u2[s] = u2[0]
                filled = True
        rate = outflow_rate(u0, u1, u2, 0, rh)
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
                if not steady and stages[s, 2] != 0.0:
                    ts = t + sign * stages[s, 2] * h
                    if not _fill_stage(kernel, params, ts, pts0, pts1, pts2, sign, codes, u0, u1,
                                       u2, s, stats):  # fmt: skip
                        return
                    stage_rate = outflow_rate(u0, u1, u2, s, rh)
                elif not steady and s > 0:
                    u0[s] = u0[0]
                    u1[s] = u1[0]
                    u2[s] = u2[0]
                    stage_rate = rate
                else:
                    stage_rate = rate
                worst = max(worst, stage_rate)
                courant = max(courant, h * stage_rate)
            if worst > 0.0:
                stats[DT_LIMIT] = min(stats[DT_LIMIT], bound / worst)
            if courant <= bound * (1 + 1e-9):
                accepted = True
                break
            if fixed_dt > 0.0:
                stats[STATUS] = DT_TOO_LARGE
                stats[BAD_TIME] = t
                stats[BAD_VALUE] = courant
                return
            stats[REJECTED] += 1
            h = h * 0.9 * cfl / courant
        if not accepted:
            stats[STATUS] = NO_STEP
            stats[BAD_TIME] = t
            return
        q = p
        for s in range(n_stages):
            out = buf0 if s % 2 == 0 else buf1
            cw = 0.5 * h if one_step else 0.0
            stats[FLUSHED] += volume * transport_stage(
                p, stages[s, 0], q, stages[s, 1], h, u0[s], u1[s], u2[s], f0, f1, f2, rh,
                periodic, w0, cw, limiter, out, outflow, weights[s], area,
            )  # fmt: skip
            q = out
        p[...] = q
        t = target if h >= remaining * (1 - 1e-12) else t + sign * h
        mass = 0.0
        low = np.inf
        for v in p.flat:
            mass += v
            low = min(low, v)
        total = mass * volume + outflow.sum()
        stats[MASS_DRIFT] = max(stats[MASS_DRIFT], abs(total - initial_mass) / initial_mass)
        stats[MIN_DENSITY] = min(stats[MIN_DENSITY], low)
        stats[STEPS] += 1
        stats[DT_MIN] = min(stats[DT_MIN], h)
        stats[DT_MAX] = max(stats[DT_MAX], h)
        stats[CFL_MAX] = max(stats[CFL_MAX], courant)
        if t == target:
            saved[target_index] = p
            target_index += 1
    stats[T_NOW] = t
    stats[TARGET] = target_index
    if target_index >= times.size:
        stats[STATUS] = DONE
