"""Compiled linear field f_t(x) = A x / (1 + c t) (CATALOGUE B.7, cases L1–L4).

``linear_field`` is a cfunc with ``FIELD_SIG`` (:mod:`pdecheck._jit.signature`); parameter
layout [c, A_11, A_12, …, A_dd] (A row-major, d × d). c = 0 gives the constant-matrix flows
L1–L3, A = c = a the 1-D scaling L4. Where 1 + c t = 0 (L4's collapse at t = −1/a) the field is
undefined and the output is NaN, counted by the caller: the kernel never divides by zero (an
exception inside a cfunc cannot reach the caller).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from pdecheck._jit.signature import FIELD_SIG

__all__ = ["linear_field", "pack_linear"]


@numba.cfunc(FIELD_SIG, cache=True)
def linear_field(t, xp, d, pp, op):
    x = numba.carray(xp, (d,))
    out = numba.carray(op, (d,))
    params = numba.carray(pp, (1 + d * d,))
    scale = 1.0 + params[0] * t
    if scale == 0.0:
        for i in range(d):
            out[i] = math.nan
        return
    for i in range(d):
        acc = 0.0
        for j in range(d):
            acc += params[1 + i * d + j] * x[j]
        out[i] = acc / scale


def pack_linear(A: NDArray[np.float64], rate: float) -> NDArray[np.float64]:
    """The parameter vector [c, A row-major] of :func:`linear_field`."""
    return np.ascontiguousarray(np.concatenate([[float(rate)], np.asarray(A, float).ravel()]))
