"""KS with the DKW threshold: value, false-alarm rate, power, bias budget, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import pdecheck as pc
from pdecheck.compare import dkw_threshold, ks_minimum_n, ks_statistic, ks_test, marginal_ks_test

# Simulated false-alarm counts are checked against a two-sided binomial interval that itself
# has a false-alarm rate of 1e-4 (so these checks fail by chance once in 10^4 seeds).
INTERVAL_RATE = 1e-4


def binomial_interval(reps: int, rate: float) -> tuple[float, float]:
    return (
        stats.binom.ppf(INTERVAL_RATE / 2, reps, rate),
        stats.binom.isf(INTERVAL_RATE / 2, reps, rate),
    )


def test_dkw_threshold_matches_exact_kolmogorov_quantile():
    """Massart's bound is nearly tight at small alpha (STATISTICS.md §1: 0.01949 vs 0.01948)."""
    eps = dkw_threshold(10_000, 1e-3)
    assert eps == pytest.approx(math.sqrt(math.log(2e3) / 2e4), rel=1e-15)
    exact = stats.kstwo.ppf(1 - 1e-3, 10_000)
    assert exact <= eps <= exact * 1.001


def test_statistic_agrees_with_scipy(rng):
    x = rng.standard_normal(257)
    expected = stats.kstest(x, "norm").statistic
    assert ks_statistic(stats.norm.cdf(x)) == pytest.approx(expected, rel=1e-12)
    assert ks_test(x, pc.Gaussian(0.0, 1.0), alpha=0.01).statistic == pytest.approx(
        expected, rel=1e-12
    )


def test_false_alarm_rate_is_the_exact_kolmogorov_rate():
    """1000 repetitions, N = 100, alpha = 0.01. The exact rejection probability of the DKW
    threshold is kstwo.sf(eps, N) <= alpha; the count must lie in its binomial interval."""
    reps, n, alpha = 1000, 100, 0.01
    gen = np.random.default_rng(1)
    rejected = sum(not ks_test(gen.random(n), lambda u: u, alpha=alpha).passed for _ in range(reps))
    rate = stats.kstwo.sf(dkw_threshold(n, alpha), n)
    assert rate <= alpha
    lo, hi = binomial_interval(reps, rate)
    assert lo <= rejected <= hi, (rejected, rate)


def test_bias_budget_keeps_the_rate_for_a_biased_sampler():
    """Samples from G = N(0, 1.05²) against F = N(0, 1) with the exact b = sup|G − F|:
    D_N <= sup|F_N − G| + b, so the rate stays <= alpha (checked: count <= binomial upper end)."""
    reps, n, alpha, s = 1000, 2000, 0.01, 1.05
    grid = np.linspace(-6, 6, 200_001)
    b = float(np.max(np.abs(stats.norm.cdf(grid / s) - stats.norm.cdf(grid))))
    gen = np.random.default_rng(2)
    target = pc.Gaussian(0.0, 1.0)
    without = with_budget = 0
    for _ in range(reps):
        x = s * gen.standard_normal(n)
        without += not ks_test(x, target, alpha=alpha).passed
        with_budget += not ks_test(x, target, alpha=alpha, bias_budget=b).passed
    assert with_budget <= binomial_interval(reps, alpha)[1]
    assert without > binomial_interval(reps, alpha)[1]  # the budget is what keeps the rate


def test_power_against_a_shift(rng):
    x = rng.standard_normal(2000) + 0.2
    result = ks_test(x, pc.Gaussian(0.0, 1.0), alpha=1e-3)
    assert not result.passed and result.statistic > result.threshold


def test_marginal_ks_false_alarm_and_power():
    """Bonferroni over d = 2 keeps the rate <= alpha; a scaled marginal is rejected."""
    reps, n, alpha = 1000, 200, 0.01
    target = pc.Gaussian(np.zeros(2), 1.0)
    gen = np.random.default_rng(3)
    rejected = sum(
        not marginal_ks_test(gen.standard_normal((n, 2)), target, alpha=alpha).passed
        for _ in range(reps)
    )
    assert rejected <= binomial_interval(reps, alpha)[1]
    x = gen.standard_normal((4000, 2)) * np.array([1.0, 1.15])
    assert not marginal_ks_test(x, target, alpha=1e-3).passed


