"""Compiled evaluation of the built-in schedules (pdecheck.schedules, ``jit_spec``).

``schedule_coeffs(kind, p, t)`` returns (α_t, α'_t, σ_t, σ'_t, σ_tσ'_t) for the kinds
0 Linear, 1 Cosine, 2 VP, 3 SubVP, 4 VE with parameters p = [T, ...] as in ``_jit_params``.
σσ' = ½ d(σ²)/dt is returned in its own closed form: it stays finite at t = 0 where σ' = ∞
(VP, VE). The formulas are those of pdecheck.schedules, where each is documented with its
source.
"""

from __future__ import annotations

import math

import numba


@numba.njit(cache=True)
def schedule_coeffs(kind, p, t):
    T = p[0]
    if kind == 0:
        return 1.0 - t / T, -1.0 / T, t / T, 1.0 / T, t / (T * T)
    if kind == 1:
        w = 0.5 * math.pi / T
        c, sn = math.cos(w * t), math.sin(w * t)
        return c, -w * sn, sn, w * c, w * sn * c
    if kind == 2 or kind == 3:
        b0 = p[1]
        b1 = p[2]
        beta = b0 + t / T * (b1 - b0)
        B = b0 * t + 0.5 * (b1 - b0) * t * t / T
        a = math.exp(-0.5 * B)
        da = -0.5 * beta * a
        if kind == 2:
            s = math.sqrt(-math.expm1(-B))
            sds = 0.5 * beta * math.exp(-B)
            return a, da, s, sds / s if s > 0.0 else math.inf, sds
        s = -math.expm1(-B)
        ds = beta * math.exp(-B)
        return a, da, s, ds, s * ds
    if kind == 4:
        smin = p[1]
        lr = math.log(p[2] / smin)
        e = math.exp(2.0 * lr * t / T)
        s = smin * math.sqrt(math.expm1(2.0 * lr * t / T))
        sds = smin * smin * e * lr / T
        return 1.0, 0.0, s, sds / s if s > 0.0 else math.inf, sds
    return math.nan, math.nan, math.nan, math.nan, math.nan
