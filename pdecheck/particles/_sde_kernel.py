"""The compiled SDE integrator: one parallel loop over particles (the fast path).

:func:`sde_paths` integrates dx = f_t(x) dt + g dW by Euler–Maruyama (``scheme`` 0; noise g_t
additive or g(t, x) elementwise through a compiled kernel) or by the weak-order-2 scheme of
:mod:`.steppers` (``scheme`` 1, additive noise). Particle i draws its increments from its own
xoshiro256++ stream seeded by (seed, i) — √|h|·Z in the order step, component — or reads them
from ``dW`` (shape (N, steps, d)) when one is given; either way its path depends on i alone, so
the result is the same for any number of threads.

Speed: the stream's state lives in four local scalars (registers; :func:`.rng.normal4`), the
field pointers and scratch arrays are set up once per chunk of particles, step sizes and √|h|
once per call, and the per-step bookkeeping (:func:`._kernels.finish_step`) is inlined.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pdecheck.particles._kernels import CHUNK, chunk_range, finish_step, load_row, save_initial
from pdecheck.particles.rng import normal4, seed4


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
    x' = x + ½(f_t(x) + f_{t+h}(x̄)) h + g_mid ΔW."""
    n, d = x0.shape
    steps = times.size - 1
    given = dW.shape[0] == n
    dummy = np.zeros((1, 1))
    h = np.empty(steps)
    root = np.empty(steps)
    for step in range(steps):
        h[step] = times[step + 1] - times[step]
        root[step] = math.sqrt(abs(h[step]))
    for c in numba.prange((n + CHUNK - 1) // CHUNK):
        x = np.empty(d)
        f = np.empty(d)
        fb = np.empty(d)
        xb = np.empty(d)
        gx = np.empty(d)
        dw = np.empty(d)
        xp, fp, fbp, xbp, gxp = x.ctypes, f.ctypes, fb.ctypes, xb.ctypes, gx.ctypes
        pp, dpp = params.ctypes, diff_params.ctypes
        start, stop = chunk_range(c, n)
        for i in range(start, stop):
            s0, s1, s2, s3 = seed4(seed, i)
            load_row(x0, i, x)
            slot = save_initial(i, x, save_steps, samples)
            for step in range(steps):
                t = times[step]
                hk = h[step]
                if given:
                    for j in range(d):
                        dw[j] = dW[i, step, j]
                else:
                    for j in range(d):
                        z, s0, s1, s2, s3 = normal4(s0, s1, s2, s3)
                        dw[j] = root[step] * z
                drift(t, xp, d, pp, fp)
                if scheme == 0:
                    if multiplicative:
                        diff_kernel(t, xp, d, dpp, gxp)
                    else:
                        for j in range(d):
                            gx[j] = g_left[step]
                    for j in range(d):
                        x[j] = x[j] + f[j] * hk + gx[j] * dw[j]
                else:
                    g = g_mid[step]
                    for j in range(d):
                        xb[j] = x[j] + f[j] * hk + g * dw[j]
                    drift(t + hk, xbp, d, pp, fbp)
                    for j in range(d):
                        x[j] = x[j] + 0.5 * (f[j] + fb[j]) * hk + g * dw[j]
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
                    break
