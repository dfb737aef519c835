"""Moment tests: exact moments, false-alarm rates, power."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import pdecheck as pc
from pdecheck.compare import central_moments, mean_test, variance_test

# Rejection counts over 1000 repetitions must lie in the central binomial interval of the
# expected rate; the interval's own false-alarm rate is 1e-4.
INTERVAL_RATE = 1e-4
REPS = 1000


def in_interval(count: int, rate: float) -> bool:
    lo = stats.binom.ppf(INTERVAL_RATE / 2, REPS, rate)
    hi = stats.binom.isf(INTERVAL_RATE / 2, REPS, rate)
    return bool(lo <= count <= hi)


def test_central_moments_against_numerical_integration():
    mix = pc.GaussianMixture([[-1.0], [2.0]], [0.5, 1.5], weights=[0.3, 0.7])
    x = np.linspace(-15, 20, 400_001)
    pdf = mix.pdf(x)
    mean = np.trapezoid(x * pdf, x)
    mu, var, mu4 = central_moments(mix)
    assert mu[0] == pytest.approx(mean, rel=1e-10)
    assert var[0] == pytest.approx(np.trapezoid((x - mean) ** 2 * pdf, x), rel=1e-9)
    assert mu4[0] == pytest.approx(np.trapezoid((x - mean) ** 4 * pdf, x), rel=1e-9)
    _, var_u, mu4_u = central_moments(pc.Uniform(0.0, 2.0))
    assert (var_u[0], mu4_u[0]) == pytest.approx((1 / 3, 1 / 5))  # ∫_{-1}^{1} x^k/2 dx
    with pytest.raises(TypeError, match="fourth moment"):
        central_moments(pc.PoissonKernel(1.0))


def test_gaussian_tests_have_their_exact_rate():
    """For Gaussian samples x̄ is exactly normal and (N−1)s²/sigma² exactly chi², so with
    d = 2 coordinates at alpha/2 each the rate is exactly 1 − (1 − alpha/2)²."""
    alpha, n = 0.05, 50
    target = pc.Gaussian(np.array([1.0, -1.0]), np.array([2.0, 0.5]))
    gen = np.random.default_rng(6)
    samples = [target.sample(n, gen) for _ in range(REPS)]
    exact = 1 - (1 - alpha / 2) ** 2
    assert in_interval(sum(not mean_test(x, target, alpha=alpha).passed for x in samples), exact)
    assert in_interval(
        sum(not variance_test(x, target, alpha=alpha).passed for x in samples), exact
    )


def test_clt_variance_rate_for_a_uniform_target():
    """CLT interval with the exact mu4 = (b − a)⁴/80: rate close to alpha at N = 400."""
    alpha, n = 0.05, 400
    target = pc.Uniform(0.0, 2.0)
    gen = np.random.default_rng(7)
    rejected = sum(
        not variance_test(target.sample(n, gen), target, alpha=alpha).passed for _ in range(REPS)
    )
    assert in_interval(rejected, alpha)


def test_power(rng):
    target = pc.Gaussian(0.0, 1.0)
    assert not mean_test(rng.standard_normal(5000) + 0.1, target, alpha=1e-3).passed
    assert not variance_test(1.1 * rng.standard_normal(5000), target, alpha=1e-3).passed
    uni = pc.Uniform(0.0, 1.0)
    assert not variance_test(rng.random(5000) * 1.1, uni, alpha=1e-3).passed


def test_bad_input():
    with pytest.raises(ValueError, match=r"n=1 .*n >= 2"):
        variance_test(np.zeros(1), pc.Gaussian(0.0, 1.0), alpha=0.01)
    with pytest.raises(ValueError, match="alpha"):
        mean_test(np.zeros(10), pc.Gaussian(0.0, 1.0), alpha=0.0)
    with pytest.raises(ValueError, match="shape"):
        mean_test(np.zeros((10, 3)), pc.Gaussian(np.zeros(2), 1.0), alpha=0.01)


# Five points sharing x = 0.1: weights @ points gives 0.10000000000000002, so a mean taken that
# way would also give the coordinate a variance of ~1e-34 instead of 0.
SHARED = pc.PointMixture([[0.1, float(i)] for i in range(5)])


def test_points_sharing_a_coordinate_have_exact_moments_there():
    assert SHARED.weights @ SHARED.points[:, 0] != 0.1  # the round-off this guards against
    mu, var, mu4 = central_moments(SHARED)
    assert (mu[0], var[0], mu4[0]) == (0.1, 0.0, 0.0)
    assert (mu[1], var[1]) == pytest.approx((2.0, 2.0), rel=1e-15)


@pytest.mark.parametrize("test", [mean_test, variance_test])
def test_zero_variance_coordinates_are_compared_exactly(test, recwarn):
    """Where the target has variance 0 the CLT interval is degenerate (it gave 0/0: 'statistic
    nan FAILED' with RuntimeWarnings). The exact rule: samples equal to mu_j pass with ratio
    0, any other value fails with ratio inf."""
    point = pc.PointMixture([0.0])
    exact = test(np.zeros(100), point, alpha=0.01)
    assert exact.passed and exact.statistic == 0.0
    off = np.zeros(100)
    off[7] = 1e-300
    moved = test(off, point, alpha=0.01)
    assert not moved.passed and moved.statistic == np.inf
    shifted = test(np.full(100, 0.5), point, alpha=0.01)  # constant, but at the wrong place
    assert not shifted.passed and shifted.statistic == np.inf

    x = SHARED.sample(400, np.random.default_rng(9))
    assert np.all(x[:, 0] == 0.1)
    shared = test(x, SHARED, alpha=0.01)
    assert shared.passed and np.isfinite(shared.statistic) and shared.statistic > 0
    x[0, 0] = np.nextafter(0.1, 1.0)
    assert test(x, SHARED, alpha=0.01).statistic == np.inf
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
