"""``pdecheck._jit.views.flat``: the 1-D view of a C-contiguous array inside compiled code."""

from __future__ import annotations

import sys

import numba
import numpy as np
import pytest

from pdecheck._jit.views import flat


@numba.njit(cache=True)
def _write_through(a, m, value):
    v = flat(a)
    v[m] = value
    return v.size, v[0], v[v.size - 1]


def test_flat_is_a_view_in_memory_order():
    a = np.arange(24.0).reshape(2, 3, 4)
    size, first, last = _write_through(a, 13, -1.0)
    assert (size, first, last) == (24, 0.0, 23.0)
    assert a[1, 0, 1] == -1.0  # element 13 in C order: 1·12 + 0·4 + 1
    assert a.ravel()[13] == -1.0


def test_flat_holds_and_releases_its_reference():
    a = np.zeros((5, 7))
    before = sys.getrefcount(a)
    for _ in range(100):
        _write_through(a, 3, 1.0)
    assert sys.getrefcount(a) == before


def test_flat_refuses_an_array_that_is_not_c_contiguous():
    with pytest.raises(numba.core.errors.TypingError):
        _write_through(np.zeros((4, 6))[:, ::2], 0, 1.0)