def test_bad_input_names_argument_value_and_rule():
    target = pc.Gaussian(0.0, 1.0)
    for alpha in (0.0, 1.0, -0.1, 2.0):
        with pytest.raises(ValueError, match=r"alpha=.*\(0, 1\)"):
            ks_test(np.zeros(100), target, alpha=alpha)
    n_min = ks_minimum_n(1e-6)
    assert dkw_threshold(n_min, 1e-6) < 1.0 <= dkw_threshold(n_min - 1, 1e-6)
    with pytest.raises(ValueError, match=rf"n=3 .*n >= {n_min}"):
        ks_test(np.zeros(3), target, alpha=1e-6)
    with pytest.raises(ValueError, match="bias_budget"):
        ks_test(np.zeros(100), target, alpha=0.01, bias_budget=-1.0)
    with pytest.raises(ValueError, match="non-finite"):
        ks_test(np.array([0.0, np.nan] * 50), target, alpha=0.01)
    with pytest.raises(ValueError, match="dim=2"):
        ks_test(np.zeros(100), pc.Gaussian(np.zeros(2), 1.0), alpha=0.01)


@pytest.mark.parametrize("n", [float("nan"), 0, -3, 2.5, 100.0, True, None])
def test_dkw_threshold_needs_a_positive_integer_n(n):
    """NaN returned NaN and 2.5 an eps for a sample size that cannot exist."""
    with pytest.raises(ValueError, match=rf"^n={n!r} must be a positive integer$"):
        dkw_threshold(n, 0.01)


def test_ks_statistic_refuses_what_is_not_cdf_values():
    with pytest.raises(ValueError, match=r"^u is empty \(shape \(0,\)\); the rule is n >= 1$"):
        ks_statistic([])
    with pytest.raises(
        ValueError, match=r"u=\[0\.5 nan\] has 1 value.*first: nan.*0 <= F\(x\) <= 1"
    ):
        ks_statistic([0.5, np.nan])
    with pytest.raises(ValueError, match=r"first: 1\.5\b"):
        ks_statistic([0.5, 1.5])
    assert ks_statistic([1.0 + 1e-13, -1e-13]) == 0.5  # round-off is clipped into [0, 1]


def test_ks_test_checks_what_the_cdf_returns(rng):
    """A CDF returning fewer values gave a statistic on those alone; NaN gave 'statistic nan
    FAILED'; values outside [0, 1] are not probabilities. Each now names target and the rule."""
    x = rng.standard_normal(1000)
    with pytest.raises(
        ValueError,
        match=r"^target\(samples\) has shape \(10,\); the rule is one CDF value per sample, "
        r"shape \(1000,\)$",
    ):
        ks_test(x, lambda v: stats.norm.cdf(v[:10]), alpha=0.01)
    with pytest.raises(ValueError, match=r"target\(samples\) has shape \(\)"):
        ks_test(x, lambda v: 0.5, alpha=0.01)
    with pytest.raises(
        ValueError, match=r"^target\(samples\)=\[nan .* 1000 value.*0 <= F\(x\) <= 1"
    ):
        ks_test(x, lambda v: np.full_like(v, np.nan), alpha=0.01)
    with pytest.raises(ValueError, match=r"target\(samples\)=.* 1 value.*first: -0\.25"):
        ks_test(x, lambda v: np.where(v == v.min(), -0.25, stats.norm.cdf(v)), alpha=0.01)
    with pytest.raises(ValueError, match=r"target\(samples\)=.* outside \[0, 1\]"):
        ks_test(x, lambda v: 2.0 * stats.norm.cdf(v), alpha=0.01)
    nudged = ks_test(x, lambda v: stats.norm.cdf(v) * (1 + 1e-13), alpha=0.01)
    assert nudged.statistic == pytest.approx(stats.kstest(x, "norm").statistic, rel=1e-9)


def test_marginal_ks_test_checks_the_marginal_cdf_values(rng):
    class Broken(pc.Gaussian):
        def box_probability(self, lower, upper):
            return np.full(np.shape(lower)[0], np.nan)

    with pytest.raises(ValueError, match=r"^marginal_cdf\(target, 0\)\(samples\[:, 0\]\)=\[nan"):
        marginal_ks_test(rng.standard_normal((100, 2)), Broken(np.zeros(2), 1.0), alpha=0.01)
