"""The compiled SDE integrator: one parallel loop over particles (the fast path).

:func:`sde_paths` integrates dx = f_t(x) dt + g dW by Euler–Maruyama (``scheme`` 0; noise g_t
additive or g(t, x) elementwise through a compiled kernel) or by the weak-order-2 scheme of
:mod:`.steppers` (``scheme`` 1, additive noise). Particle i draws its increments from its own
xoshiro256++ stream seeded by (seed, i) — √|h|·Z in the order step, component — or reads them
from ``dW`` (shape (N, steps, d)) when one is given; either way its path depends on i alone, so
the result is the same for any number of threads.

Speed: the stream's state lives in four local scalars (registers; :func:`.rng.normal4`), the
field pointers and scratch arrays are set up once per chunk of particles, step sizes and √|h|
once per call, the per-step bookkeeping (:func:`._kernels.finish_step`) is inlined. The
state is checked for NaN/inf after every step, so a field is never called at a non-finite
point. A drift that is linear in x with additive noise takes :mod:`._linear_kernel` instead
(no field calls; the same numbers).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pdecheck.particles._kernels import (
    CHUNK,
    chunk_range,
    euler_step,
    finish_step,
    load_row,
    save_initial,
    trapezoid_step,
)
from pdecheck.particles.rng import normal4, seed4


@numba.njit(cache=True, inline="always")
def _increment(given, dW, i, step, j, root, s0, s1, s2, s3):
    """ΔW of particle i, step, component j: given, or √|h|·Z from the stream (s0, s1, s2, s3)."""
    if given:
        return dW[i, step, j], s0, s1, s2, s3
    z, s0, s1, s2, s3 = normal4(s0, s1, s2, s3)
    return root[step] * z, s0, s1, s2, s3


@numba.njit(cache=True, inline="always")
def _path(i, seed, given, scheme, multiplicative, kernels, grid, save_steps, box, out, scratch):
    """Particle i from x0[i] to the end of the grid (or its failure). The flags ``given``,
    ``scheme`` and ``multiplicative`` are the same for every particle and step: their branches
    are predicted, and one copy of the loop serves every case (a short compile)."""
    drift, pp, diff_kernel, dpp = kernels
    x0, times, h, root, g_left, g_mid, dW = grid
    lower, upper, has_domain = box
    samples, dummy, failed, outside = out
    x, f, fb, xb, gx, dw, xp, fp, fbp, xbp, gxp = scratch
    d = x.size
    s0, s1, s2, s3 = seed4(seed, i)
    load_row(x0, i, x)
    slot = save_initial(i, x, save_steps, samples)
    for step in range(times.size - 1):
        t = times[step]
        hk = h[step]
        drift(t, xp, d, pp, fp)
        if multiplicative:
            diff_kernel(t, xp, d, dpp, gxp)
        g = g_left[step] if scheme == 0 else g_mid[step]
        for j in range(d):
            dw[j], s0, s1, s2, s3 = _increment(given, dW, i, step, j, root, s0, s1, s2, s3)
            if scheme == 0:
                x[j] = euler_step(x[j], f[j], hk, gx[j] if multiplicative else g, dw[j])
            else:
                xb[j] = euler_step(x[j], f[j], hk, g, dw[j])
        if scheme != 0:
            drift(t + hk, xbp, d, pp, fbp)
            for j in range(d):
                x[j] = trapezoid_step(x[j], f[j], fb[j], hk, g, dw[j])
        slot = finish_step(
            i,
            step,
            x,
            0.0,
            lower,
            upper,
            has_domain,
            save_steps,
            slot,
            samples,
            dummy,
            False,
            failed,
            outside,
        )
        if slot < 0:
            return


@numba.njit(cache=True, parallel=True)
def sde_paths(
    drift,
    params,
    diff_kernel,
    diff_params,
    multiplicative,
    scheme,
    x0,
    times,
    g_left,
    g_mid,
    seed,
    dW,
    save_steps,
    lower,
    upper,
    has_domain,
    samples,
    failed,
    outside,
):
    """EM: x' = x + f_t(x) h + g ΔW; weak2: x̄ = x + f_t(x) h + g_mid ΔW,
    x' = x + ½(f_t(x) + f_{t+h}(x̄)) h + g_mid ΔW. ``save_steps`` ends with the sentinel −1."""
    n, d = x0.shape
    steps = times.size - 1
    given = dW.shape[0] == n
    box = (lower, upper, has_domain)
    out = (samples, np.zeros((1, 1)), failed, outside)
    h = np.empty(steps)
    root = np.empty(steps)
    for step in range(steps):
        h[step] = times[step + 1] - times[step]
        root[step] = math.sqrt(abs(h[step]))
    grid = (x0, times, h, root, g_left, g_mid, dW)
    for c in numba.prange((n + CHUNK - 1) // CHUNK):
        x, f, fb, xb, gx = np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d)
        pointers = (x.ctypes, f.ctypes, fb.ctypes, xb.ctypes, gx.ctypes)
        scratch = (x, f, fb, xb, gx, np.empty(d), *pointers)
        kernels = (drift, params.ctypes, diff_kernel, diff_params.ctypes)
        start, stop = chunk_range(c, n)
        for i in range(start, stop):
            _path(
                i, seed, given, scheme, multiplicative, kernels, grid, save_steps, box, out, scratch
            )
