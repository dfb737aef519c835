"""Strategies of pdecheck.testing.strategies (issue 8 item 3): every example is valid, the
families are monotone where the construction promises it, derivatives are the derivatives, and
the examples are the same in every run (the suite's "det" profile, tests/conftest.py).

Example counts are small (``max_examples`` 10–25, stated per test) to keep the file fast."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdecheck.densities import Gaussian, GaussianMixture, PointMixture, Uniform
from pdecheck.schedules import Schedule
from pdecheck.testing import strategies as pst


def _grid(s: Schedule, n: int = 201) -> np.ndarray:
    return np.linspace(0.0, s.T, n)


@settings(max_examples=25)
@given(pst.schedules(T=st.sampled_from([0.5, 1.0, 2.0])))
def test_every_schedule_meets_the_boundary_rules(s: Schedule):
    t = _grid(s)[1:]
    assert float(s.alpha(0.0)) == pytest.approx(1.0, abs=1e-12)
    assert float(s.sigma(0.0)) == pytest.approx(0.0, abs=1e-12)
    assert np.all(s.sigma(t) > 0) and np.all(np.isfinite(s.alpha(t)))


@settings(max_examples=25)
@given(pst.schedules())
def test_derivatives_agree_with_central_differences(s: Schedule):
    """Central differences have error h²/6·|f'''| ≈ 1e-9 for h = 1e-5 on these smooth
    schedules (away from t = 0, where dσ/dt may be singular); round-off adds ~1e-11."""
    t = np.linspace(0.05, 0.95, 19) * s.T
    h = 1e-5 * s.T
    for f, df in ((s.alpha, s.dalpha), (s.sigma, s.dsigma)):
        fd = (f(t + h) - f(t - h)) / (2 * h)
        np.testing.assert_allclose(df(t), fd, rtol=1e-6, atol=1e-7)


@settings(max_examples=25)
@given(pst.schedules(families=("polynomial", "cosine", "vp", "subvp")))
def test_alpha_decreases_and_sigma_increases_where_the_family_promises_it(s: Schedule):
    t = _grid(s)
    assert np.all(np.diff(s.alpha(t)) < 0)
    assert np.all(np.diff(s.sigma(t)) > 0)


@settings(max_examples=10)
@given(pst.schedules(families=("polynomial", "cosine")))
def test_polynomial_and_cosine_reach_sigma_one_at_T(s: Schedule):
    assert float(s.sigma(s.T)) == pytest.approx(1.0, abs=1e-12)


def test_schedules_cover_every_family():
    names: set[str] = set()

    @settings(max_examples=60)
    @given(pst.schedules())
    def collect(s: Schedule) -> None:
        names.add(
            type(s).__name__ if type(s).__name__ != "FunctionSchedule" else s.name.split("(")[0]
        )

    collect()
    assert names == {"Linear", "polynomial", "cosine", "VP", "SubVP", "VE"}


def test_examples_are_the_same_in_every_run():
    def draw_all() -> list[str]:
        seen: list[str] = []

        @settings(max_examples=15)
        @given(pst.schedules(), pst.point_mixtures(2, (1, 3)))
        def collect(s: Schedule, p: PointMixture) -> None:
            seen.append(repr(s) + repr(p.points.tolist()) + repr(p.weights.tolist()))

        collect()
        return seen

    assert draw_all() == draw_all()


@settings(max_examples=25)
@given(st.integers(1, 3).flatmap(lambda d: st.tuples(st.just(d), pst.point_mixtures(d, (2, 5)))))
def test_point_mixtures_have_the_dimension_count_lattice_and_weights_asked_for(dp):
    d, p = dp
    assert isinstance(p, PointMixture) and p.dim == d
    assert 2 <= p.points.shape[0] <= 5
    assert np.all(np.abs(p.points) <= 2.0)
    np.testing.assert_array_equal(p.points * 4, np.round(p.points * 4))  # quarter lattice
    assert np.all(p.weights > 0) and abs(p.weights.sum() - 1.0) <= 1e-12


@settings(max_examples=25)
@given(pst.gaussian_mixtures(2, 3, std_range=(0.2, 0.5)))
def test_gaussian_mixtures_have_the_components_and_stds_asked_for(g: GaussianMixture):
    assert g.dim == 2 and g.means.shape == (3, 2)
    assert np.all((g.stds >= 0.2 - 1e-12) & (g.stds <= 0.5 + 1e-12))
    assert abs(g.weights.sum() - 1.0) <= 1e-12


@settings(max_examples=40)
@given(
    pst.point_mixtures(2, (1, 4), low=-2.0, high=2.0, spacing=0.38),
    pst.gaussian_mixtures(1, (1, 3), std_range=(0.12, 0.16)),
)
def test_off_lattice_ranges_are_kept(p: PointMixture, g: GaussianMixture):
    """4 / 0.38 = 10.5 lattice steps: the last point is at 10 · 0.38 = 3.8 above low, not 4.18
    (beyond high); the one multiple of 0.05 in [0.12, 0.16] is 0.15 (round() gave 0.1 or
    0.2 at the ends; [0.12, 0.13] holds none and is refused)."""
    assert np.all((p.points >= -2.0) & (p.points <= 2.0))
    np.testing.assert_allclose(g.stds, 0.15, rtol=0, atol=1e-12)


@settings(max_examples=15)
@given(pst.priors(3))
def test_priors_are_unit_gaussians_or_boxes_in_d_dimensions(q):
    assert q.dim == 3
    if isinstance(q, Gaussian):
        np.testing.assert_array_equal(q.cov(), np.eye(3))
    else:
        assert isinstance(q, Uniform) and np.all(q.high > q.low)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pst.schedules(families=("linear", "quadratic")), "families="),
        (lambda: pst.schedules(families=()), "families=()"),
        (lambda: pst.point_mixtures(1, (3, 2)), "k=(3, 2)"),
        (lambda: pst.point_mixtures(0), "d=0"),
        (lambda: pst.gaussian_mixtures(1, 2, std_range=(0.0, 1.0)), "std_range="),
        (lambda: pst.gaussian_mixtures(1, 2, std_range=(0.12, 0.13)), "std_range="),
        (lambda: pst.point_mixtures(1, spacing=0.0), "spacing=0.0"),
        (lambda: pst.priors(1, kinds=("cauchy",)), "kinds="),
    ],
)
def test_bad_arguments_name_the_argument_and_the_rule(call, message):
    with pytest.raises(ValueError, match=None) as info:
        call()
    assert message in str(info.value) and "must" in str(info.value)


@settings(max_examples=15)
@given(pst.schedules(alpha_end="zero"), pst.schedules(alpha_end="positive"))
def test_alpha_end_rule_is_met(zero: Schedule, positive: Schedule):
    assert float(zero.alpha(zero.T)) == pytest.approx(0.0, abs=1e-12)
    assert float(positive.alpha(positive.T)) > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha_end": "small"}, "alpha_end='small'"),
        ({"families": ("linear",), "alpha_end": "positive"}, "['linear'] cannot meet it"),
        ({"families": ("vp",), "alpha_end": "zero"}, "['vp'] cannot meet it"),
    ],
)
def test_alpha_end_errors_name_the_conflict(kwargs, message):
    with pytest.raises(ValueError) as info:
        pst.schedules(**kwargs)
    assert message in str(info.value)


@settings(max_examples=10)
@given(pst.affine_paths(2))
def test_affine_paths_end_on_their_prior(path):
    """α_T = 0 and σ_T = 1: x_T = x_1, so the path's own p_T(·|x_0) is the prior."""
    assert path.dim == 2
    assert float(path.alpha(path.T)) == pytest.approx(0.0, abs=1e-12)
    assert float(path.sigma(path.T)) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=20)
@given(pst.linear_sdes())
def test_linear_sdes_satisfy_the_ddpm_link(sde):
    """CATALOGUE S6: with p(x_t|x_0) = N(a_t x_0, v_t I), v_t' = 2 f_t v_t + g_t² (the variance
    ODE of dx = f x dt + g dW); checked by central differences (error ~1e-8 at h = 1e-5)."""
    t = np.linspace(0.1, 0.9, 9) * sde.T
    h = 1e-5 * sde.T
    dv = (sde.var(t + h) - sde.var(t - h)) / (2 * h)
    np.testing.assert_allclose(
        dv, 2 * sde.drift_coeff(t) * sde.var(t) + sde.g2(t), rtol=1e-6, atol=1e-7
    )
    assert np.all(sde.g2(t) >= 0)
