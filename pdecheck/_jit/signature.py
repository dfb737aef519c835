"""The one signature through which fields cross into compiled code (DESIGN.md).

A compiled field is a Numba ``cfunc`` with signature

    void kernel(float64 t, float64* x, int64 d, float64* params, float64* out)

writing f_t(x) for one point x ∈ R^d into ``out``. Grid and particle kernels receive it as a
first-class function argument typed ``FIELD_TYPE``: the outer kernel is compiled (and cached on
disk) once for every field, because the argument type is the signature, not the function.

A field may also have a *block* kernel (``BLOCK_SIG``), an optional second entry point over the
same parameter vector,

    void block(float64 t, float64* x, int64 n, int64 d, float64* params, float64* out)

writing f_t at the n rows of the row-major (n, d) array x into out (n, d): one call per stage
for a whole block of particles, so that a kernel pays its t-only work once per block and can
vectorise across points. It must agree with the per-point kernel to round-off; callers that
have no block kernel to pass give :func:`no_block` and a flag (first-class function arguments
need a value of their type).
"""

from __future__ import annotations

import functools

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

FIELD_SIG = types.void(
    types.float64,
    types.CPointer(types.float64),
    types.int64,
    types.CPointer(types.float64),
    types.CPointer(types.float64),
)
FIELD_TYPE = types.FunctionType(FIELD_SIG)
BLOCK_SIG = types.void(
    types.float64,
    types.CPointer(types.float64),
    types.int64,
    types.int64,
    types.CPointer(types.float64),
    types.CPointer(types.float64),
)


@intrinsic
def row_pointer(typingctx, array, start):
    """A float64 pointer to element ``start`` of a C-contiguous float64 array's flat data (the
    row of a block that a kernel is given): no view, so no reference counting per call."""
    if not isinstance(array, types.Array) or array.dtype != types.float64:
        return None
    if not isinstance(start, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        return builder.gep(data, [args[1]])

    return types.CPointer(types.float64)(array, start), codegen


def _no_block(t, xp, n, d, pp, op):
    """The placeholder block kernel: never called (its callers' flag says so)."""


@functools.cache
def no_block():
    """The placeholder :data:`BLOCK_SIG` cfunc for fields without a block kernel (compiled on
    first use, then loaded from the disk cache)."""
    return numba.cfunc(BLOCK_SIG, cache=True)(_no_block)


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
