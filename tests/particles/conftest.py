"""Shared pieces of the particle tests: the least-squares order fit and two exact flows."""

from __future__ import annotations

import numpy as np
import pytest


def _slope(h, err):
    """Least-squares slope of log err against log h (the observed global order)."""
    h, err = np.asarray(h, dtype=float), np.asarray(err, dtype=float)
    assert h.size >= 4, "an order fit needs at least 4 step sizes"
    assert np.all(err > 0), f"errors must be positive to fit an order: {err}"
    return float(np.polyfit(np.log(h), np.log(err), 1)[0])


@pytest.fixture
def slope():
    return _slope
