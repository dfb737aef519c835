"""Compiled field-line velocity of the Poisson-field flow (pdecheck.poisson, CATALOGUE P2).

``poisson_velocity`` is dx/dz = E_x/E_z for point charges w_i at y_i on the hyperplane z = 0 of
R^{d+1}, in the FIELD_SIG protocol of :mod:`pdecheck._jit.signature` with z in the place of t.
Parameter layout: [N, k, w_1..w_k, y_1 (d) .. y_k (d)], N = d + 1 the exponent of |x̃ − ỹ|.
The normalisation S_{N−1} cancels in the ratio; distances are scaled by the nearest charge so
that |x̃ − ỹ|^{−N} neither overflows nor underflows in high dimension.
On the hyperplane itself (z = 0, E_z = 0) the output is NaN, counted by the caller: a cfunc
never divides by zero (an exception inside it cannot reach the caller).
"""

from __future__ import annotations

import math

import numba

from pdecheck._jit.signature import FIELD_SIG


@numba.cfunc(FIELD_SIG, cache=True)
def poisson_velocity(z, xp, d, pp, op):
    """v = Σ_i q_i (x − y_i) / (z Σ_i q_i), q_i = w_i |x̃ − ỹ_i|^{−N} (CATALOGUE P2)."""
    x = numba.carray(xp, (d,))
    out = numba.carray(op, (d,))
    if z == 0.0:  # the hyperplane of the charges: E_z = 0, v undefined (never divide by 0)
        for j in range(d):
            out[j] = math.nan
        return
    N = pp[0]
    k = int(pp[1])
    params = numba.carray(pp, (2 + k * (d + 1),))
    w = params[2 : 2 + k]
    y = params[2 + k :]
    log_r_min = math.inf
    for i in range(k):
        r2 = z * z
        for j in range(d):
            dev = x[j] - y[i * d + j]
            r2 += dev * dev
        log_r_min = min(log_r_min, 0.5 * math.log(r2))
    for j in range(d):
        out[j] = 0.0
    total = 0.0
    for i in range(k):
        r2 = z * z
        for j in range(d):
            dev = x[j] - y[i * d + j]
            r2 += dev * dev
        q = w[i] * math.exp(N * (log_r_min - 0.5 * math.log(r2)))
        total += q
        for j in range(d):
            out[j] += q * (x[j] - y[i * d + j])
    for j in range(d):
        out[j] /= z * total
