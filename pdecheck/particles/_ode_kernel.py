"""The compiled ODE integrator: a parallel loop over chunks of particles (the fast path).

:func:`ode_paths` integrates dx/dt = f_t(x) — and, when asked, the instantaneous change of
variables d/dt log p_t(X_t) = −∇·f_t(X_t) (seed eq. 12) — with an explicit Runge–Kutta tableau
on a fixed time grid (forward or backward). Each chunk of :data:`._kernels.CHUNK` particles
advances stage by stage: every stage evaluates the field at the chunk's points at one time, by
one call of the field's block kernel (``pdecheck._jit.signature.BLOCK_SIG``) when it has one,
else by one per-point call per particle. Each particle's arithmetic is the same either way and
independent of the others, so the result does not depend on the number of threads.
"""

from __future__ import annotations

import numba
import numpy as np

from pdecheck._jit.signature import row_pointer
from pdecheck.particles._kernels import (
    CHUNK,
    chunk_range,
    fd_divergence,
    finish_step,
    save_initial,
)


@numba.njit(cache=True, inline="always")
def _stage_points(x, k, A, s, h, xs):
    """xs = x + h Σ_{m<s} A_sm k_m for every particle of the chunk."""
    m, d = x.shape
    for r in range(m):
        for j in range(d):
            acc = 0.0
            for q in range(s):
                acc += A[s, q] * k[q, r, j]
            xs[r, j] = x[r, j] + h * acc


@numba.njit(cache=True, inline="always")
def _evaluate(fields, t, xs, ks, base):
    """ks.flat[base:] = f_t at every row of xs: one block call, or one call per row."""
    kernel, block, use_block, params = fields
    m, d = xs.shape
    if use_block:
        block(t, row_pointer(xs, 0), m, d, params.ctypes, row_pointer(ks, base))
        return
    for r in range(m):
        kernel(t, row_pointer(xs, r * d), d, params.ctypes, row_pointer(ks, base + r * d))


@numba.njit(cache=True, inline="always")
def _divergences(fields, div, t, xs, divs, s, scratch):
    """divs[s, r] = ∇·f_t at row r of xs (div_mode 1: finite differences, 2: the compiled
    divergence kernel)."""
    kernel, _, _, params = fields
    div_mode, div_kernel, div_params = div
    xr, xp, fp, fm = scratch
    m, d = xs.shape
    for r in range(m):
        if div_mode == 1:
            for j in range(d):
                xr[j] = xs[r, j]
            divs[s, r] = fd_divergence(kernel, params, t, xr, xp, fp, fm)
        else:
            div_kernel(t, row_pointer(xs, r * d), d, div_params.ctypes, fp.ctypes)
            divs[s, r] = fp[0]


@numba.njit(cache=True, parallel=True)
def ode_paths(
    kernel,
    block,
    use_block,
    params,
    div_kernel,
    div_params,
    div_mode,
    x0,
    times,
    A,
    b,
    c,
    save_steps,
    lower,
    upper,
    has_domain,
    samples,
    dlogp,
    failed,
    outside,
):
    """x_{k+1} = x_k + h Σ_s b_s k_s, ℓ_{k+1} = ℓ_k − h Σ_s b_s (∇·f)(stage s), per particle.
    A particle whose state turns non-finite is marked failed and no longer updated (its row
    is still carried through the stage calls; its result is never read)."""
    n, d = x0.shape
    stages = b.size
    keep_logp = div_mode != 0
    fields = (kernel, block, use_block, params)
    div = (div_mode, div_kernel, div_params)
    for chunk in numba.prange((n + CHUNK - 1) // CHUNK):
        start, stop = chunk_range(chunk, n)
        m = stop - start
        x = np.empty((m, d))
        xs = np.empty((m, d))
        k = np.empty((stages, m, d))
        ell = np.zeros(m)
        divs = np.zeros((stages, m))
        slot = np.empty(m, np.int64)
        scratch = (np.empty(d), np.empty(d), np.empty(d), np.empty(d))
        for r in range(m):
            for j in range(d):
                x[r, j] = x0[start + r, j]
            slot[r] = save_initial(start + r, x[r], save_steps, samples)
            if keep_logp and slot[r] == 1:
                dlogp[0, start + r] = 0.0
        live = m
        for step in range(times.size - 1):
            if live == 0:
                break
            t = times[step]
            h = times[step + 1] - t
            for s in range(stages):
                _stage_points(x, k, A, s, h, xs)
                ts = t + c[s] * h
                _evaluate(fields, ts, xs, k, s * m * d)
                if keep_logp:
                    _divergences(fields, div, ts, xs, divs, s, scratch)
            for r in range(m):
                if slot[r] < 0:
                    continue
                for j in range(d):
                    acc = 0.0
                    for s in range(stages):
                        acc += b[s] * k[s, r, j]
                    x[r, j] += h * acc
                if keep_logp:
                    acc = 0.0
                    for s in range(stages):
                        acc += b[s] * divs[s, r]
                    ell[r] -= h * acc
                slot[r] = finish_step(
                    start + r,
                    step,
                    x[r],
                    ell[r],
                    lower,
                    upper,
                    has_domain,
                    save_steps,
                    slot[r],
                    samples,
                    dlogp,
                    keep_logp,
                    failed,
                    outside,
                )
                if slot[r] < 0:
                    live -= 1
