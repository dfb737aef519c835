"""Training targets (pdecheck.training): E[target | x_t] is the marginal field or score.

Monte Carlo verdicts spend alpha = 1e-3 each (Bonferroni inside over bins, d² and times).
"""

from __future__ import annotations

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.training import check_score_matching, check_training_target

PATH = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(0.0, 1.0))
POINTS = pc.PointMixture([0.5, 0.5, 1.2, 1.7])
GM = pc.GaussianMixture([-1.0, 1.5], [0.4, 0.7], [0.6, 0.4])


@pytest.mark.parametrize("objective", ["flow", "score"])
def test_textbook_targets_pass_exactly_on_point_data(objective):
    """Seed eq. 14: the posterior average of f_t(x|x_i) (or ∇log p_t(x|x_i)) is the marginal
    field (score), to round-off at every probe point."""
    verdict = check_training_target(PATH, POINTS, objective)
    assert verdict.passed, verdict.summary()
    assert max(c.statistic for c in verdict.checks) < 1e-13


@pytest.mark.parametrize("objective", ["flow", "score"])
def test_textbook_targets_pass_by_monte_carlo_on_gaussian_mixtures(objective):
    verdict = check_training_target(PATH, GM, objective, times=(0.3, 0.7))
    assert verdict.passed, verdict.summary()


def test_denoising_target_with_sigma_instead_of_sigma_squared_fails():
    """−(x̃ − x)/σ has conditional mean σ ∇log q_σ ≠ ∇log q_σ for σ ≠ 1: caught exactly on
    point data and by the tower test on a Gaussian mixture; the right target passes both."""
    wrong = lambda xt, x, s: -(xt - x) / s  # noqa: E731
    for data in (POINTS, GM):
        assert check_training_target(None, data, "denoising", times=[0.5, 2.0]).passed
        verdict = check_training_target(None, data, "denoising", times=[0.5, 2.0], target=wrong)
        assert not verdict.passed
        assert all(not c.passed for c in verdict.checks)


def test_flow_target_with_a_wrong_sign_fails():
    """f_t(x|x_0) with σ̇/σ replaced by −σ̇/σ is not the marginal field's conditional."""

    def wrong(t, x, x0):
        return PATH.dmu(t, x0) - PATH.dsigma(t) / PATH.sigma(t) * (x - PATH.mu(t, x0))

    assert not check_training_target(PATH, POINTS, "flow", target=wrong).passed
    assert not check_training_target(PATH, GM, "flow", target=wrong, times=(0.3, 0.7)).passed


def test_explicit_and_implicit_score_matching_agree_up_to_their_constant():
    """For s_θ(x) = −(x − a)/b, J_exp − J_imp = ½E‖∇log p‖² whatever θ (Hyvärinen §2.1); the
    closed form J_exp(θ) − J_imp(θ) is checked on the verdict's Monte Carlo values too."""
    model = lambda x, th: -(x - th[0]) / th[1]  # noqa: E731
    thetas = [(0.0, 1.0), (0.5, 2.0), (-1.0, 0.3)]
    verdict = check_score_matching(model, GM, thetas)
    assert verdict.passed, verdict.summary()
    diffs = np.array(verdict.info["J_explicit"]) - np.array(verdict.info["J_implicit"])
    # the same samples enter both, so the differences agree up to the CLT noise of the gap
    assert np.ptp(diffs) < 0.05 * verdict.info["constant"]


def test_score_matching_detects_a_wrong_divergence():
    """A divergence off by a constant breaks the integration-by-parts identity."""
    model = lambda x, th: -(x - th[0]) / th[1]  # noqa: E731
    verdict = check_score_matching(
        model, GM, [(0.0, 1.0)], divergence=lambda x, th: np.full(x.shape[0], 0.0)
    )
    assert not verdict.passed


def test_bad_input():
    with pytest.raises(ValueError, match="objective"):
        check_training_target(PATH, POINTS, "energy")
    with pytest.raises(ValueError, match="sigmas"):
        check_training_target(None, POINTS, "denoising", times=[0.0, 1.0])
    with pytest.raises(ValueError, match="times"):
        check_training_target(PATH, POINTS, "flow", times=[2.0])
    with pytest.raises(ValueError, match="method"):
        check_training_target(PATH, GM, "flow", method="exact")
    with pytest.raises(ValueError, match=r"target returned shape"):
        check_training_target(
            PATH, POINTS, "flow", target=lambda t, x, x0: np.zeros((x.shape[0], 3))
        )


PATH2 = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(np.zeros(2), 1.0))
GM2 = pc.GaussianMixture([[-1.0, 0.0], [1.0, 0.0]], [0.3, 0.3], [0.5, 0.5])


def _off_by_sign_in(j):
    """The textbook target plus sign(x_j) in coordinate j: E[r_j | x_j > 0] = 1 ≠ 0."""

    def target(t, x, x0):
        out = PATH2.dmu(t, x0) + PATH2.dsigma(t) / PATH2.sigma(t) * (x - PATH2.mu(t, x0))
        out[:, j] += np.sign(x[:, j])
        return out

    return target


@pytest.mark.parametrize("j", [0, 1])
def test_a_wrong_target_in_any_coordinate_fails_in_2d(j):
    """The bins were quantiles of x_t[:, 0] only: an error of ±1 that depends on x_1 averaged
    out over every bin of x_0 and passed (|t| ≈ 2-3 < 4.4). Each coordinate is binned now; the
    same error fails in either coordinate, and the textbook target passes."""
    wrong = check_training_target(PATH2, GM2, "flow", target=_off_by_sign_in(j))
    assert not wrong.passed and all(c.statistic > 3 * c.threshold for c in wrong.checks)
    assert check_training_target(PATH2, GM2, "flow").passed


@pytest.mark.parametrize(
    "kw, pattern",
    [
        ({"n_samples": 10}, r"n_samples=10 with bins=10: the rule is n_samples >= 30·bins = 300"),
        ({"bins": 0}, r"bins=0 must be a positive integer"),
        ({"bins": 2.5}, r"bins=2.5 must be a positive integer"),
        ({"n_samples": -5}, r"n_samples=-5 must be a positive integer"),
    ],
)
def test_monte_carlo_route_refuses_bins_it_cannot_fill(kw, pattern):
    """With fewer samples than bins every bin was skipped and a target of 100 everywhere
    passed with statistic 0; bins=0 divided by zero."""
    with pytest.raises(ValueError, match=pattern):
        check_training_target(PATH, GM, "flow", target=lambda t, x, x0: 100.0 + 0 * x, **kw)


def test_score_matching_with_the_zero_model_and_without_thetas():
    """s_θ = θx at θ = 0 makes the gap s·∇log p + ∇·s vanish identically: its t statistic is 0
    (it divided 0 by 0); an empty thetas is named."""
    model = lambda x, th: th * x  # noqa: E731
    verdict = check_score_matching(model, pc.Gaussian(0.0, 1.0), [0.0, -0.5], n=2000)
    assert verdict.passed and verdict.checks[0].statistic == 0.0
    with pytest.raises(ValueError, match=r"thetas=\[\] must be a non-empty list"):
        check_score_matching(model, pc.Gaussian(0.0, 1.0), [], n=2000)
