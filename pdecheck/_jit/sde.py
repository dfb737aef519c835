"""Compiled drift of the built-in linear SDEs and of their same-marginal family (pdecheck.sde).

``score_drift`` is the per-point field f_t x − λ_t ∇log p_t(x) with λ_t = c_g g_t² + c_s and
p_t the exact marginal of Gaussian-mixture (or point) data, in the FIELD_SIG protocol of
:mod:`pdecheck._jit.signature`. Where b_t = 0 with point data (p_t atomic, the score undefined)
the output is NaN, counted by the caller: a cfunc never divides by zero (an exception inside
it cannot reach the caller). Parameter layout (``pack_score_drift``):

    [kind, c_g, c_s, reversed, k, T, q1, q2, q3,  w_1..w_k,  m_1 (d) .. m_k (d),  V_1..V_k]

where (T, q1, q2, q3) are the SDE parameters and ``reversed`` = 1 evaluates −f_{T−τ}(x) at τ
(the same equation written in reverse time τ = T − t, CATALOGUE F2). The SDE coefficients
(``linear_sde_coeffs``, ``linear_sde_drift``), the packing and the linear tabulation
(``linear_drift_table``) live in :mod:`pdecheck._jit.sde_coeffs` and are re-exported here.
"""

from __future__ import annotations

import math

import numba

from pdecheck._jit.sde_coeffs import (  # noqa: F401 (re-exported)
    HEADER,
    linear_drift_table,
    linear_sde_coeffs,
    linear_sde_drift,
    pack_score_drift,
)
from pdecheck._jit.signature import FIELD_SIG


@numba.njit(cache=True, inline="always")
def _responsibility(c, x, d, w, means, vk, a, var, top):
    """w_c N(x; a m_c, (a² V_c + b²) I) / exp(top), the unnormalised mixture responsibility."""
    s2 = a * a * vk[c] + var
    sq = 0.0
    for j in range(d):
        dev = x[j] - a * means[c * d + j]
        sq += dev * dev
    return math.exp(math.log(w[c]) - 0.5 * sq / s2 - 0.5 * d * math.log(s2) - top)


@numba.cfunc(FIELD_SIG, cache=True)
def score_drift(t, xp, d, pp, op):
    """f_t x − (c_g g_t² + c_s) Σ_k r_k(x) (a_t m_k − x)/(a_t² V_k + b_t²) (CATALOGUE F1–F3,
    B.4 "Gaussian-mixture data")."""
    x = numba.carray(xp, (d,))
    out = numba.carray(op, (d,))
    kind = int(pp[0])
    c_g = pp[1]
    c_s = pp[2]
    rev = pp[3] != 0.0
    k = int(pp[4])
    sp = numba.carray(pp, (HEADER,))[5:]
    tt = sp[0] - t if rev else t
    if (c_g == 0.0 and c_s == 0.0) or k == 0:  # the drift alone: no exp of the marginal's law
        f = linear_sde_drift(kind, sp, tt)
        sign = -1.0 if rev else 1.0
        for j in range(d):
            out[j] = sign * f * x[j]
        return
    f, g2, a, var = linear_sde_coeffs(kind, sp, tt)
    for j in range(d):
        out[j] = f * x[j]
    lam = c_g * g2 + c_s
    # the score term: λ_t = 0 times an undefined score stays NaN
    params = numba.carray(pp, (HEADER + k * (d + 2),))
    w = params[HEADER : HEADER + k]
    means = params[HEADER + k : HEADER + k + k * d]
    vk = params[HEADER + k + k * d :]
    # log-sum-exp over components: first the maximum of the log weights
    top = -math.inf
    for c in range(k):
        s2 = a * a * vk[c] + var
        if not s2 > 0.0:  # b_t = 0 with point data: p_t atomic, the score undefined
            for j in range(d):
                out[j] = math.nan
            return
        sq = 0.0
        for j in range(d):
            dev = x[j] - a * means[c * d + j]
            sq += dev * dev
        lw = math.log(w[c]) - 0.5 * sq / s2 - 0.5 * d * math.log(s2) if w[c] > 0.0 else -math.inf
        top = max(top, lw)
    total = 0.0
    for c in range(k):
        if w[c] > 0.0:
            total += _responsibility(c, x, d, w, means, vk, a, var, top)
    for c in range(k):
        if w[c] <= 0.0:
            continue
        s2 = a * a * vk[c] + var
        r = _responsibility(c, x, d, w, means, vk, a, var, top) / total
        for j in range(d):
            out[j] -= lam * r * (a * means[c * d + j] - x[j]) / s2
    if rev:
        for j in range(d):
            out[j] = -out[j]
