"""pdecheck.schedules: derivatives, boundary values, user schedules, adapter, endpoint measures."""

from __future__ import annotations

import numpy as np
import pytest

from pdecheck.schedules import VE, VP, Cosine, Linear, Schedule, SubVP, endpoint_kl, endpoint_w2

BUILTINS = [Linear(), Cosine(), VP(), SubVP(), VE(), Linear(T=2.0), VP(0.5, 5.0, T=3.0)]
INTERIOR = np.linspace(0.05, 0.95, 19)


def _fd(fn, t, h):
    """Fourth-order central difference (error ~h⁴ f⁽⁵⁾ + ε f/h)."""
    return (-fn(t + 2 * h) + 8 * fn(t + h) - 8 * fn(t - h) + fn(t - 2 * h)) / (12 * h)


@pytest.mark.parametrize("schedule", BUILTINS, ids=repr)
def test_derivatives_match_finite_differences(schedule):
    t = INTERIOR * schedule.T
    h = 1e-3 * schedule.T
    for value, deriv in ((schedule.alpha, schedule.dalpha), (schedule.sigma, schedule.dsigma)):
        exact = deriv(t)
        np.testing.assert_allclose(
            _fd(value, t, h), exact, rtol=1e-7, atol=1e-7 * np.max(np.abs(exact))
        )


@pytest.mark.parametrize("schedule", BUILTINS, ids=repr)
def test_sigma_dsigma_is_half_the_derivative_of_the_variance_down_to_t0(schedule):
    """σσ' = ½ d(σ²)/dt: against the central difference of σ² inside (0, T) and against the
    second-order one-sided difference (−3σ²(0) + 4σ²(h) − σ²(2h))/2h at t = 0, where σ' itself
    is infinite for VP and VE but σσ' is not."""
    t = INTERIOR * schedule.T
    h = 1e-3 * schedule.T
    exact = schedule.sigma_dsigma(t)

    def variance(u):
        return schedule.sigma(u) ** 2

    np.testing.assert_allclose(0.5 * _fd(variance, t, h), exact, rtol=1e-7)
    np.testing.assert_allclose(schedule.sigma(t) * schedule.dsigma(t), exact, rtol=1e-13)
    h0 = 1e-5 * schedule.T
    one_sided = (-3 * variance(0.0) + 4 * variance(h0) - variance(2 * h0)) / (2 * h0)
    at0 = float(schedule.sigma_dsigma(0.0))
    assert np.isfinite(at0)
    assert at0 == pytest.approx(0.5 * one_sided, rel=1e-5, abs=1e-9 / schedule.T)


@pytest.mark.parametrize("schedule", BUILTINS, ids=repr)
def test_boundary_values(schedule):
    assert schedule.alpha(0.0) == pytest.approx(1.0, abs=1e-15)
    assert schedule.sigma(0.0) == pytest.approx(0.0, abs=1e-15)
    assert np.all(schedule.sigma(INTERIOR * schedule.T) > 0)


def test_endpoints_of_linear_and_cosine_and_ve():
    for s in (Linear(), Cosine()):
        assert s.alpha(1.0) == pytest.approx(0.0, abs=1e-15) and s.sigma(1.0) == pytest.approx(1.0)
    ve = VE(0.01, 50.0)
    # exact std from a point mass: σ_min √(r² − 1) at t = T (CATALOGUE S3)
    assert ve.sigma(1.0) == pytest.approx(0.01 * np.sqrt((50.0 / 0.01) ** 2 - 1), rel=1e-12)
    # VP with β_max = 20: α_1 = e^{−(0.1 + 9.95)/2} (CATALOGUE "Known traps")
    assert VP().alpha(1.0) == pytest.approx(np.exp(-0.5 * (0.1 + 0.5 * 19.9)), rel=1e-12)


def test_from_functions_computes_missing_derivatives_accurately():
    s = Schedule.from_functions(lambda t: np.cos(t), lambda t: np.sin(t) + t**3)
    t = np.array([0.0, 0.3, 0.7, 1.0])
    np.testing.assert_allclose(s.dalpha(t), -np.sin(t), atol=1e-9)
    np.testing.assert_allclose(s.dsigma(t), np.cos(t) + 3 * t**2, atol=1e-9)


def test_from_functions_rejects_a_wrong_derivative_showing_the_mismatch():
    with pytest.raises(
        ValueError, match=r"supplied dsigma\(t\) = .* at t = .* finite-difference .*\(mismatch"
    ):
        Schedule.from_functions(lambda t: 1 - t, lambda t: t**2, dsigma=lambda t: 2 * t + 1e-3)


def test_from_noise_to_data_flips_time():
    """flow_matching's α^fm = τ, σ^fm = 1 − τ is our Linear schedule (CATALOGUE adapter)."""
    s = Schedule.from_noise_to_data(
        lambda t: t, lambda t: 1 - t, lambda t: np.ones_like(t), lambda t: -np.ones_like(t)
    )
    ref = Linear()
    for name in ("alpha", "dalpha", "sigma", "dsigma"):
        np.testing.assert_allclose(
            getattr(s, name)(INTERIOR), getattr(ref, name)(INTERIOR), atol=1e-15
        )


