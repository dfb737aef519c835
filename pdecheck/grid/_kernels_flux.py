"""Compiled finite-volume transport kernels: one face-flux formula for every axis and dimension.

The state is a flat C-ordered array of the padded 3-D shape (n0, n1, n2) (trailing axes of
length 1 when d < 3). Along axis k it is a stack of ``outer`` blocks of n_k × ``inner`` cells
(outer = n0⋯n_{k−1}, inner = n_{k+1}⋯n2), and the faces of that axis are ``outer`` blocks of
(n_k + 1) × ``inner``: within a block, face m + inner·j lies between cells m + inner·(j − 1)
and m + inner·j. So one contiguous loop serves every axis of every dimension (the PyMPDATA
"formula apart from traversal" pattern), with no reshape inside a kernel (Numba's reshape
error path alone costs seconds of cold compile).

- :func:`face_flux` — TVD slopes σ (none: upwind; minmod, van Leer, MC) and the flux
  F = u⁺ v_L + u⁻ v_R with v_L = q_L + w σ_L, v_R = q_R − w σ_R
  (TRANSPORT.md "Anchors"): σ = 0 is donor-cell upwind, w = ½ the MUSCL face value,
  w = ½(1 − |u|Δt/h) the one-step flux-limited Lax–Wendroff (Sweby) value; branch-free, so
  the face loop vectorises;
- :func:`axis_flux` — the fluxes through every face of one axis (walls and periodic wrap
  included) and the total flux through each wall;
- :func:`axis_update` — out = q − Δt/h_k ΔF_k, accumulated over the axes of a stage, and on the
  last axis the Shu–Osher combination a p + b · max(·, 0);
- :func:`mass_min` — Σ p and min p of the new state (the step's diagnostics);
- :func:`combine_rows`, :func:`combine_update` — out = a p + b (q − Δt ∇·F) on 3-D arrays from
  three face-flux arrays (the explicit Fokker–Planck stages);
- :func:`face_velocity`, :func:`max_outflow_rate` — the compiled field at faces (fast path) and
  the Courant rate max_i Σ_k (u⁺_{k,i+½} + u⁻_{k,i−½}) / h_k.

Positivity: every limited face value is kept in [0, 2 q_cell], so an Euler stage is positive
when Δt · (outflow rate) ≤ ½ (≤ 1 for upwind); SSP-RK stages are convex combinations of such
stages. What negative round-off remains is flushed to 0 and counted; subnormal values are stored
as 0 (users test `p.min() >= 0` and `p > 0` on the support).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange

from pdecheck._jit.options import HELPER, KERNEL

NO_LIMITER, MINMOD, VAN_LEER, MC = 0, 1, 2, 3


#: rows are split into this many chunks for ``prange`` (a constant, not the thread count:
#: ``numba.get_num_threads()`` inside a kernel is a dynamic global that stops Numba from
#: caching it on disk, and a fixed split makes the flushed-mass sum independent of the threads)
CHUNKS = 64
#: cells per run of ``axis_update``'s passes (three passes over 4 KiB stay in the L1 cache)
_RUN = 512
#: keeps van Leer's 2|Δ⁻||Δ⁺| / (|Δ⁻| + |Δ⁺|) finite (0) where both differences vanish
_TINY = 1e-300
#: the smallest normal float64: a new state value below it is stored as 0 (no subnormals,
#: whose arithmetic is ~100x slower; the mass so removed is < 2.3e-308 per cell)
NORMAL = 2.2250738585072014e-308


@numba.njit(cache=True, **HELPER)
def face_flux(u, u_lo, u_hi, q_ll, q_l, q_r, q_rr, cw, limiter):
    """Upwind flux u⁺ v_L + u⁻ v_R of the reconstructed face values (TRANSPORT.md "Anchors").

    u is the velocity at this face, u_lo / u_hi at the faces one below / above. The upwind
    cell's value is q ± w σ with w = ½ − cw |u| (σ = 0 without a limiter: upwind). For the
    one-step scheme (cw = ½Δt/h ≠ 0) it is also multiplied by 1 − cw (u_out − u_in), the upwind
    cell's own compression over half a step: with ∂_t p = −u ∂_x p − p ∂_x u the half-step
    face value needs both terms, and without the second the scheme is first order wherever
    ∂_x u ≠ 0. Each value is kept in [0, 2q] (positivity). Both sides are computed and the
    velocity's sign picks one, without a branch.

    The limited slope (times h) from the differences Δ⁻, Δ⁺ is 0 where they differ in sign,
    else sign(Δ⁻) times min(|Δ⁻|, |Δ⁺|) (minmod), 2|Δ⁻||Δ⁺| / (|Δ⁻| + |Δ⁺|) (van Leer) or
    min(½|Δ⁻ + Δ⁺|, 2|Δ⁻|, 2|Δ⁺|) (MC).
    """

    def limited_slope(dm, dp):  # an inner function: Numba inlines it
        if limiter == NO_LIMITER:
            return 0.0
        a, b = abs(dm), abs(dp)
        if limiter == MINMOD:
            m = min(a, b)
        elif limiter == VAN_LEER:
            m = 2.0 * (a / max(a + b, _TINY)) * b
        else:
            m = min(0.5 * (a + b), 2.0 * min(a, b))
        # 1 or −1 where the signs agree, 0 where they differ (m is 0 where either is 0); a
        # product dm · dp would underflow on the tails of a density, and branches would stop
        # the face loop from vectorising
        return (math.copysign(0.5, dm) + math.copysign(0.5, dp)) * m

    v_l = q_l + (0.5 - cw * u) * limited_slope(q_l - q_ll, q_r - q_l)
    v_r = q_r - (0.5 + cw * u) * limited_slope(q_r - q_l, q_rr - q_r)
    v_l = min(max(v_l * (1.0 - cw * (u - u_lo)), 0.0), 2.0 * q_l)
    v_r = min(max(v_r * (1.0 - cw * (u_hi - u)), 0.0), 2.0 * q_r)
    return max(u, 0.0) * v_l + min(u, 0.0) * v_r


#: the same formula inlined into Numba's IR, for the interior face loop: a call to the cached
#: ``face_flux`` cannot be inlined by LLVM (a cached callee is linked as object code), and the
#: call would cost 3x the loop; the few edge faces call ``face_flux`` itself (compile time)
_face_flux_inline = numba.njit(cache=True, inline="always", **HELPER)(face_flux.py_func)


@numba.njit(cache=True, **HELPER)
def _cell(q, base, j, n, inner, i, periodic):
    """Cell j (wrapped when periodic, else clamped: a zero-gradient ghost) of a block."""
    if j < 0:
        j = j + n if periodic else 0
    elif j >= n:
        j = j - n if periodic else n - 1
    return q[base + j * inner + i]


@numba.njit(cache=True, **HELPER)
def _edge_face(q, u, flux, cb, fb, j, n, inner, i, periodic, cw, limiter):
    """Flux through face j < 2 or j > n − 2 of a block: at a non-periodic wall only outflow
    passes (first-order upwind; a closed wall has u = 0), periodic face n is face 0, and the
    others see wrapped or clamped cells."""
    f = fb + j * inner + i
    v = u[f]
    if not periodic and j == 0:
        flux[f] = v * q[cb + i] if v < 0.0 else 0.0
    elif not periodic and j == n:
        flux[f] = v * q[cb + (n - 1) * inner + i] if v > 0.0 else 0.0
    elif j == n:
        flux[f] = flux[fb + i]
    else:
        u_lo = u[f - inner] if j > 0 else u[fb + (n - 1) * inner + i]
        flux[f] = face_flux(
            v, u_lo, u[f + inner],
            _cell(q, cb, j - 2, n, inner, i, periodic), _cell(q, cb, j - 1, n, inner, i, periodic),
            _cell(q, cb, j, n, inner, i, periodic), _cell(q, cb, j + 1, n, inner, i, periodic),
            cw, limiter,
        )  # fmt: skip


@numba.njit(cache=True, **HELPER)
def axis_flux(q, u, flux, outer, n, inner, periodic, cw, limiter):
    """flux = F(q) at every face of one axis (flat, ``outer`` blocks of (n + 1) × ``inner``,
    see the module docstring), cw = ½Δt/h_k for the one-step scheme (else 0). Returns the
    summed flux through the low and the high wall."""
    low = 0.0
    high = 0.0
    size = (n - 3) * inner  # interior faces 2 ≤ j ≤ n − 2 of a block, one contiguous run
    for o in range(outer):
        cb = o * n * inner
        fb = cb + o * inner
        if size > 0:
            # views from 0: a loop index known to be >= 0 has no negative-index wraparound
            # test, which would stop the loop from vectorising (4x slower)
            q_ll, q_l = q[cb : cb + size], q[cb + inner : cb + inner + size]
            q_r, q_rr = q[cb + 2 * inner : cb + 2 * inner + size], q[cb + 3 * inner :]
            u_lo, u_c = u[fb + inner : fb + inner + size], u[fb + 2 * inner : fb + 2 * inner + size]
            u_hi, f_c = u[fb + 3 * inner :], flux[fb + 2 * inner :]
            for m in range(size):
                f_c[m] = _face_flux_inline(
                    u_c[m], u_lo[m], u_hi[m], q_ll[m], q_l[m], q_r[m], q_rr[m], cw, limiter
                )
        for i in range(inner):
            # the faces 0, 1, n − 1, n, each once (one call site: ``_edge_face`` is inlined)
            for e in range(4):
                j = e if e < 2 else n - 3 + e
                if j <= n and (e < 2 or j >= 2):
                    _edge_face(q, u, flux, cb, fb, j, n, inner, i, periodic, cw, limiter)
            low += flux[fb + i]
            high += flux[fb + n * inner + i]
    return low, high


@numba.njit(cache=True, **HELPER)
def axis_update(p, q, flux, out, outer, n, inner, scale, first, final, a, b):
    """out = (q if ``first`` else out) − scale · (F_{j+1} − F_j) along one axis (scale = Δt/h_k).

    On the ``final`` axis of a stage the Euler value e is then combined as
    out = a p + b · max(e, 0) (the Shu–Osher form of SSP-RK; a = 0, b = 1 for one step), and a
    subnormal result is stored as 0 (``NORMAL``).
    Returns the mass density flushed by max(·, 0): none under the positivity bound, so it is
    summed only in a run that has a negative e (each loop here then vectorises)."""
    flushed = 0.0
    for o in range(outer):
        cb = o * n * inner
        fb = cb + o * inner
        # runs of at most _RUN cells, so that the passes below find them in the L1 cache
        for lo in range(0, n * inner, _RUN):
            size = min(_RUN, n * inner - lo)
            c, f = cb + lo, fb + lo
            p_b, q_b, out_b = p[c : c + size], q[c : c + size], out[c : c + size]
            f_lo, f_hi = flux[f : f + size], flux[f + inner : f + inner + size]
            negative = 0
            for m in range(size):
                e = (q_b[m] if first else out_b[m]) - scale * (f_hi[m] - f_lo[m])
                negative += e < 0.0
                out_b[m] = e
            if final:
                if negative:
                    for m in range(size):
                        flushed += b * max(-out_b[m], 0.0)
                for m in range(size):
                    v = a * p_b[m] + b * max(out_b[m], 0.0)
                    out_b[m] = v if v >= NORMAL else 0.0
    return flushed


@numba.njit(cache=True, **HELPER)
def mass_min(x):
    """(Σ x, min x) with four interleaved partial sums and minima (a dependency chain of one
    accumulator would cost 4x)."""
    s0 = s1 = s2 = s3 = 0.0
    l0 = l1 = l2 = l3 = np.inf
    size = x.size
    top = size - size % 4
    for m in range(0, top, 4):
        s0 += x[m]
        s1 += x[m + 1]
        s2 += x[m + 2]
        s3 += x[m + 3]
        l0 = min(l0, x[m])
        l1 = min(l1, x[m + 1])
        l2 = min(l2, x[m + 2])
        l3 = min(l3, x[m + 3])
    for m in range(top, size):
        s0 += x[m]
        l0 = min(l0, x[m])
    return (s0 + s1) + (s2 + s3), min(min(l0, l1), min(l2, l3))


@numba.njit(cache=True, **HELPER)
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


@numba.njit(cache=True, **KERNEL)
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


@numba.njit(cache=True, **KERNEL)
def max_outflow_rate(u0, u1, u2, n0, n1, n2, rh):
    """max over cells of Σ_k (max(u_k,i+½, 0) + max(−u_k,i−½, 0)) / h_k; u_k flat face arrays
    of the padded shape (n0, n1, n2) (see the module docstring)."""
    best = 0.0
    for i0 in range(n0):
        for i1 in range(n1):
            a0 = (i0 * n1 + i1) * n2
            a1 = (i0 * (n1 + 1) + i1) * n2
            a2 = (i0 * n1 + i1) * (n2 + 1)
            for i2 in range(n2):
                r = (
                    (max(u0[a0 + i2 + n1 * n2], 0.0) + max(-u0[a0 + i2], 0.0)) * rh[0]
                    + (max(u1[a1 + i2 + n2], 0.0) + max(-u1[a1 + i2], 0.0)) * rh[1]
                    + (max(u2[a2 + i2 + 1], 0.0) + max(-u2[a2 + i2], 0.0)) * rh[2]
                )
                best = max(best, r)
    return best
