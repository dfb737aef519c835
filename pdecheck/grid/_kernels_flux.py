"""Compiled finite-volume transport kernels: one face-flux formula for every axis and dimension.

The state is kept as a 3-D array (trailing axes of length 1 when d < 3); a sweep along axis k
sees it as (outer, n_k, inner), a free reshape, so the same loop serves every axis of every
dimension (the PyMPDATA "formula apart from traversal" pattern).

- :func:`limited_slope` — TVD slopes σ(Δ⁻, Δ⁺): none (upwind), minmod, van Leer, MC.
- :func:`face_flux` — F = u⁺ (q_L + w σ_L) + u⁻ (q_R − w σ_R) (TRANSPORT.md "Anchors"): w = 0
  is donor-cell upwind, w = ½ the MUSCL face value, w = ½(1 − |u|Δt/h) the one-step
  flux-limited Lax–Wendroff (Sweby) value.
- :func:`axis_lines` — the face fluxes of a range of lines along one axis (serial);
  :func:`axis_fluxes` — all of them, one chunk of lines per thread.
- :func:`combine_rows` — out = a p + b (q − Δt ∇·F), the Shu–Osher stage form of SSP-RK, on a
  range of rows (serial); :func:`combine_update` — all rows, one chunk per thread.
- :func:`transport_stage` — one whole stage (every axis, wall outflow, combine), serial: the
  stage of the compiled march and of the NumPy-field loop on small grids (a parallel kernel
  called from another kernel cannot be cached on disk, so large grids call
  :func:`axis_fluxes` and :func:`combine_update` from Python instead).
- :func:`face_velocity`, :func:`max_outflow_rate` — the compiled field at faces (fast path) and
  the Courant rate max_i Σ_k (u⁺_{k,i+½} + u⁻_{k,i−½}) / h_k.

Positivity: every limited face value lies in [0, 2 q_cell], so an Euler stage is positive when
Δt · (outflow rate) ≤ ½ (≤ 1 for upwind); SSP-RK stages are convex combinations of such stages.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

NO_LIMITER, MINMOD, VAN_LEER, MC = 0, 1, 2, 3


#: rows or lines are split into this many chunks for ``prange`` (a constant, not the thread
#: count: ``numba.get_num_threads()`` inside a kernel is a dynamic global that stops Numba from
#: caching it on disk, and a fixed split makes the flushed-mass sum independent of the threads)
CHUNKS = 64


@numba.njit(cache=True)
def limited_slope(dm, dp, limiter):
    """Limited cell slope (times h) from the backward and forward differences Δ⁻, Δ⁺."""
    if limiter == NO_LIMITER or dm * dp <= 0.0:
        return 0.0
    if limiter == MINMOD:
        return dm if abs(dm) < abs(dp) else dp
    if limiter == VAN_LEER:
        return 2.0 * dm * dp / (dm + dp)
    centred = 0.5 * (dm + dp)
    bound = 2.0 * min(abs(dm), abs(dp))
    return centred if abs(centred) < bound else (bound if dm > 0.0 else -bound)


@numba.njit(cache=True)
def face_flux(u, u_lo, u_hi, q_ll, q_l, q_r, q_rr, w0, cw, limiter):
    """Upwind flux u · v of the reconstructed face value v (TRANSPORT.md "Anchors").

    u is the velocity at this face, u_lo / u_hi at the faces one below / above. The upwind
    cell's value is q ± w σ with w = w0 − cw |u| (the right cell's slope enters with a minus:
    v = q_R − w σ_R for u < 0). For the one-step scheme (cw = ½Δt/h ≠ 0) v is also multiplied
    by 1 − cw (u_out − u_in), the upwind cell's own compression over half a step: with
    ∂_t p = −u ∂_x p − p ∂_x u the half-step face value needs both terms, and without the second
    the scheme is first order wherever ∂_x u ≠ 0. v is kept in [0, 2q] (positivity).
    """
    if u > 0.0:
        q = q_l
        v = q_l + (w0 - cw * u) * limited_slope(q_l - q_ll, q_r - q_l, limiter)
        stretch = u - u_lo
    elif u < 0.0:
        q = q_r
        v = q_r - (w0 + cw * u) * limited_slope(q_r - q_l, q_rr - q_r, limiter)
        stretch = u_hi - u
    else:
        return 0.0
    if cw != 0.0:
        v = min(max(v * (1.0 - cw * stretch), 0.0), 2.0 * q)
    return u * v


@numba.njit(cache=True)
def _cell(q, o, j, i, n, periodic):
    """q[o, j, i] with j wrapped (periodic) or clamped (a zero-gradient ghost)."""
    if j < 0:
        j = j + n if periodic else 0
    elif j >= n:
        j = j - n if periodic else n - 1
    return q[o, j, i]


@numba.njit(cache=True)
def axis_lines(q, u, flux, periodic, w0, cw, limiter, lo, hi):
    """flux[o, j, i] through face j (between cells j−1 and j) of the lines lo ≤ o·I + i < hi.

    q: (O, n, I) cell averages; u: (O, n+1, I) face velocities, already zero at closed walls.
    At a non-periodic wall only outflow passes (first-order upwind); periodic face n is face 0.
    """
    n, inner = q.shape[1], q.shape[2]
    for line in range(lo, hi):
        o = line // inner
        i = line - o * inner
        for j in range(n + 1):
            v = u[o, j, i]
            if not periodic and (j == 0 or j == n):
                if j == 0:
                    flux[o, j, i] = v * q[o, 0, i] if v < 0.0 else 0.0
                else:
                    flux[o, j, i] = v * q[o, n - 1, i] if v > 0.0 else 0.0
            elif periodic and j == n:
                flux[o, j, i] = flux[o, 0, i]
            elif 2 <= j <= n - 2:
                flux[o, j, i] = face_flux(
                    v,
                    u[o, j - 1, i],
                    u[o, j + 1, i],
                    q[o, j - 2, i],
                    q[o, j - 1, i],
                    q[o, j, i],
                    q[o, j + 1, i],
                    w0,
                    cw,
                    limiter,
                )
            else:
                flux[o, j, i] = face_flux(
                    v,
                    u[o, j - 1 if j > 0 else n - 1, i],
                    u[o, j + 1, i],
                    _cell(q, o, j - 2, i, n, periodic),
                    _cell(q, o, j - 1, i, n, periodic),
                    _cell(q, o, j, i, n, periodic),
                    _cell(q, o, j + 1, i, n, periodic),
                    w0,
                    cw,
                    limiter,
                )


@numba.njit(cache=True, parallel=True)
def axis_fluxes(q, u, flux, periodic, w0, cw, limiter):
    """:func:`axis_lines` over every line, the lines split into one chunk per thread."""
    lines = q.shape[0] * q.shape[2]
    chunks = min(CHUNKS, lines)
    for c in prange(chunks):
        axis_lines(
            q, u, flux, periodic, w0, cw, limiter, c * lines // chunks, (c + 1) * lines // chunks
        )


@numba.njit(cache=True)
def combine_rows(p, a, q, b, dt, f0, f1, f2, rh, clamp, out, lo, hi):
    """out = a p + b (q − Δt Σ_k (F_k,+ − F_k,−)/h_k) on rows lo ≤ i0 < hi of the 3-D state;
    returns the mass density removed by flushing negative round-off to 0 (only when
    ``clamp``)."""
    n1, n2 = q.shape[1], q.shape[2]
    flushed = 0.0
    for i0 in range(lo, hi):
        for i1 in range(n1):
            for i2 in range(n2):
                div = (
                    (f0[i0 + 1, i1, i2] - f0[i0, i1, i2]) * rh[0]
                    + (f1[i0, i1 + 1, i2] - f1[i0, i1, i2]) * rh[1]
                    + (f2[i0, i1, i2 + 1] - f2[i0, i1, i2]) * rh[2]
                )
                euler = q[i0, i1, i2] - dt * div
                if clamp and euler < 0.0:
                    flushed -= b * euler
                    euler = 0.0
                out[i0, i1, i2] = a * p[i0, i1, i2] + b * euler
    return flushed


@numba.njit(cache=True, parallel=True)
def combine_update(p, a, q, b, dt, f0, f1, f2, rh, clamp, out):
    """:func:`combine_rows` over every row, one chunk of rows per thread."""
    n0 = q.shape[0]
    chunks = min(CHUNKS, n0)
    flushed = np.zeros(chunks)
    for c in prange(chunks):
        flushed[c] = combine_rows(
            p, a, q, b, dt, f0, f1, f2, rh, clamp, out, c * n0 // chunks, (c + 1) * n0 // chunks
        )
    return flushed.sum()


@numba.njit(cache=True)
def face_velocity(kernel, params, t, points, axis, sign, out):
    """out[m] = sign · f_t(points[m])[axis] through a compiled field; returns the number of
    non-finite values. The kernel is called with d = points.shape[1] (the grid's dimension),
    so fields declared for any dimension (dim 0) work too."""
    n, d = points.shape
    value = np.empty(d)
    bad = 0
    for m in range(n):
        kernel(t, points[m].ctypes, d, params.ctypes, value.ctypes)
        v = value[axis]
        if not np.isfinite(v):
            bad += 1
        out[m] = sign * v
    return bad


@numba.njit(cache=True)
def max_outflow_rate(u0, u1, u2, rh):
    """max over cells of Σ_k (max(u_k,i+½, 0) + max(−u_k,i−½, 0)) / h_k (3-D state)."""
    n0, n1, n2 = u1.shape[0], u0.shape[1], u0.shape[2]
    best = 0.0
    for i0 in range(n0):
        for i1 in range(n1):
            for i2 in range(n2):
                r = (
                    (max(u0[i0 + 1, i1, i2], 0.0) + max(-u0[i0, i1, i2], 0.0)) * rh[0]
                    + (max(u1[i0, i1 + 1, i2], 0.0) + max(-u1[i0, i1, i2], 0.0)) * rh[1]
                    + (max(u2[i0, i1, i2 + 1], 0.0) + max(-u2[i0, i1, i2], 0.0)) * rh[2]
                )
                best = max(best, r)
    return best


@numba.njit(cache=True)
def transport_stage(
    p,
    a,
    q,
    b,
    dt,
    u0,
    u1,
    u2,
    f0,
    f1,
    f2,
    rh,
    periodic,
    w0,
    cw,
    limiter,
    out,
    outflow,
    weight,
    area,
):
    """One Shu–Osher stage out = a p + b (q − Δt ∇·F(q)) of the 3-D state; the wall fluxes of
    the non-periodic axes, times ``weight`` Δt, are added to ``outflow`` (dim, 2). cw is the
    one-step coefficient ½Δt (0 for the method of lines); it is divided by h_k per axis.
    Returns the flushed negative round-off (there is none under the positivity bound)."""
    dim = outflow.shape[0]
    fluxes = (f0, f1, f2)
    velocities = (u0, u1, u2)
    for k in range(3):
        if k < dim:
            f = fluxes[k]
            s = f.shape
            outer = s[0] * s[1] if k == 2 else (s[0] if k == 1 else 1)
            inner = s[2] * s[1] if k == 0 else (s[2] if k == 1 else 1)
            qk = q.reshape(outer, q.shape[k], inner)
            uk = velocities[k].reshape(outer, s[k], inner)
            fk = f.reshape(outer, s[k], inner)
            axis_lines(qk, uk, fk, periodic[k], w0, cw * rh[k], limiter, 0, outer * inner)
            if not periodic[k]:
                low = 0.0
                high = 0.0
                for o in range(outer):
                    for i in range(inner):
                        low += fk[o, 0, i]
                        high += fk[o, s[k] - 1, i]
                outflow[k, 0] -= weight * dt * area[k] * low
                outflow[k, 1] += weight * dt * area[k] * high
    return combine_rows(p, a, q, b, dt, f0, f1, f2, rh, True, out, 0, q.shape[0])
