"""Suite-wide settings: floating-point errors raise, Hypothesis runs deterministically.

The Hypothesis profile "det" (../shared/STATISTICS.md §5) derandomises examples, keeps no
database and has no deadline, so local runs and CI see the same examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "det",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("det")


@pytest.fixture(autouse=True)
def _raise_on_float_errors():
    """Division by zero, overflow and invalid operations in NumPy fail the test (underflow to 0
    is the normal fate of Gaussian tails and stays allowed)."""
    old = np.seterr(divide="raise", over="raise", invalid="raise", under="ignore")
    yield
    np.seterr(**old)


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: every test that draws samples is reproducible."""
    return np.random.default_rng(20261123)
