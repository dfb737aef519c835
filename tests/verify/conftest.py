"""Verification runs use one Numba thread: their grids are small (1-D, or 2-D up to 64²), so
a parallel region costs more in thread start-up than it saves, and on a loaded machine a
parallel region waits for every thread (measured: 10 ms instead of 50 µs per grid step at a
load average of 10 on 2 cores). Results do not depend on the thread count (particle noise is
counter-based per particle; grid kernels are deterministic)."""

from __future__ import annotations

import numba
import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_numba_thread():
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(old)
