"""Coefficients of the built-in linear SDEs in compiled code, with no cfunc (importing this
module compiles nothing, so integrators that only tabulate coefficients never pay for the
field kernel of :mod:`pdecheck._jit.sde`).

``linear_sde_coeffs(kind, p, t)`` returns (f_t, g_t², a_t, b_t²) — drift coefficient, squared
diffusion, mean coefficient and variance of p(x_t|x_0) = N(a_t x_0, b_t² I) — for the kinds
0 VP, 1 sub-VP, 2 VE, 3 OU, 4 geometric noise (CATALOGUE S1–S5), parameters p = [T, ...] as in
``LinearSDE.jit_spec``; ``linear_sde_drift`` f_t alone. The formulas are those of
pdecheck.sde, where each names its source.

``pack_score_drift`` lays out the parameters of ``score_drift`` (layout in
:mod:`pdecheck._jit.sde`); ``linear_drift_table`` tabulates that field as f_t(x) = A_t x + B_t
on a time grid where it is linear in x: no score term (A_t = ±f_t, B_t = 0, by the very
expression ``score_drift`` evaluates, so an integrator using the table reproduces the kernel
bit for bit), or data of one component (A_t = f_t + λ_t/s_t², B_t = −λ_t a_t m/s_t²,
s_t² = a_t² V + b_t²: equal to the kernel's value to a few units of round-off).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

#: index of the first mixture entry in the parameter vector of ``score_drift``
HEADER = 9


@numba.njit(cache=True)
def linear_sde_coeffs(kind, p, t):
    T = p[0]
    if kind == 0 or kind == 1:
        b0 = p[1]
        b1 = p[2]
        beta = b0 + t / T * (b1 - b0)
        B = b0 * t + 0.5 * (b1 - b0) * t * t / T
        if kind == 0:
            return -0.5 * beta, beta, math.exp(-0.5 * B), -math.expm1(-B)
        return -0.5 * beta, -beta * math.expm1(-2.0 * B), math.exp(-0.5 * B), math.expm1(-B) ** 2
    if kind == 2:
        smin = p[1]
        lr = math.log(p[2] / smin)
        return (
            0.0,
            2.0 * smin * smin * math.exp(2.0 * lr * t / T) * lr / T,
            1.0,
            smin * smin * math.expm1(2.0 * lr * t / T),
        )
    if kind == 3:
        theta = p[1]
        s = p[2]
        return (
            -theta,
            s * s,
            math.exp(-theta * t),
            -s * s * math.expm1(-2.0 * theta * t) / (2.0 * theta),
        )
    if kind == 4:
        ls = math.log(p[1])
        var = t if ls == 0.0 else math.expm1(2.0 * t * ls) / (2.0 * ls)
        return 0.0, math.exp(2.0 * t * ls), 1.0, var
    return math.nan, math.nan, math.nan, math.nan


@numba.njit(cache=True, inline="always")
def linear_sde_drift(kind, p, t):
    """f_t alone (the first entry of :func:`linear_sde_coeffs`), without the marginal's law."""
    if kind == 0 or kind == 1:
        return -0.5 * (p[1] + t / p[0] * (p[2] - p[1]))
    if kind == 3:
        return -p[1]
    if kind == 2 or kind == 4:
        return 0.0
    return math.nan


@numba.njit(cache=True)
def linear_drift_table(pp, times, A, B):
    """A[k], B[k, :] of f_t(x) = A_t x + B_t at t = times[k] for the parameters ``pp`` of
    :func:`score_drift` with at most one mixture component (module docstring)."""
    kind = int(pp[0])
    c_g = pp[1]
    c_s = pp[2]
    rev = pp[3] != 0.0
    k = int(pp[4])
    sp = pp[5:HEADER]
    d = B.shape[1]
    sign = -1.0 if rev else 1.0
    for step in range(times.size):
        tt = sp[0] - times[step] if rev else times[step]
        if (c_g == 0.0 and c_s == 0.0) or k == 0:
            A[step] = sign * linear_sde_drift(kind, sp, tt)
            for j in range(d):
                B[step, j] = 0.0
            continue
        f, g2, a, var = linear_sde_coeffs(kind, sp, tt)
        lam = c_g * g2 + c_s
        s2 = a * a * pp[HEADER + 1 + d] + var
        slope = lam / s2 if s2 > 0.0 else math.nan  # point data at b_t = 0: undefined
        A[step] = sign * (f + slope)
        for j in range(d):
            B[step, j] = -sign * slope * a * pp[HEADER + 1 + j]


def pack_score_drift(
    kind: int,
    sde_params: NDArray[np.float64],
    c_g: float,
    c_s: float,
    reverse: bool,
    weights: NDArray[np.float64],
    means: NDArray[np.float64],
    variances: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The parameter vector of :func:`score_drift` (layout in the module docstring)."""
    sp = np.full(4, np.nan)
    sp[: sde_params.size] = sde_params
    head = [float(kind), c_g, c_s, 1.0 if reverse else 0.0, float(weights.size), *sp]
    return np.ascontiguousarray(
        np.concatenate([head, weights, means.ravel(), variances]), dtype=float
    )
