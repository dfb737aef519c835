"""The compiled SDE integrator: one parallel loop over particles (the fast path).

:func:`sde_paths` integrates dx = f_t(x) dt + g dW by Euler–Maruyama (``scheme`` 0; noise g_t
additive or g(t, x) elementwise through a compiled kernel) or by the weak-order-2 scheme of
:mod:`.steppers` (``scheme`` 1, additive noise). Particle i draws its increments from its own
xoshiro256++ stream seeded by (seed, i) — √|h|·Z in the order step, component — or reads them
from ``dW`` (shape (N, steps, d)) when one is given; either way its path depends on i alone, so
the result is the same for any number of threads.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pdecheck.particles._kernels import fill_failed, finish_step, save_initial
from pdecheck.particles.rng import normal, seed_state


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
    given = dW.shape[0] == n
    dummy = np.zeros((1, 1))
    for i in numba.prange(n):
        state = np.empty(4, dtype=np.uint64)
        seed_state(seed, i, state)
        x = x0[i].copy()
        f = np.empty(d)
        fb = np.empty(d)
        xb = np.empty(d)
        gx = np.empty(d)
        dw = np.empty(d)
        slot = save_initial(i, x, save_steps, samples)
        for step in range(times.size - 1):
            t = times[step]
            h = times[step + 1] - t
            if given:
                for j in range(d):
                    dw[j] = dW[i, step, j]
            else:
                root = math.sqrt(abs(h))
                for j in range(d):
                    dw[j] = root * normal(state)
            drift(t, x.ctypes, d, params.ctypes, f.ctypes)
            if scheme == 0:
                if multiplicative:
                    diff_kernel(t, x.ctypes, d, diff_params.ctypes, gx.ctypes)
                else:
                    gx[:] = g_left[step]
                for j in range(d):
                    x[j] = x[j] + f[j] * h + gx[j] * dw[j]
            else:
                g = g_mid[step]
                for j in range(d):
                    xb[j] = x[j] + f[j] * h + g * dw[j]
                drift(t + h, xb.ctypes, d, params.ctypes, fb.ctypes)
                for j in range(d):
                    x[j] = x[j] + 0.5 * (f[j] + fb[j]) * h + g * dw[j]
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
            if failed[i]:
                fill_failed(i, slot, samples, dummy, False)
                break
