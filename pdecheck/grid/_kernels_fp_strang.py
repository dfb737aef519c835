"""MPRK22 in 2-D and 3-D by Strang dimension splitting (Strang 1968), compiled.

A step from t to t + Δt applies the 1-D MPRK22 step (``_kernels_mprk``) along every line of
each axis, in the symmetric order

    S_0(½Δt) … S_{d−2}(½Δt) S_{d−1}(Δt) S_{d−2}(½Δt) … S_0(½Δt),

the half steps over [t, t + ½Δt] and [t + ½Δt, t + Δt], the full one over [t, t + Δt], each
with the face rates of its own end times. Every sub-step is an MPRK22 step — two M-matrix
solves with column sums 1 per line — so the step is positive and conservative for every Δt;
MPRK22 is second order and the symmetric splitting error is O(Δt³) per step, so the scheme
is second order (and the splitting is exact when the A_k commute, e.g. separable drift).

- :func:`mprk22_axis` — one MPRK22 step of every line of one axis;
- :func:`strang_step` — one split step from the face velocities at t, t + ½Δt, t + Δt;
- :func:`strang_run` — the whole time loop for a compiled drift in one call.
"""

from __future__ import annotations

import numba
import numpy as np

from pdecheck._jit.options import HELPER, KERNEL
from pdecheck.grid._kernels_fp_explicit import axis_view, load_faces
from pdecheck.grid._kernels_implicit import cell_measures, end_step, line_rates
from pdecheck.grid._kernels_mprk import mprk22_line


@numba.njit(cache=True, **HELPER)
def mprk22_axis(q, u_old, u_new, d_old, d_new, h, dt, periodic, outflow_walls):
    """One MPRK22 step of every line (o, ·, i) of ``q`` (O, n, I) from the face velocities
    ``u_old`` / ``u_new`` (O, n + 1, I) and D at the step's two ends; each line is copied to a
    contiguous buffer, stepped, and copied back. Returns the outflow through the low and high
    walls summed over lines, and max_j |A_jj| over the lines."""
    outer, n, inner = q.shape
    old = np.empty((2, n + 1))
    new = np.empty((2, n + 1))
    work = np.empty((10, n + 1))
    line = np.empty((1, n, 1))
    stage = np.empty((1, n, 1))
    low = 0.0
    high = 0.0
    rate = 0.0
    for o in range(outer):
        for i in range(inner):
            line_rates(u_old, o, i, d_old, h, periodic, outflow_walls, old[0], old[1])
            line_rates(u_new, o, i, d_new, h, periodic, outflow_walls, new[0], new[1])
            for j in range(n):
                line[0, j, 0] = q[o, j, i]
            lo, hi, r = mprk22_line(line, old, new, dt / h, dt, periodic, False, work, stage, line)
            for j in range(n):
                q[o, j, i] = line[0, j, 0]
            low += lo
            high += hi
            rate = max(rate, r)
    return low, high, rate / h


@numba.njit(cache=True, **KERNEL)
def strang_step(p, u_start, u_mid, u_end, d_start, d_mid, d_end, h, dt, codes, outflow, area):
    """p (padded 3-D state) ← one Strang step (module docstring) over the axes k < len(h);
    ``u_*`` are tuples of the padded face arrays at t, t + ½Δt, t + Δt, ``codes`` the (d, 2)
    wall codes; the wall outflow times the face area is added to ``outflow`` (d, 2). Returns
    Δt · Σ_k max|A_k,jj| (an upper bound of Δt · max|A_ii|)."""
    dim = len(h)
    courant = 0.0
    for s in range(2 * dim - 1):
        k = s if s < dim else 2 * dim - 2 - s
        if k == dim - 1:
            u0, u1, d0, d1, step = u_start[k], u_end[k], d_start, d_end, dt
        elif s < dim:
            u0, u1, d0, d1, step = u_start[k], u_mid[k], d_start, d_mid, 0.5 * dt
        else:
            u0, u1, d0, d1, step = u_mid[k], u_end[k], d_mid, d_end, 0.5 * dt
        periodic = codes[k, 0] == 2
        wall_out = codes[k, 0] == 1 or codes[k, 1] == 1
        lo, hi, rate = mprk22_axis(
            axis_view(p, k),
            axis_view(u0, k),
            axis_view(u1, k),
            d0,
            d1,
            h[k],
            step,
            periodic,
            wall_out,
        )
        outflow[k, 0] += area[k] * lo
        outflow[k, 1] += area[k] * hi
        if s < dim:
            courant += dt * rate
    return courant


@numba.njit(cache=True, **KERNEL)
def strang_run(
    kernel,
    params,
    points,
    u_start,
    u_mid,
    u_end,
    codes,
    sign,
    steady,
    h,
    times,
    diffusion,
    mid_diffusion,
    save_steps,
    p,
    saved,
    outflow,
    stats,
    initial,
):
    """The whole Strang-split MPRK22 loop for a compiled drift in d ≥ 2 (one call).

    Step n runs from ``times[n − 1]`` to ``times[n]`` with D = ``diffusion[n − 1]``,
    ``mid_diffusion[n]``, ``diffusion[n]`` at its start, midpoint and end; the drift is loaded
    at the midpoint and the end of every step (once in all when ``steady``). After step
    ``save_steps[s]`` the state goes to ``saved[s + 1]``; ``outflow`` (d, 2) accumulates;
    ``stats`` receives [max mass drift, min p, max Courant number, max Péclet, steps done];
    ``initial[0]`` is the mass (inside + out) the drift is measured against (set
    from the state when negative: a run resumed in chunks keeps it). Returns −1, or the
    step at which the drift was non-finite (0: at the start).
    """
    volume, area = cell_measures(h)
    bad, umax = load_faces(kernel, params, times[0], points, sign, codes, u_start, h)
    if bad:
        return 0
    if diffusion[0] > 0.0:
        stats[3] = max(stats[3], umax / diffusion[0])
    if initial[0] < 0.0:
        initial[0] = p.sum() * volume
    saved_count = 0
    for n in range(1, times.size):
        dt = abs(times[n] - times[n - 1])
        mid, end = u_start, u_start  # a steady drift: the faces loaded at the start serve
        if not steady:
            middle = 0.5 * (times[n - 1] + times[n])
            bad, umax = load_faces(kernel, params, middle, points, sign, codes, u_mid, h)
            if not bad:
                bad, umax = load_faces(kernel, params, times[n], points, sign, codes, u_end, h)
            if bad:
                return n
            mid, end = u_mid, u_end
        courant = strang_step(
            p,
            u_start,
            mid,
            end,
            diffusion[n - 1],
            mid_diffusion[n],
            diffusion[n],
            h,
            dt,
            codes,
            outflow,
            area,
        )
        if not steady:
            u_start, u_end = u_end, u_start
        if diffusion[n] > 0.0:
            stats[3] = max(stats[3], umax / diffusion[n])
        saved_count = end_step(
            p, volume, outflow, initial[0], courant, n, stats, save_steps, saved, saved_count
        )
    return -1
