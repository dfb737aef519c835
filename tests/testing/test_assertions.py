"""The assertions of pdecheck.testing (issue 8 item 1): they pass what is true, fail what is
false, and a failure message shows the verdict's summary (method, time, distance, threshold)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pdecheck as pc
from pdecheck import sde as sdes
from pdecheck.convergence import convergence_study
from pdecheck.testing import (
    assert_green_function,
    assert_order,
    assert_same_marginals,
    assert_transports,
    assert_verdict,
)


def _expanding_claim(marginal_var):
    """dx/dt = x from N(0, 1): the true p_t is N(0, e^{2t}); the claim: N(0, marginal_var(t))."""
    return pc.Claim(
        field=lambda t, x: x,
        data=pc.Gaussian(0.0, 1.0),
        prior=pc.Gaussian(0.0, math.sqrt(marginal_var(1.0))),
        marginal=lambda t: pc.Gaussian(0.0, math.sqrt(marginal_var(t))),
    )


def test_assert_transports_returns_the_passing_verdict():
    verdict = assert_transports(
        _expanding_claim(lambda t: math.exp(2 * t)),
        t_span=(0.0, 1.0),
        methods=("exact", "particles"),
        n=4000,
    )
    assert verdict.passed and "particles vs exact" in verdict.summary()


def test_assert_transports_failure_shows_method_time_distance_and_threshold():
    """The claim forgets the factor 2 (variance e^t instead of e^{2t}): at t = 1 the KS distance
    between N(0, e²) and N(0, e) is 0.12, far above the DKW threshold at N = 4000 (≈ 0.04)."""
    with pytest.raises(AssertionError) as info:
        assert_transports(
            _expanding_claim(lambda t: math.exp(t)),
            t_span=(0.0, 1.0),
            methods=("exact", "particles"),
            n=4000,
        )
    message = str(info.value)
    assert "FAILED" in message and "FAIL particles vs exact t=1" in message and "KS" in message
    assert "<=" in message  # statistic <= threshold, as in Verdict.summary()


def test_assert_green_function_passes_for_an_affine_path():
    path = pc.AffinePath(pc.schedules.Cosine(), prior=pc.Gaussian(0.0, 1.0))
    verdict = assert_green_function(path, 0.7, n=2000)
    assert verdict.passed


def test_assert_order_accepts_a_study_and_pairs_and_explains_a_wrong_order():
    """Errors 3h² (exact order 2) pass at 2 and fail at 1 with the table in the message; a study
    from pdecheck.convergence is read through its observed_order and table()."""
    h = np.array([0.1, 0.05, 0.025, 0.0125])
    assert assert_order((h, 3 * h**2), 2.0) == pytest.approx(2.0, abs=1e-12)
    with pytest.raises(AssertionError) as info:
        assert_order((h, 3 * h**2), 1.0)
    assert "observed 2, expected 1 ± 0.15" in str(info.value) and "local slopes" in str(info.value)

    study = convergence_study(lambda n: (1.0 / n**2, 0.0), "n", [8, 16, 32, 64])
    assert assert_order(study, 2.0) == pytest.approx(2.0, abs=1e-9)
    with pytest.raises(AssertionError, match="observed 2, expected 4"):
        assert_order(study, 4.0, tol=0.5)


@pytest.mark.parametrize(
    ("study", "message"),
    [
        (([0.1, 0.05, 0.025], [1e-2, 2.5e-3, 6e-4]), ">= 4"),
        (([0.1, 0.05, 0.025, 0.0], [1, 1, 1, 1]), r"study=\(h, errors\): h=.* must be > 0"),
        (([0.1] * 4, [0.03] * 4), r"study=\(h, errors\): h=.* repeats a value; the rule is"),
        (([0.1, 0.05, 0.05, 0.025], [4e-2, 1e-2, 1e-2, 2.5e-3]), "the rule is distinct steps"),
        ("not a study", "observed_order"),
    ],
)
def test_assert_order_rejects_bad_studies(study, message):
    with pytest.raises((ValueError, TypeError), match=message):
        assert_order(study, 2.0)


def test_assert_order_needs_four_levels_from_a_study_object_too():
    three = convergence_study(lambda n: (1.0 / n**2, 0.0), "n", [8, 16, 32])
    with pytest.raises(ValueError, match="study has 3 refinement levels; the rule is >= 4"):
        assert_order(three, 2.0)

    class OrderOnly:
        observed_order = 2.0

    with pytest.raises(TypeError, match="neither 'h' nor 'errors'"):
        assert_order(OrderOnly(), 2.0)


@pytest.mark.parametrize(
    ("kw", "error", "message"),
    [
        ({"expected": "2"}, TypeError, "expected='2' must be a real number"),
        ({"expected": None}, TypeError, "expected=None must be a real number"),
        ({"expected": math.inf}, ValueError, "expected=inf contains 1 non-finite"),
        ({"expected": 2.0, "tol": "0.1"}, TypeError, "tol='0.1' must be a real number"),
        ({"expected": 2.0, "tol": 0.0}, ValueError, "tol=0.0 must be > 0"),
    ],
)
def test_assert_order_names_a_bad_expected_order_or_tolerance(kw, error, message):
    h = np.array([0.1, 0.05, 0.025, 0.0125])
    with pytest.raises(error, match=message):
        assert_order((h, 3 * h**2), **kw)


@pytest.mark.parametrize(
    ("x0", "kw", "message"),
    [
        ("abc", {}, "x0='abc' must be a real number"),
        (0.7, {"times": [0.5, math.nan]}, r"times=\[0.5 nan\] contains 1 non-finite"),
    ],
)
def test_assert_green_function_names_a_bad_point_or_times(x0, kw, message):
    path = pc.AffinePath(pc.schedules.Cosine(), prior=pc.Gaussian(0.0, 1.0))
    with pytest.raises(ValueError, match=message):
        assert_green_function(path, x0, **kw)


def test_assert_verdict_needs_a_verdict():
    with pytest.raises(TypeError, match="'passed' attribute"):
        assert_verdict(object())


def test_assert_same_marginals_fails_when_the_score_term_is_dropped():
    """OU with noise s = 1.5 but without the −½(g² − s²)∇log p correction (score 0) spreads
    faster than OU: at t = 1 the variances are 1.125·(1 − e^{−2}) + … vs 0.5·(1 − e^{−2}) + …,
    a KS gap ≈ 0.1, well above 2·DKW ≈ 0.065 at N = 4000 (α = 1e-3 over 8 shares)."""
    ou = sdes.OU(theta=1.0, sigma=1.0)
    data = pc.Gaussian(0.0, 0.5)
    right = ou.same_marginal(ou.score(data), 0.5)
    wrong = ou.same_marginal(lambda t, x: np.zeros_like(x), 1.5)
    with pytest.raises(AssertionError) as info:
        assert_same_marginals(right, wrong, data, (0.0, 1.0), n=4000, steps=128, seed=1)
    assert "FAIL sde_a vs sde_b (particles) t=1: two-sample KS" in str(info.value)


def _ou_pair():
    ou = sdes.OU(theta=1.0, sigma=1.0)
    return ou, ou


@pytest.mark.parametrize(
    ("initial", "kw", "exc", "message"),
    [
        # α' = 1e-3/16 in 2-D: 2·sqrt(ln(2/α')/(2·20)) = 1.02 > 1, so no KS distance could fail;
        # the least N is floor(2 ln(32000)) + 1 = 21
        (pc.Gaussian(np.zeros(2), 1.0), {"n": 20}, ValueError, r"n=20 .* the rule is n >= 21"),
        # 1-D, α' = 1e-3/8, n = 4000: 2·eps = 0.0696 and a budget of 0.95 leaves 0.05: the least
        # N is floor(2 ln(16000)/0.05²) + 1 = 7745
        (pc.Gaussian(0.0, 1.0), {"bias_budget": 0.95}, ValueError, r"the rule is n >= 7745"),
        (pc.Gaussian(0.0, 1.0), {"bias_budget": 1.0}, ValueError, r"bias_budget=1.0 must be < 1"),
        (np.zeros(100), {}, TypeError, r"initial=.* must be a pdecheck Density"),
        (pc.Gaussian(0.0, 1.0), {"t_span": 1.0}, ValueError, r"t_span=1.0 must be two distinct"),
        (pc.Gaussian(0.0, 1.0), {"t_span": ("0", 1)}, ValueError, r"t_span=.* must be two"),
    ],
)
def test_assert_same_marginals_refuses_a_comparison_that_could_not_fail(initial, kw, exc, message):
    """Two SDEs drifting apart at speed 50 'passed' with N = 20 in 2-D or a budget of 0.95:
    a two-sample KS distance is at most 1, so 2·DKW + bias_budget >= 1 is a vacuous test."""
    a, b = _ou_pair()
    args = {"n": 4000, "steps": 16, "t_span": (0.0, 1.0)} | kw
    t_span = args.pop("t_span")
    with pytest.raises(exc, match=message):
        assert_same_marginals(a, b, initial, t_span, **args)
