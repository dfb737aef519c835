"""Observed orders: least squares with CI, chi² check, local slopes, Aitken, the decision rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pdecheck.convergence import aitken, check_order, fit_order, local_orders

from .poisson import poisson_midpoint

H = 1.0 / 2.0 ** np.arange(3, 9)  # 6 levels = 5 refinements by 2


def test_statistics_md_pre_asymptotic_example():
    """e = h + 5h², h = 1/4…1/128: local slopes 1.470 … 1.053, Aitken p_inf = 0.987, and OLS
    over all six levels 1.215 — a naive fit is off by about 0.2 (STATISTICS.md §4)."""
    h = 1.0 / 2.0 ** np.arange(2, 8)
    e = h + 5 * h**2
    slopes = local_orders(h, e)
    closed_form = 1 + np.log2((1 + 5 * h[:-1]) / (1 + 2.5 * h[:-1]))  # log2(e(h)/e(h/2))
    np.testing.assert_allclose(slopes, closed_form, rtol=1e-13)
    np.testing.assert_allclose(slopes, [1.470, 1.308, 1.183, 1.101, 1.053], atol=6e-4)
    p_inf, delta_pre = aitken(slopes)
    assert p_inf == pytest.approx(0.987, abs=5e-4)
    assert delta_pre >= abs(slopes[-1] - 1.0)  # the allowance covers the true deviation 0.053
    assert fit_order(h, e).order == pytest.approx(1.215, abs=5e-4)


@pytest.mark.parametrize(
    "p, q, d", [(1.0, 1.0, 5.0), (2.0, 2.0, -3.0), (0.5, 0.5, 1.0), (4.0, 1.0, 2.0)]
)
def test_known_orders_are_accepted_and_wrong_ones_rejected(p, q, d):
    """e = C h^p (1 + D h^q): local slopes approach p like r^{−q} (Aitken's model), so the rule
    |p_n − p| <= delta_pre < gap/2 accepts p and rejects p ± 1/2 and p ± 1 over 5 refinements."""
    e = 0.3 * H**p * (1 + d * H**q)
    check = check_order(H, e, p)
    assert check.conclusive and check.passed, check
    for wrong in (p - 1.0, p - 0.5, p + 0.5, p + 1.0):
        if wrong > 0:
            assert not check_order(H, e, wrong).passed


def test_poisson_order_fit_and_local_orders():
    """Local orders 2.00837, 2.00209, 2.00052, 2.00013; OLS over 5 grids 2.00248 with 95%
    t-interval [1.99947, 2.00549] (STATISTICS.md §4); the nominal order 2 is accepted."""
    ns = np.array([8, 16, 32, 64, 128])
    e = np.array([abs(poisson_midpoint(n) - 1.0) for n in ns])
    np.testing.assert_allclose(
        local_orders(1 / ns, e), [2.00837, 2.00209, 2.00052, 2.00013], atol=1e-5
    )
    fit = fit_order(1 / ns, e, alpha=0.05)
    assert fit.order == pytest.approx(2.00248, abs=1e-5)
    np.testing.assert_allclose(fit.ci, [1.99947, 2.00549], atol=1e-5)
    assert check_order(1 / ns, e, 2.0).passed and not check_order(1 / ns, e, 1.0).passed


def test_weighted_fit_interval_covers_at_its_rate():
    """Monte Carlo errors e_i = C h_i^p (1 + eta_i), eta_i ~ N(0, s²) with SE_i = s C h_i^p:
    log-errors have variance close to s² (delta method), so the 99% interval covers p in about
    99% of 1000 repetitions; the count of misses lies in the binomial interval of rate 0.01
    widened for the delta-method error (checked with its own two-sided rate 1e-4)."""
    gen = np.random.default_rng(9)
    h, p, s, alpha, reps = H[:5], 1.0, 0.01, 0.01, 1000
    exact = 0.5 * h**p
    misses = 0
    for _ in range(reps):
        e = exact * (1 + s * gen.standard_normal(h.size))
        fit = fit_order(h, e, standard_errors=s * exact, alpha=alpha)
        misses += not (fit.ci[0] <= p <= fit.ci[1])
    assert stats.binom.ppf(5e-5, reps, alpha) <= misses <= stats.binom.isf(5e-5, reps, alpha)


def test_chi2_check_drops_pre_asymptotic_levels():
    """With tiny error bars the coarse levels of e = h(1 + 3h) are visibly off the line: the
    chi² check fails, coarse levels are dropped, and what remains is closer to p = 1."""
    e = H * (1 + 3 * H)
    naive = fit_order(H, e, standard_errors=1e-4 * e, drop_coarse=False)
    assert not naive.fit_ok
    dropped = fit_order(H, e, standard_errors=1e-4 * e)
    assert dropped.dropped > 0 and abs(dropped.order - 1) < abs(naive.order - 1)
    mc = check_order(H, e, 1.0, standard_errors=1e-4 * e)
    assert not mc.passed  # the interval is far narrower than the remaining drift


def test_allowance_above_half_the_gap_is_inconclusive():
    """Slopes still moving by 0.3 per level cannot decide between orders 1 and 1.5."""
    e = H * (1 + 50 * H)
    check = check_order(H, e, 1.0, gap=0.5)
    assert not check.conclusive and not check.passed
    assert check.verdict == "inconclusive"
    assert check_order(H, H, 1.0).verdict == "pass"
    assert check_order(H, H**2, 1.0).verdict == "fail"  # a conclusive wrong order


def test_bad_input():
    with pytest.raises(ValueError, match="at least 3"):
        fit_order([0.1, 0.05], [1.0, 0.5])
    with pytest.raises(ValueError, match=r"errors=.*> 0"):
        fit_order(H[:3], [1.0, 0.0, 0.1])
    with pytest.raises(ValueError, match=r"h=\[0.1 +0.1 +0.05\] repeats a value; the rule is"):
        fit_order([0.1, 0.1, 0.05], [1.0, 0.9, 0.5])
    with pytest.raises(ValueError, match=">= 4"):
        check_order(H[:3], H[:3], 1.0)
    with pytest.raises(ValueError, match="alpha"):
        fit_order(H, H, alpha=1.0)
    assert math.isinf(aitken([1.0, 1.1, 1.3])[1])  # slopes moving away: not asymptotic


def test_tolerance_floor_accepts_a_slowly_settling_slope_and_still_rejects_a_lost_order():
    """e = h (1 + 0.3 / ln(1/h)): the local slopes tend to 1 like 1/ln², too slowly for the
    Aitken allowance (a geometric model), so the strict check fails; a declared floor of 0.15
    (DESIGN.md's rule for fitted slopes on smooth data) accepts it, and still rejects order 2
    (gap 1: the allowance 0.15 stays below gap/2)."""
    from pdecheck.convergence import check_order

    h = np.array([1 / 64, 1 / 128, 1 / 256, 1 / 512])
    e = h * (1 + 0.3 / np.log(1 / h))
    strict = check_order(h, e, 1.0)
    floored = check_order(h, e, 1.0, tolerance=0.15)
    assert not strict.passed
    assert floored.passed and floored.allowance == 0.15
    assert not check_order(h, e, 2.0, tolerance=0.15, gap=1.0).passed
