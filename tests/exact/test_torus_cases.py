"""Case M1's density TorusWave: the wave number is a positive integer (CATALOGUE M1)."""

from __future__ import annotations

import numpy as np
import pytest

from pdecheck.exact.torus import TorusWave


@pytest.mark.parametrize(
    "k, words",
    [
        (2.5, ["k=2.5", "positive integer"]),  # was truncated to 2
        (0, ["k=0", "positive integer"]),  # was a ZeroDivisionError in box_probability
        (-2, ["k=-2", "positive integer"]),  # the same density as k = 2
        (2.0, ["k=2.0", "positive integer"]),
    ],
)
def test_wave_number_must_be_a_positive_integer(k, words):
    with pytest.raises(ValueError) as info:
        TorusWave(0.5, k, 0.0)
    for word in words:
        assert word in str(info.value)


def test_phase_must_be_finite():
    with pytest.raises(ValueError, match="phase=nan contains 1 non-finite"):
        TorusWave(0.5, 2, np.nan)


def test_integer_k_keeps_its_value_and_the_law_has_mass_one():
    wave = TorusWave(0.5, np.int64(3), 0.4)
    assert wave.k == 3 and isinstance(wave.k, int)
    total = wave.box_probability([[0.0]], [[2 * np.pi]])[0]
    assert total == pytest.approx(1.0, abs=1e-14)
