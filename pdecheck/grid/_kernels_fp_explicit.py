"""The SSP-RK2 (Heun, Shu–Osher form) Chang–Cooper time loop in one compiled call.

For a compiled drift and a constant D on grids small enough for serial kernels, the whole
loop of ``solve_fokker_planck(..., time="ssprk2")`` runs here: at each step the rate
max_i |A_ii| at t gives the step (0.95 of the positivity bound 1/max|A_ii|, or the fixed dt,
which must not exceed it), the drift is loaded at t + Δt and the step shrunk until
Δt · max|A_ii(t + Δt)| ≤ 1 as well (the second stage's bound), then the stages

    p⁽¹⁾ = p + Δt A(t) p,   pⁿ⁺¹ = ½ p + ½ (p⁽¹⁾ + Δt A(t + Δt) p⁽¹⁾)

with CC fluxes (``_kernels_implicit.cc_fluxes``) and the Shu–Osher combination
(``_kernels_flux.combine_rows``, negative round-off flushed and counted), wall outflow counted
per stage. The drift values at t + Δt serve as the next step's values at t; a steady drift is
loaded once.

- :func:`axis_view` — a padded 3-D array as (outer, n_k, inner) along axis k;
- :func:`load_faces` — the compiled drift at one time on the faces of every axis;
- :func:`cc_stage` — out = a p + b (q + Δt A q) on the padded 3-D state, every axis;
- :func:`ssprk2_run` — the loop; it returns a status (see its docstring).
"""

from __future__ import annotations

import numba
import numpy as np

from pdecheck._jit.options import HELPER, KERNEL
from pdecheck.grid._kernels_flux import combine_rows
from pdecheck.grid._kernels_implicit import (
    _load_axis,
    cc_fluxes,
    cell_measures,
    copy_state,
    max_generator_rate,
)
from pdecheck.grid._stall import stalled_jit

#: ssprk2_run statuses
DONE, NON_FINITE, DT_TOO_LARGE, STALLED = 0, 1, 2, 3
#: stats vector: indices
(
    MASS_DRIFT,
    MIN_DENSITY,
    CFL_MAX,
    PECLET,
    STEPS,
    DT_MIN,
    DT_MAX,
    DT_LIMIT,
    FLUSHED,
    BAD_TIME,
    CFL_END,
) = range(11)


@numba.njit(cache=True, **HELPER)
def axis_view(a, k):
    """The padded 3-D array ``a`` as (outer, n_k, inner) along axis k."""
    s0, s1, s2 = a.shape
    if k == 0:
        return a.reshape(1, s0, s1 * s2)
    if k == 1:
        return a.reshape(s0, s1, s2)
    return a.reshape(s0 * s1, s2, 1)


@numba.njit(cache=True, **HELPER)
def cc_stage(
    p, a, q, b, dt, u, f, diffusion, h, rh, periodic, outflow_walls, out, outflow, weight, area
):
    """out = a p + b (q + Δt A q): CC fluxes of q along every axis k < len(h) (``u``, ``f``:
    tuples of the three padded face arrays), the wall fluxes times ``weight`` Δt (this stage's
    share in the step's result) added to ``outflow``; returns the flushed negative round-off."""
    for k in range(len(h)):
        qk = axis_view(q, k)
        fk = axis_view(f[k], k)
        cc_fluxes(qk, axis_view(u[k], k), fk, diffusion, h[k], periodic[k], outflow_walls[k])
        if not periodic[k]:
            low = 0.0
            high = 0.0
            for o in range(fk.shape[0]):
                for i in range(fk.shape[2]):
                    low += fk[o, 0, i]
                    high += fk[o, fk.shape[1] - 1, i]
            outflow[k, 0] -= weight * dt * area[k] * low
            outflow[k, 1] += weight * dt * area[k] * high
    return combine_rows(p, a, q, b, dt, f[0], f[1], f[2], rh, True, out, 0, q.shape[0])


@numba.njit(cache=True, **HELPER)
def load_faces(kernel, params, t, points, sign, codes, u, h):
    """The drift at t on the faces of every axis (``u``: tuple of padded face arrays); returns
    (non-finite count, max_k max |u_k| h_k)."""
    bad = 0
    umax = 0.0
    for k in range(len(points)):
        b, m = _load_axis(
            kernel, params, t, points[k], k, sign, axis_view(u[k], k), codes[k, 0], codes[k, 1]
        )
        bad += b
        umax = max(umax, m * h[k])
    return bad, umax