@pytest.mark.parametrize(
    ("alpha", "sigma", "pattern"),
    [
        (lambda t: 1.1 - t, lambda t: t, r"alpha\(0\) = 1\.1 .*rule is alpha_0 = 1"),
        (lambda t: 1 - t, lambda t: t + 0.2, r"sigma\(0\) = 0\.2 .*rule is sigma_0 = 0"),
        (lambda t: 1 - t, lambda t: t * (t - 0.5), r"sigma\(t\) = .* at t = .*rule is sigma_t > 0"),
        (
            lambda t: 1 - t,
            lambda t: np.where(t == 0.5, np.inf, t),
            r"not finite at t = 0\.5.*rule is finite",
        ),
    ],
)
def test_validation_names_condition_schedule_and_t(alpha, sigma, pattern):
    with pytest.raises(ValueError, match=pattern) as info:
        Schedule.from_functions(
            alpha,
            sigma,
            dalpha=lambda t: -np.ones_like(t),
            dsigma=lambda t: np.ones_like(t),
            name="mine",
        )
    assert "mine" in str(info.value)


def test_endpoint_kl_and_w2_closed_forms():
    """For N(a x_0, s²) vs N(0, 1): KL = ½(s² + a²x_0² − 1 − ln s²), W2² = a²x_0² + (s − 1)²."""
    for sched in (VP(), SubVP(), VE(0.5, 2.0)):
        a, s = float(sched.alpha(1.0)), float(sched.sigma(1.0))
        x0 = np.array([[1.5]])
        assert endpoint_kl(sched, x0) == pytest.approx(
            0.5 * (s**2 + a**2 * 2.25 - 1 - np.log(s**2)), rel=1e-12
        )
        assert endpoint_w2(sched, x0) == pytest.approx(
            np.sqrt(a**2 * 2.25 + (s - 1) ** 2), rel=1e-12
        )
    assert endpoint_kl(Linear(), x0) == pytest.approx(0.0, abs=1e-15)


def test_endpoint_measures_read_a_flat_array_as_1d_points():
    """(n,) is n points in 1-D: the KL average is then over the points, with d = 1, and equals
    the (n, 1) answer; read as one n-dimensional point it would be ~n times larger."""
    flat = np.array([0.5, 1.0, 2.0])
    for measure in (endpoint_kl, endpoint_w2):
        assert measure(VP(), flat) == measure(VP(), flat[:, None])
    with pytest.raises(ValueError, match=r"x0 has shape \(1, 3, 1\)"):
        endpoint_kl(VP(), flat[None, :, None])


def test_bad_parameters_name_argument_value_rule():
    with pytest.raises(ValueError, match=r"beta_max=1.*beta_min=2.*rule is beta_max >= beta_min"):
        VP(2.0, 1.0)
    with pytest.raises(ValueError, match=r"sigma_min=-1.* must be > 0"):
        VE(-1.0, 2.0)


def test_from_functions_accepts_functions_of_one_number():
    """math.cos refuses arrays (TypeError); the schedule then calls it once per t. α = cos(πt/2)
    has α' = −(π/2) sin(πt/2), which the finite-difference estimate must reproduce."""
    import math

    s = Schedule.from_functions(
        lambda t: math.cos(math.pi / 2 * t), lambda t: math.sin(math.pi / 2 * t)
    )
    t = np.array([0.25, 0.5])
    np.testing.assert_allclose(s.alpha(t), np.cos(np.pi / 2 * t), rtol=1e-15)
    np.testing.assert_allclose(s.dalpha(t), -np.pi / 2 * np.sin(np.pi / 2 * t), rtol=1e-8)


@pytest.mark.parametrize(
    "t, pattern",
    [
        (1.5, r"t=1\.5 is outside the time range of schedule VP\(.*\); the rule is 0 <= t <= T"),
        ([0.2, -0.1], r"\(first offender -0\.1\); the rule is 0 <= t <= T"),
        (float("nan"), r"t=nan is outside"),
    ],
)
def test_a_time_outside_0_T_raises_instead_of_extrapolating(t, pattern):
    """VP's α_t = e^{−B/2} would extrapolate smoothly past T (and Linear's α to negative
    values): a schedule is defined on [0, T] only, and every public method says so."""
    schedule = VP()
    for method in (schedule.alpha, schedule.dalpha, schedule.sigma, schedule.sigma_dsigma):
        with pytest.raises(ValueError, match=pattern):
            method(t)
    assert float(schedule.alpha(1.0)) == pytest.approx(np.exp(-0.5 * 10.05), rel=1e-14)


def test_vp_with_beta_min_zero_is_a_schedule_and_beta_max_must_be_positive():
    """CATALOGUE S2 takes any β ≥ 0: with β_min = 0, B = 10 t² (β_max = 20) and
    σ_t = √(1 − e^{−10t²}), σσ' = ½β e^{−B} = 10 t e^{−10t²} (0 at t = 0)."""
    sched = VP(0.0, 20.0)
    t = np.array([0.0, 1e-3, 0.5, 1.0])
    np.testing.assert_allclose(sched.sigma(t), np.sqrt(-np.expm1(-10 * t**2)), rtol=1e-14)
    np.testing.assert_allclose(sched.sigma_dsigma(t), 10 * t * np.exp(-10 * t**2), rtol=1e-14)
    for args, pattern in (((0.0, 0.0), r"beta_max=0.0 must be > 0"), ((-0.1, 1.0), r">= 0")):
        with pytest.raises(ValueError, match=pattern):
            VP(*args)
