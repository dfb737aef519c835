"""The compiled ODE integrator: one parallel loop over particles (the fast path).

:func:`ode_paths` integrates dx/dt = f_t(x) — and, when asked, the instantaneous change of
variables d/dt log p_t(X_t) = −∇·f_t(X_t) (seed eq. 12) — with an explicit Runge–Kutta tableau
on a fixed time grid (forward or backward). Each particle is independent, so the result does
not depend on the number of threads. Scratch arrays are allocated once per chunk of particles
and the stage and bookkeeping helpers of :mod:`._kernels` are inlined.
"""

from __future__ import annotations

import numba
import numpy as np

from pdecheck.particles._kernels import (
    CHUNK,
    chunk_range,
    finish_step,
    load_row,
    rk_stages,
    save_initial,
)


@numba.njit(cache=True, parallel=True)
def ode_paths(
    kernel,
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
    """x_{k+1} = x_k + h Σ_s b_s k_s, ℓ_{k+1} = ℓ_k − h Σ_s b_s (∇·f)(stage s), per particle."""
    n, d = x0.shape
    stages = b.size
    keep_logp = div_mode != 0
    for chunk in numba.prange((n + CHUNK - 1) // CHUNK):
        x = np.empty(d)
        k = np.empty((stages, d))
        xs = np.empty(d)
        xp = np.empty(d)
        fp = np.empty(d)
        fm = np.empty(d)
        divs = np.zeros(stages)
        f = np.empty(d)
        scratch = (f, xp, fp, fm, xs.ctypes, params.ctypes, f.ctypes)
        start, stop = chunk_range(chunk, n)
        for i in range(start, stop):
            load_row(x0, i, x)
            ell = 0.0
            slot = save_initial(i, x, save_steps, samples)
            if keep_logp and slot == 1:
                dlogp[0, i] = 0.0
            for step in range(times.size - 1):
                t = times[step]
                h = times[step + 1] - t
                rk_stages(
                    kernel,
                    params,
                    t,
                    h,
                    x,
                    A,
                    c,
                    k,
                    xs,
                    divs,
                    div_mode,
                    div_kernel,
                    div_params,
                    scratch,
                )
                for j in range(d):
                    acc = 0.0
                    for s in range(stages):
                        acc += b[s] * k[s, j]
                    x[j] += h * acc
                if keep_logp:
                    acc = 0.0
                    for s in range(stages):
                        acc += b[s] * divs[s]
                    ell -= h * acc
                slot = finish_step(
                    i,
                    step,
                    x,
                    ell,
                    lower,
                    upper,
                    has_domain,
                    save_steps,
                    slot,
                    samples,
                    dlogp,
                    keep_logp,
                    failed,
                    outside,
                )
                if slot < 0:
                    break
