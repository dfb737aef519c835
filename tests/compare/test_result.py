"""The shared argument checks of pdecheck.compare.result: empty samples reach no test."""

from __future__ import annotations

import numpy as np
import pytest

import pdecheck as pc
from pdecheck import compare
from pdecheck.compare.result import sample_points

G1 = pc.Gaussian(0.0, 1.0)
G2 = pc.Gaussian(np.zeros(2), 1.0)
EDGES = [np.array([-1.0, 0.0, 1.0])]
GRID = [np.linspace(0.0, 4.0, 5)]

EMPTY_CALLS = {
    "sample_test 1-D": lambda: compare.sample_test(np.zeros(0), G1, alpha=0.01),
    "sample_test 2-D": lambda: compare.sample_test(np.zeros((0, 2)), G2, alpha=0.01),
    "ks_test": lambda: compare.ks_test([], G1, alpha=0.01),
    "marginal_ks_test": lambda: compare.marginal_ks_test(np.zeros((0, 2)), G2, alpha=0.01),
    "binned_l1": lambda: compare.binned_l1(np.zeros(0), EDGES, [0.4, 0.4], alpha=0.01),
    "binned_l1_test": lambda: compare.binned_l1_test(np.zeros((0, 2)), G2, alpha=0.01),
    "samples_vs_grid": lambda: compare.samples_vs_grid(
        np.zeros(0), np.full(4, 0.25), GRID, alpha=0.01
    ),
    "mean_test": lambda: compare.mean_test(np.zeros((0, 2)), G2, alpha=0.01),
    "variance_test": lambda: compare.variance_test(np.zeros(0), G1, alpha=0.01),
}


@pytest.mark.parametrize("call", EMPTY_CALLS.values(), ids=EMPTY_CALLS.keys())
def test_empty_samples_name_the_argument_and_the_rule(call):
    """Every test refuses n = 0 by name (before: ZeroDivisionError in l1_threshold, NaN
    warnings, or NumPy's 'zero-size array to reduction operation')."""
    with pytest.raises(
        ValueError, match=r"^samples is empty \(shape \(0, [12]\)\); the rule is n >= 1$"
    ):
        call()


def test_sample_points_shapes_and_checks():
    assert sample_points("samples", [1.0, 2.0], 1).shape == (2, 1)
    assert sample_points("samples", np.zeros((3, 2)), 2).shape == (3, 2)
    with pytest.raises(ValueError, match="x is empty"):
        sample_points("x", np.zeros((0, 3)), 3)
    with pytest.raises(ValueError, match=r"samples=.*non-finite"):
        sample_points("samples", [0.0, np.inf], 1)
    with pytest.raises(ValueError, match=r"samples has shape \(4, 3\)"):
        sample_points("samples", np.zeros((4, 3)), 2)
