"""Binned L1: exact E L1, provable false-alarm rate, power, equal-probability cells, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import pdecheck as pc
from pdecheck.compare import (
    binned_l1,
    binned_l1_test,
    equal_probability_edges,
    expected_l1,
    l1_threshold,
    sample_test,
)

# Counts of false alarms are compared with the upper end of the Bin(reps, alpha) interval whose
# own false-alarm rate is 1e-4: a correct test (rate <= alpha) exceeds it once in 10^4 seeds.
UPPER_RATE = 1e-4


def test_de_moivre_mean_absolute_deviation_by_brute_force():
    """E|c − Np| for Binom(100, 0.3) summed over the pmf: 3.64492 (STATISTICS.md §2)."""
    n, p = 100, 0.3
    c = np.arange(n + 1)
    brute = np.sum(np.abs(c - n * p) * stats.binom.pmf(c, n, p))
    assert brute == pytest.approx(3.64492, abs=1e-5)
    # two cells (p, 1 − p) have equal deviations, so E L1 = 2 E|c − Np| / N
    assert expected_l1([p, 1 - p], n) == pytest.approx(2 * brute / n, rel=1e-12)
    assert expected_l1([0.25] * 4, 50) <= math.sqrt(3 / 50)  # Jensen + Cauchy–Schwarz bound


def test_equal_probability_cells_for_independent_coordinates():
    target = pc.Gaussian(np.array([1.0, -2.0]), np.array([0.5, 3.0]))
    edges = equal_probability_edges(target, 5)
    for j, e in enumerate(edges):
        assert e[0] == -np.inf and e[-1] == np.inf and e.size == 6
        expected = stats.norm.ppf(np.arange(1, 5) / 5, target.loc[j], target.std[j])
        np.testing.assert_allclose(e[1:-1], expected, rtol=1e-12, atol=1e-12)


def test_false_alarm_rate_and_exact_mean_by_simulation():
    """1000 repetitions, N = 300, d = 2, 4x4 cells, alpha = 0.01: the count of rejections is at
    most the binomial upper end, and the simulated mean of L1 matches De Moivre's E L1 within
    4 standard errors (a 6e-5 two-sided rate)."""
    reps, n, alpha = 1000, 300, 0.01
    target = pc.Gaussian(np.zeros(2), 1.0)
    edges = equal_probability_edges(target, 4)
    p = np.full((4, 4), 1 / 16)
    gen = np.random.default_rng(4)
    results = [binned_l1(gen.standard_normal((n, 2)), edges, p, alpha=alpha) for _ in range(reps)]
    rejected = sum(not r.passed for r in results)
    assert rejected <= stats.binom.isf(UPPER_RATE, reps, alpha)
    l1 = np.array([r.statistic for r in results])
    assert abs(l1.mean() - expected_l1(np.append(p.ravel(), 0.0), n)) <= 4 * l1.std() / math.sqrt(
        reps
    )


@pytest.mark.parametrize(
    "scale, corr", [(np.array([1.0, 1.0, 1.12]), 0.0), (np.ones(3), 0.4)], ids=["scale", "corr"]
)
def test_power_against_scaled_and_correlated_laws(scale, corr):
    """N = 20000, d = 3: a 12% scale error or a 0.4 correlation is rejected at alpha = 1e-3."""
    gen = np.random.default_rng(5)
    z = gen.standard_normal((20_000, 3))
    z[:, 1] = corr * z[:, 0] + math.sqrt(1 - corr**2) * z[:, 1]
    target = pc.Gaussian(np.zeros(3), 1.0)
    assert not binned_l1_test(z * scale, target, alpha=1e-3).passed
    assert not sample_test(z * scale, target, alpha=1e-3).passed
    assert sample_test(gen.standard_normal((20_000, 3)), target, alpha=1e-3).passed


def test_threshold_pieces_and_outside_cell():
    """tau = E L1 + sqrt(2 ln(1/alpha)/N) + 2b + q; mass left out by the cells forms a cell."""
    p = np.array([0.25, 0.25, 0.25])
    n, alpha = 400, 0.05
    tau = l1_threshold(np.append(p, 0.25), n, alpha, bias_budget=0.01, quadrature_budget=0.002)
    assert tau == pytest.approx(
        expected_l1([0.25] * 4, n) + math.sqrt(2 * math.log(20) / n) + 0.02 + 0.002, rel=1e-14
    )
    x = np.repeat([0.5, 1.5, 2.5, 9.0], 100)  # exactly N p_k in every cell, outside included
    result = binned_l1(x, [np.array([0.0, 1.0, 2.0, 3.0])], p, alpha=alpha, bias_budget=0.01)
    assert result.statistic == 0.0 and result.details["outside_fraction"] == 0.25


def test_bad_input():
    edges = [np.array([-np.inf, 0.0, np.inf])] * 2
    p = np.full((2, 2), 0.25)
    with pytest.raises(ValueError, match=r"n=5 .*n >= \d+"):
        binned_l1(np.zeros((5, 2)), edges, p, alpha=1e-3)
    with pytest.raises(ValueError, match="probabilities sum to"):
        binned_l1(np.zeros((500, 2)), edges, 2 * p, alpha=1e-3)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        binned_l1(np.zeros((500, 2)), edges, np.ones(3) / 3, alpha=1e-3)
    with pytest.raises(ValueError, match="strictly increasing"):
        binned_l1(np.zeros((500, 2)), [np.array([1.0, 0.0])] * 2, np.ones((1, 1)), alpha=0.1)
    with pytest.raises(ValueError, match="alpha"):
        binned_l1_test(np.zeros((500, 2)), pc.Gaussian(np.zeros(2), 1.0), alpha=1.5)
    with pytest.raises(ValueError, match="cells_per_axis"):
        binned_l1_test(
            np.zeros((500, 2)), pc.Gaussian(np.zeros(2), 1.0), alpha=0.1, cells_per_axis=1
        )


def test_expected_l1_with_cells_of_denormal_probability():
    """Cells with p near the smallest doubles (far tails of an exact law) contribute 2Np(1−p)^N,
    which is below 1e-300: the exact mean equals the one without them (scipy's binomial pmf
    overflowed here)."""
    from pdecheck.compare.binned import expected_l1

    base = expected_l1([0.25, 0.75], 1000)
    assert expected_l1([1e-308, 2e-308, 0.25, 0.75 - 3e-308], 1000) == pytest.approx(
        base, rel=1e-12
    )


@pytest.mark.parametrize("name", ["bias_budget", "quadrature_budget"])
@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_l1_threshold_refuses_a_budget_that_is_not_finite_and_nonnegative(name, value):
    """bias_budget=-1 gave a negative threshold (every sample rejected), NaN a NaN one."""
    with pytest.raises(ValueError, match=rf"^{name}={value!r} must be a finite number >= 0$"):
        l1_threshold([0.5, 0.5], 100, 0.01, **{name: value})


@pytest.mark.parametrize("n", [0, -5, float("nan"), 100.0])
def test_thresholds_need_a_positive_integer_n(n):
    with pytest.raises(ValueError, match=rf"^n={n!r} must be a positive integer$"):
        l1_threshold([0.5, 0.5], n, 0.01)
    with pytest.raises(ValueError, match=rf"^n={n!r} must be a positive integer$"):
        expected_l1([0.5, 0.5], n)
