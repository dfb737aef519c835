"""The one signature through which fields cross into compiled code (DESIGN.md).

A compiled field is a Numba ``cfunc`` with signature

    void kernel(float64 t, float64* x, int64 d, float64* params, float64* out)

writing f_t(x) for one point x ∈ R^d into ``out``. Grid and particle kernels receive it as a
first-class function argument typed ``FIELD_TYPE``: the outer kernel is compiled (and cached on
disk) once for every field, because the argument type is the signature, not the function.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types

FIELD_SIG = types.void(
    types.float64,
    types.CPointer(types.float64),
    types.int64,
    types.CPointer(types.float64),
    types.CPointer(types.float64),
)
FIELD_TYPE = types.FunctionType(FIELD_SIG)


@numba.njit(cache=True)
def apply_field(kernel, params, t, x, out):
    """out[i] = f_t(x[i]) for every row of x (shape (n, d)); returns the number of rows where
    the field produced a non-finite value."""
    n, d = x.shape
    bad = 0
    for i in range(n):
        kernel(t, x[i].ctypes, d, params.ctypes, out[i].ctypes)
        for j in range(d):
            if not np.isfinite(out[i, j]):
                bad += 1
                break
    return bad
