"""Block kernel of the affine marginal field, isotropic Gaussian prior (CATALOGUE A4, seed eq. 14).

``isotropic_block()(t, x, n, d, params, out)`` is a cfunc with ``BLOCK_SIG``
(:mod:`pdecheck._jit.signature`): f_t at the n rows of x at one time t, over the parameter
vector of :func:`pdecheck._jit.affine.pack_params`. With prior N(μ_q, s² I) and data
N(m_k, V_k I) (V_k = 0 for points), v_k = α² V_k + σ² s², M_k = α m_k + σ μ_q,

    f_t(x) = Σ_k r_k [α' m_k + σ' μ_q + c_k (x − M_k)] / Σ_k r_k,
    r_k = exp(λ_k − |x − M_k|²/2v_k − max),   λ_k = log w_k + (d/2) log(v_min / v_k),

c_k = (αα' V_k + σσ' s²)/v_k: the per-point kernel's formula with its prefactor
(v_min/v_k)^{d/2} moved into the log-weight. Everything that depends on t alone (v_k, λ_k,
c_k, M_k and the intercepts) is computed once per call, and every pass is a loop over the
block's points on coordinate-major copies, which LLVM vectorises: the max over components
first, then the weights (the arithmetic :func:`pdecheck._jit.affine.exp_nonpositive`) and
the sums. Points are independent: a non-finite row gives a NaN row and touches no other.
Where p_t(x) = 0 or σ_t = 0 with point data the output is NaN, as in the per-point kernel.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numba
import numpy as np

from pdecheck._jit.affine import exp_nonpositive, layout, prior_mean_speed
from pdecheck._jit.signature import BLOCK_SIG

__all__ = ["isotropic_block"]


@numba.njit(cache=True, error_model="numpy", inline="always")
def _exponent(xt, centre, k, lam, inv, q):
    """q_i = λ_k − |x_i − M_k|² / 2v_k for every point i (xt coordinate-major, (d, n))."""
    d, n = xt.shape
    for i in range(n):
        q[i] = 0.0
    for j in range(d):
        mk = centre[j, k]
        for i in range(n):
            dev = xt[j, i] - mk
            q[i] += dev * dev
    for i in range(n):
        q[i] = lam[k] - 0.5 * inv[k] * q[i]


def _isotropic_block(t, xp, n, d, pp, op):
    x = numba.carray(xp, (n, d))
    out = numba.carray(op, (n, d))
    a, da, s, ds, sds, mu, sd, logw, centres, var0, var_min = layout(pp, d, t)
    q2 = s * s * sd[0] * sd[0]
    vmin = a * a * var_min + q2
    if not 0.0 < vmin < math.inf:  # σ_t = 0 with point data (p_t atomic)
        for i in range(n):
            for j in range(d):
                out[i, j] = math.nan
        return
    n_comp = logw.size
    lam, inv, slope = np.empty(n_comp), np.empty(n_comp), np.empty(n_comp)
    centre, intercept = np.empty((d, n_comp)), np.empty((d, n_comp))
    for k in range(n_comp):
        inv[k] = 1.0 / (a * a * var0[k] + q2)
        lam[k] = logw[k] + 0.5 * d * math.log(vmin * inv[k])
        slope[k] = (a * da * var0[k] + sds * sd[0] * sd[0]) * inv[k]
        for j in range(d):
            m = centres[j * n_comp + k]
            centre[j, k] = a * m + s * mu[j]
            intercept[j, k] = da * m + prior_mean_speed(ds, mu[j])
    xt, acc = np.empty((d, n)), np.zeros((d, n))
    top, total, q = np.full(n, -math.inf), np.zeros(n), np.empty(n)
    for i in range(n):
        for j in range(d):
            xt[j, i] = x[i, j]
    for k in range(n_comp):
        _exponent(xt, centre, k, lam, inv, q)
        for i in range(n):
            top[i] = max(top[i], q[i])
    for k in range(n_comp):
        _exponent(xt, centre, k, lam, inv, q)
        for i in range(n):
            q[i] = exp_nonpositive(q[i] - top[i])  # q now holds the weights
            total[i] += q[i]
        for j in range(d):
            for i in range(n):
                acc[j, i] += q[i] * (slope[k] * (xt[j, i] - centre[j, k]) + intercept[j, k])
    for i in range(n):
        for j in range(d):
            out[i, j] = acc[j, i] / total[i] if total[i] > 0.0 else math.nan


@functools.cache
def isotropic_block() -> Any:
    """The block cfunc (``BLOCK_SIG``), compiled on first use and loaded from the on-disk
    cache in later processes."""
    return numba.cfunc(BLOCK_SIG, cache=True, error_model="numpy")(_isotropic_block)