@numba.njit(cache=True, **KERNEL)
def ssprk2_run(
    kernel,
    params,
    points,
    u_now,
    u_next,
    f,
    codes,
    sign,
    steady,
    diffusion,
    h,
    rh,
    periodic,
    outflow_walls,
    times,
    fixed_dt,
    p,
    stage,
    saved,
    outflow,
    stats,
):
    """SSP-RK2 from ``times[0]`` through every saved time (``saved[s]`` receives the state at
    ``times[s]``); ``fixed_dt`` ≤ 0 means dt = 0.95 / max|A_ii|. ``u_now``, ``u_next``: tuples
    of the padded face arrays (drift at t and at t + Δt), ``f`` the padded flux arrays,
    ``periodic``/``outflow_walls`` per-axis flags (length 3), ``outflow`` (d, 2) accumulates,
    ``stats`` as the module's indices (``CFL_END``: max Δt · max|A_ii(t + Δt)|, the second
    stage's bound, which a fixed dt may breach). Returns DONE, NON_FINITE (``stats[BAD_TIME]``
    = the time), DT_TOO_LARGE (the fixed dt beyond the bound at ``stats[BAD_TIME]``, the
    bound in ``stats[DT_LIMIT]``) or STALLED (dt=None and a step below ``_stall.MIN_STEP`` of
    the span at ``stats[BAD_TIME]``, the step in ``stats[DT_MIN]``).
    """
    dim = len(h)
    volume, area = cell_measures(h)
    initial = p.sum() * volume
    t = times[0]
    span = abs(times[times.size - 1] - t)
    bad, umax = load_faces(kernel, params, t, points, sign, codes, u_now, h)
    if bad:
        stats[BAD_TIME] = t
        return NON_FINITE
    rate = max_generator_rate(
        u_now[0], u_now[1], u_now[2], diffusion, rh, dim, periodic, outflow_walls
    )
    if diffusion > 0.0:
        stats[PECLET] = umax / diffusion
    for s in range(1, times.size):
        target = times[s]
        while sign * (target - t) > 0.0:
            remaining = abs(target - t)
            limit = 1.0 / rate if rate > 0.0 else np.inf
            stats[DT_LIMIT] = min(stats[DT_LIMIT], limit)
            if fixed_dt > 0.0 and fixed_dt > limit * (1 + 1e-12):
                stats[BAD_TIME] = t
                stats[DT_LIMIT] = limit
                return DT_TOO_LARGE
            dt = fixed_dt if fixed_dt > 0.0 else 0.95 * limit
            dt = remaining if remaining <= dt * (1 + 1e-8) else dt
            end = t + sign * dt
            rate_end = rate
            for _ in range(8):
                if not steady:
                    bad, umax = load_faces(kernel, params, end, points, sign, codes, u_next, h)
                    if bad:
                        stats[BAD_TIME] = end
                        return NON_FINITE
                    rate_end = max_generator_rate(
                        u_next[0], u_next[1], u_next[2], diffusion, rh, dim, periodic, outflow_walls
                    )
                    if diffusion > 0.0:
                        stats[PECLET] = max(stats[PECLET], umax / diffusion)
                if fixed_dt > 0.0 or dt * rate_end <= 1.0:
                    break
                dt = 0.95 / rate_end
                end = t + sign * dt
            if fixed_dt <= 0.0 and stalled_jit(dt, remaining, span):
                stats[BAD_TIME] = t
                stats[DT_MIN] = dt
                return STALLED
            stats[CFL_END] = max(stats[CFL_END], dt * rate_end)
            stats[FLUSHED] += cc_stage(
                p,
                0.0,
                p,
                1.0,
                dt,
                u_now,
                f,
                diffusion,
                h,
                rh,
                periodic,
                outflow_walls,
                stage,
                outflow,
                0.5,  # p⁽¹⁾, and the mass it lost, enter the result with weight ½
                area,
            )
            u_end = u_now if steady else u_next
            stats[FLUSHED] += cc_stage(
                p,
                0.5,
                stage,
                0.5,
                dt,
                u_end,
                f,
                diffusion,
                h,
                rh,
                periodic,
                outflow_walls,
                p,
                outflow,
                0.5,
                area,
            )
            stats[STEPS] += 1
            stats[DT_MIN] = min(stats[DT_MIN], dt)
            stats[DT_MAX] = max(stats[DT_MAX], dt)
            stats[CFL_MAX] = max(stats[CFL_MAX], dt * rate)
            total = p.sum() * volume + outflow.sum()
            stats[MASS_DRIFT] = max(stats[MASS_DRIFT], abs(total - initial) / initial)
            stats[MIN_DENSITY] = min(stats[MIN_DENSITY], p.min())
            t = target if dt >= remaining * (1 - 1e-12) else end
            if not steady:
                u_now, u_next = u_next, u_now
                rate = rate_end
        copy_state(p, saved[s])
    return DONE
