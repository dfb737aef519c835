"""pdecheck.paths: compiled vs NumPy fields, exact divergence, undefined-field flag, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import pdecheck as pc
from pdecheck._jit.signature import apply_field
from pdecheck.cases import get
from pdecheck.exact.general import g2_djacobian, g2_dphi_dt, g2_jacobian, g2_phi
from pdecheck.paths import Mixture
from pdecheck.paths._densities import ScaledShifted


def _compiled_values(field, t, x):
    cf = field.compiled()
    pts = np.ascontiguousarray(x, dtype=float)
    out = np.empty_like(pts)
    bad = apply_field(cf.kernel, cf.params, t, pts, out)
    return out, bad


@pytest.mark.parametrize("case_id", ["A1", "A3", "A4", "A5", "H3"])
def test_compiled_field_equals_numpy(case_id):
    problem = get(case_id).problem()
    t = 0.4
    x = np.asarray(problem.marginal(t).sample(50, 3), dtype=float).reshape(50, -1)
    out, bad = _compiled_values(problem.drift, t, x)
    assert bad == 0
    np.testing.assert_allclose(out, problem.drift(t, x).reshape(x.shape), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case_id", ["A3", "A4", "H3", "A1", "G2"])
def test_divergence_matches_central_differences(case_id):
    """∇·f by fourth-order central differences (h = 1e-3, error ~1e-10) vs the exact formula."""
    field = get(case_id).problem().drift
    problem = get(case_id).problem()
    t, h = 0.5, 1e-3
    x = np.asarray(problem.marginal(t).sample(20, 5), dtype=float).reshape(20, -1)
    fd = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[j] = h

        def fj(y, j=j):
            return field(t, y).reshape(x.shape)[:, j]

        fd += (-fj(x + 2 * e) + 8 * fj(x + e) - 8 * fj(x - e) + fj(x - 2 * e)) / (12 * h)
    np.testing.assert_allclose(field.divergence(t, x), fd, rtol=1e-6, atol=1e-6)


def test_a5_field_is_nan_and_flagged_in_gaps():
    """At t = 0.1 the boxes [0.9 x_i, 0.9 x_i + 0.2] leave gaps (CATALOGUE A5): f is NaN there,
    the mask says so, the count grows, and the compiled kernel reports the same points."""
    field = get("A5").problem().drift
    x = np.array([0.3, 0.5, 0.8, 1.2, 1.45, 1.6])
    with pytest.warns(RuntimeWarning, match="undefined"):
        f = field(0.1, x)
    defined = field.defined(0.1, x)
    assert np.array_equal(np.isfinite(f), defined)
    assert list(defined) == [False, True, False, True, False, True]
    assert field.undefined_evaluations == 3 and field.flagged
    # on the support f = (x − x̄_A)/t with x̄_A the weighted mean of the active points
    assert f[1] == pytest.approx((0.5 - 0.5) / 0.1) and f[3] == pytest.approx((1.2 - 1.2) / 0.1)
    _, bad = _compiled_values(field, 0.1, x.reshape(-1, 1))
    assert bad == 3


def test_characteristic_finite_differences_match_analytic():
    """The default fourth-order differences reproduce the analytic G2 Jacobian and ∂_tφ to
    1e-9 (the documented accuracy is ~1e-12 relative, times |φ| ~ 10 here)."""
    prior = pc.Gaussian(np.zeros(2), 1.0)
    analytic = pc.CharacteristicPath(g2_phi, prior, g2_jacobian, g2_dphi_dt)
    numeric = pc.CharacteristicPath(g2_phi, prior)
    x = np.random.default_rng(1).normal(size=(10, 2)) * 2
    x0 = np.zeros(2)
    np.testing.assert_allclose(
        numeric.conditional_field(0.7, x, x0), analytic.conditional_field(0.7, x, x0), atol=1e-9
    )
    np.testing.assert_allclose(
        numeric.conditional_density(0.7, x, x0), analytic.conditional_density(0.7, x, x0), rtol=1e-9
    )


def _linear_family(t, x, x0):
    """φ_t(x|x_0) = (x − (1−t) x_0)/t: the Linear schedule's trajectories, singular at t = 0."""
    assert t > 0, f"phi evaluated at t={t}, outside t > 0"
    return (x - (1 - t) * x0) / t


@pytest.mark.parametrize("t", [1e-3, 1e-2, 0.3, 1.0])
def test_characteristic_differences_in_t_stay_inside_t_positive(t):
    """Linear trajectories by differences only: p_t(x|x_i) = N((1−t) x_i, t²) and
    f_t(x|x_i) = (x − x_i)/t, so the marginal field is Σ r_i (x − x_i)/t with r_i ∝ w_i p_t(x|x_i);
    for one point ∇·f = 1/t and ∇log p_t = −(x − (1−t) x_0)/t². The t-step is relative to t
    (module docstring), so φ is never evaluated at t <= 0 and the field keeps the documented
    ~1e-12 relative accuracy (4 (h/t)⁴ = 4 ε^{4/5} ≈ 1e-12 for φ ∝ 1/t; rtol 1e-10 leaves a
    factor 100); the divergence is a difference of log|det J| with J itself a difference,
    documented to ~1e-8. A step of 7e-4 at t = 1e-3 gave 968 for the field instead of 300."""
    prior = pc.Gaussian(0.0, 1.0)
    path = pc.CharacteristicPath(_linear_family, prior)
    x = np.array([-0.4, 0.3, 0.8])
    points, weights = np.array([0.0, 1.0]), np.array([0.5, 0.5])
    logr = -((x[:, None] - (1 - t) * points) ** 2) / (2 * t**2) + np.log(weights)
    r = np.exp(logr - logr.max(axis=1, keepdims=True))
    want = np.sum(r * (x[:, None] - points), axis=1) / (t * r.sum(axis=1))
    got = path.marginal_field(pc.PointMixture(points, weights))(t, x)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    one = path.marginal_field(pc.PointMixture([0.5]))
    np.testing.assert_allclose(one.divergence(t, x), 1 / t, rtol=1e-8)
    np.testing.assert_allclose(one.score(t, x), -(x - (1 - t) * 0.5) / t**2, rtol=1e-8)


def test_characteristic_x_step_is_per_point():
    """φ = (x − (1−t) x_0)/t + 0.1 sin x has ∂φ/∂x = 1/t + 0.1 cos x and ∂_tφ = (x_0 − x)/t²
    in closed form; the differences match them to the documented ~1e-12 relative (rtol 1e-10),
    and a far-out point (x = 1e3) in the same batch leaves the others' values bit for bit (the
    step was one for the batch: −0.443690 instead of −0.443501)."""

    def phi(t, x, x0):
        return (x - (1 - t) * x0) / t + 0.1 * np.sin(x)

    prior, data = pc.Gaussian(0.0, 1.0), pc.PointMixture([0.0, 1.0])
    analytic = pc.CharacteristicPath(
        phi,
        prior,
        jacobian=lambda t, x, x0: (1 / t + 0.1 * np.cos(x))[:, :, None],
        dphi_dt=lambda t, x, x0: (x0 - x) / t**2 + 0 * x,
    ).marginal_field(data)
    numeric = pc.CharacteristicPath(phi, prior).marginal_field(data)
    x = np.array([[-0.7], [0.3], [1.4]])
    alone = numeric(0.5, x)
    np.testing.assert_allclose(alone, analytic(0.5, x), rtol=1e-10)
    assert np.array_equal(numeric(0.5, np.vstack([x, [[1000.0]]]))[:3], alone)
    np.testing.assert_array_equal(
        numeric.divergence(0.5, np.vstack([x, [[1000.0]]]))[:3], numeric.divergence(0.5, x)
    )


def test_endpoint_mismatch_vp_against_closed_form():
    """For a point x_0, KL(N(a x_0, s²) ‖ N(0, 1)) = ½(s² + a² x_0² − 1 − ln s²)."""
    vp = pc.schedules.VP()
    path = pc.AffinePath(vp, pc.Gaussian(0.0, 1.0))
    res = path.endpoint_mismatch(pc.PointMixture([2.0]))
    a, s = float(vp.alpha(1.0)), float(vp.sigma(1.0))
    assert res.kl == pytest.approx(0.5 * (s**2 + 4 * a**2 - 1 - np.log(s**2)), rel=1e-12)
    assert (
        pc.AffinePath(pc.schedules.Linear(), pc.Uniform(0, 2))
        .endpoint_mismatch(pc.PointMixture([1.0]))
        .kl
        == 0.0
    )


def test_bad_input_messages_name_argument_value_rule():
    path = pc.AffinePath(pc.schedules.Linear(), pc.Uniform(0.0, 2.0))
    field = path.marginal_field(pc.PointMixture([0.5, 1.2]))
    with pytest.raises(ValueError, match=r"t=-0\.1.*rule is 0 <= t <= T"):
        field(-0.1, np.array([0.5]))
    with pytest.raises(TypeError, match=r"data=.*must be a PointMixture"):
        path.marginal_field(pc.Gaussian(0.0, 1.0))
    with pytest.raises(ValueError, match="Gaussian-mixture data need a Gaussian prior"):
        path.marginal_field(pc.GaussianMixture([0.0], 1.0))
    with pytest.raises(ValueError, match=r"mu\(0, x0\) = x0"):
        pc.GeneralAffinePath(
            lambda t, x: 2 * x, lambda t, x: 0 * x, pc.schedules.Linear(), pc.Gaussian(0.0, 1.0)
        )
    with pytest.raises(ValueError, match=r"dmu = ∂mu/∂t"):
        pc.GeneralAffinePath(
            lambda t, x: (1 - t) * x, lambda t, x: x, pc.schedules.Linear(), pc.Gaussian(0.0, 1.0)
        )
    with pytest.raises(TypeError, match=r"prior=.*must be a pdecheck Density with a pdf"):
        pc.AffinePath(pc.schedules.Linear(), pc.PointMixture([0.0]))


@pytest.mark.parametrize("bad", ["mu", "dmu"])
def test_general_path_names_mu_or_dmu_of_the_wrong_shape(bad):
    """mu/dmu must return (k, d) for x0 (k, d): a (3,) value was NumPy's "cannot reshape array
    of size 3 into shape (5,2)"; the message names the function, the shapes and the rule."""
    fns = {"mu": lambda t, x: (1 - t) * x, "dmu": lambda t, x: -x}
    fns[bad] = lambda t, x: np.zeros(3)
    with pytest.raises(ValueError) as info:
        pc.GeneralAffinePath(
            fns["mu"], fns["dmu"], pc.schedules.Linear(), pc.Gaussian(np.zeros(2), 1.0)
        )
    text = str(info.value)
    assert text.startswith(f"{bad}(t=") and "shape (3,)" in text
    assert "the rule is an array of shape (k, d) = (5, 2)" in text


def test_marginal_field_refuses_a_time_that_is_not_one_number():
    """t is one time for the whole batch x: an array t was NumPy's "only 0-dimensional arrays
    can be converted" and a one-element list passed silently."""
    path = pc.AffinePath(pc.schedules.Linear(), pc.Gaussian(np.zeros(2), 1.0))
    field = path.marginal_field(pc.PointMixture([[0.0, 0.0]]))
    for t in ([0.5, 0.6], [0.5]):
        with pytest.raises(TypeError, match=r"t=\[0\.5.*has shape \(\d,\); the rule is one real"):
            field(t, [[0.0, 0.0]])
    with pytest.raises(ValueError, match=r"t='a' must be a real number"):
        field("a", [[0.0, 0.0]])


def test_a4_single_gaussian_field_symbolically():
    """sympy: for data N(m, V) and prior N(0, 1), the A4 field α'm + (αα'V + σσ')/(α²V + σ²)(x − αm)
    with p_t = N(αm, α²V + σ²) has continuity residual 0 for the cosine schedule, and the
    implementation agrees with the symbolic field at sample points."""
    import sympy as sp

    t, x, m, V = sp.symbols("t x m V", real=True)
    a, s = sp.cos(sp.pi * t / 2), sp.sin(sp.pi * t / 2)
    var = a**2 * V + s**2
    p = sp.exp(-((x - a * m) ** 2) / (2 * var)) / sp.sqrt(2 * sp.pi * var)
    f = sp.diff(a, t) * m + (a * sp.diff(a, t) * V + s * sp.diff(s, t)) / var * (x - a * m)
    assert sp.simplify((sp.diff(p, t) + sp.diff(f * p, x)) / p) == 0
    path = pc.AffinePath(pc.schedules.Cosine(), pc.Gaussian(0.0, 1.0))
    field = path.marginal_field(pc.GaussianMixture([0.7], 0.4))
    pts = np.array([-1.0, 0.2, 1.3])
    want = [float(f.subs({t: 0.35, x: u, m: 0.7, V: 0.16})) for u in pts]
    np.testing.assert_allclose(field(0.35, pts), want, rtol=1e-13)


def _shifted_family(t, x, x0):
    """φ_t(x|x_0) = G2's φ at x − e^{−t} x_0: a trajectory family whose components differ, so
    the responsibilities vary in x."""
    return g2_phi(t, x - np.exp(-t) * x0[None, :], x0)


def test_g2_divergence_is_the_rate_k():
    """det ∂φ/∂x = e^{−kt} for G2, so ∇·f_t(x|x_0) = −d/dt log|det| = k = 0.5 at every x
    (module docstring of pdecheck.paths.characteristic); the marginal field of one point has
    r = 1, hence the same divergence. Jacobi's formula (analytic ∂J) gives it to round-off, the
    documented differences of log|det J| to ~1e-9 (analytic J) and ~1e-8 (J by differences)."""
    prior = pc.Gaussian(np.zeros(2), 1.0)
    data = pc.PointMixture([[0.0, 0.0]])
    x = np.random.default_rng(2).normal(size=(12, 2)) * 1.5
    for path, tol in (
        (
            pc.CharacteristicPath(g2_phi, prior, g2_jacobian, g2_dphi_dt, djacobian=g2_djacobian),
            1e-13,
        ),
        (pc.CharacteristicPath(g2_phi, prior, g2_jacobian, g2_dphi_dt), 1e-9),
        (pc.CharacteristicPath(g2_phi, prior), 1e-8),
    ):
        for t in (0.05, 0.6, 1.0):
            np.testing.assert_allclose(path.marginal_field(data).divergence(t, x), 0.5, atol=tol)


def test_characteristic_score_and_divergence_by_differences_of_the_field():
    """For a family whose components differ (x_0-dependent φ, everything by differences), the
    marginal's divergence and score (seed eq. 12 + Jacobi's formula) match fourth-order central
    differences (h = 1e-3, error ~1e-9) of the field and of log p_t, and log p_t along the ODE
    obeys d/dt log p_t(x_t) = −∇·f (checked at one step by the same difference in t)."""
    path = pc.CharacteristicPath(_shifted_family, pc.Gaussian(np.zeros(2), 1.0))
    data = pc.PointMixture([[-1.0, 0.0], [1.0, 0.5]], [0.4, 0.6])
    field = path.marginal_field(data)
    t, h = 0.5, 1e-3
    x = np.random.default_rng(4).normal(size=(15, 2))

    def central(fn, e):
        return (-fn(x + 2 * e) + 8 * fn(x + e) - 8 * fn(x - e) + fn(x - 2 * e)) / (12 * h)

    eye = np.eye(2) * h
    div_fd = sum(central(lambda y, j=j: field(t, y)[:, j], eye[j]) for j in range(2))
    np.testing.assert_allclose(field.divergence(t, x), div_fd, rtol=1e-6, atol=1e-6)
    logp = path.marginal(data, t).logpdf
    score_fd = np.column_stack([central(logp, eye[j]) for j in range(2)])
    np.testing.assert_allclose(field.score(t, x), score_fd, rtol=1e-6, atol=1e-6)

    def logp_along(s):
        y = x + s * field(t, x)  # first order in s: enough for the derivative at s = 0
        return path.marginal(data, t + s).logpdf(y)

    dlogp = (logp_along(h) - logp_along(-h)) / (2 * h)
    np.testing.assert_allclose(dlogp, -field.divergence(t, x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "schedule, prior, data",
    [
        (pc.schedules.Cosine(), pc.Gaussian(np.zeros(2), 1.0), pc.PointMixture([[0, 0], [1, 1]])),
        (pc.schedules.Linear(), pc.Uniform([0, 0], [2, 2]), pc.PointMixture([[0, 0], [1, 1]])),
        (pc.schedules.VP(), pc.Gaussian([0.0, 0.5], 1.0), pc.GaussianMixture([[0, 0]], 0.3)),
        (pc.schedules.VE(), pc.Gaussian(np.zeros(2), 1.0), pc.PointMixture([[0, 0], [1, 1]])),
    ],
)
def test_field_at_sigma_zero_is_undefined_and_flagged_in_both_paths(schedule, prior, data, capfd):
    """At t = 0, σ_0 = 0: with point data p_0 is atomic and f undefined. With Gaussian data and
    a prior of mean μ_q ≠ 0 under VP, the prior's mean term σ' μ_q is infinite (σ'_0 = ∞).
    The compiled kernel must write a non-finite value (counted by apply_field) — an exception
    inside a cfunc is only printed and ignored by Numba, leaving whatever was in ``out`` — and
    the NumPy field must agree (non-finite, counted in undefined_evaluations)."""
    field = pc.AffinePath(schedule, prior).marginal_field(data)
    x = np.array([[0.0, 0.0], [0.5, 0.5], [2.0, 2.0]])
    out, bad = _compiled_values(field, 0.0, x)
    assert bad == 3 and not np.any(np.all(np.isfinite(out), axis=1))
    with pytest.warns(RuntimeWarning, match="undefined"):
        assert not np.any(np.all(np.isfinite(field(0.0, x)), axis=1))
    assert field.undefined_evaluations == 3
    assert "Error" not in capfd.readouterr().err


@pytest.mark.parametrize(
    "schedule, alpha_rate, sigma_dsigma",
    [
        # VP: α'_0 = −β_min/2 and σσ' = ½β e^{−B} → β_min/2 at t = 0 although σ'_0 = ∞
        (pc.schedules.VP(0.1, 20.0), -0.05, 0.05),
        # VE (σ_min = 0.01, σ_max = 50): α' = 0, σσ' = σ_min² r^{2t} ln r → σ_min² ln r
        (pc.schedules.VE(0.01, 50.0), 0.0, 1e-4 * np.log(5000.0)),
    ],
    ids=["vp", "ve"],
)
def test_gaussian_data_field_is_finite_at_t0_where_dsigma_is_infinite(
    schedule, alpha_rate, sigma_dsigma
):
    """Gaussian-mixture data make p_0 smooth, so f_0 exists although σ'_0 = ∞ (VP, VE): by
    CATALOGUE A4 with α_0 = 1, σ_0 = 0 and a prior N(0, s²), component k has
    a_k = α'_0 m_k + c_k (x − m_k), c_k = (α'_0 V_k + (σσ')_0 s²)/V_k, and r_k ∝ w_k N(x; m_k, V_k).
    Both the NumPy and the compiled field must give this limit (not 0·∞ = NaN) and be continuous
    there: |f_0 − f_{1e-9}| = O(1e-9 · ∂_t f)."""
    means, stds, weights = np.array([[-1.0, 0.5], [1.5, -0.5]]), np.array([0.5, 0.3]), [0.4, 0.6]
    s = 1.3
    field = pc.AffinePath(schedule, pc.Gaussian(np.zeros(2), s)).marginal_field(
        pc.GaussianMixture(means, stds, weights)
    )
    x = np.array([[-1.0, 0.0], [0.2, 0.3], [2.0, -1.0]])
    var = stds**2
    r = weights * np.exp(-np.sum((x[:, None, :] - means) ** 2, axis=2) / (2 * var)) / var
    r /= r.sum(axis=1, keepdims=True)
    slope = (alpha_rate * var + sigma_dsigma * s**2) / var
    a = alpha_rate * means[None] + slope[None, :, None] * (x[:, None, :] - means[None])
    want = np.einsum("nk,nkd->nd", r, a)
    out, bad = _compiled_values(field, 0.0, x)
    assert bad == 0
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(field(0.0, x), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(field(1e-9, x), want, rtol=1e-6, atol=1e-8)
    assert field.undefined_evaluations == 0


@pytest.mark.parametrize("schedule", [pc.schedules.VP(), pc.schedules.SubVP()])
def test_paths_that_miss_the_prior_are_paths_with_a_reported_mismatch(schedule):
    """α_T ≠ 0 (VP, sub-VP) is not an error (issue 3): the path builds, its marginal at T is a
    density, and the mismatch to N(0, 1) equals pdecheck.schedules.endpoint_kl / endpoint_w2
    (a separate implementation of the same closed forms) averaged over the data."""
    path = pc.AffinePath(schedule, pc.Gaussian(0.0, 1.0))
    data = pc.PointMixture([0.5, 2.0], [0.25, 0.75])
    assert path.marginal(data, 1.0).pdf(np.array([0.0]))[0] > 0
    res = path.endpoint_mismatch(data)
    kl = 0.25 * pc.schedules.endpoint_kl(schedule, [0.5]) + 0.75 * pc.schedules.endpoint_kl(
        schedule, [2.0]
    )
    w2 = np.sqrt(
        0.25 * pc.schedules.endpoint_w2(schedule, [0.5]) ** 2
        + 0.75 * pc.schedules.endpoint_w2(schedule, [2.0]) ** 2
    )
    assert res.kl == pytest.approx(kl, rel=1e-12) and res.kl > 0
    assert res.w2 == pytest.approx(w2, rel=1e-12)
    assert res.alpha_T == pytest.approx(float(schedule.alpha(1.0)))


def test_general_path_missing_the_prior_is_measured_not_rejected():
    """μ_T(x_0) = x_0/2 ≠ 0 with a uniform prior U(0, 2): the W2 coupling bound is
    E|μ_T(x_0) + (σ_T − 1)X|² (here σ_T = 1, so |x_0/2|²), checked by quadrature for a VP-like
    σ_T ≠ 1 as well; KL has no closed form for a uniform prior (NaN), except when p_T = prior."""
    from scipy import integrate

    def mu(t, x):
        return (1 - t / 2) * x

    def dmu(t, x):
        return -x / 2

    data = pc.PointMixture([0.8])
    prior = pc.Uniform(0.0, 2.0)
    res = pc.GeneralAffinePath(mu, dmu, pc.schedules.Linear(), prior).endpoint_mismatch(data)
    assert res.w2 == pytest.approx(0.4, rel=1e-12) and np.isnan(res.kl)
    vp = pc.schedules.VP()
    path = pc.GeneralAffinePath(mu, dmu, vp, prior)
    s = float(vp.sigma(1.0))
    want, _ = integrate.quad(lambda u: (0.4 + (s - 1) * u) ** 2 / 2, 0.0, 2.0, epsabs=1e-15)
    assert path.endpoint_mismatch(data).w2 == pytest.approx(np.sqrt(want), rel=1e-10)
    on_prior = pc.AffinePath(pc.schedules.Linear(), prior).endpoint_mismatch(data)
    assert on_prior.kl == 0.0 and on_prior.w2 == 0.0


@pytest.mark.parametrize(
    ("k", "weights", "pattern"),
    [
        (1, [2.0], r"weights=\[2.\] sum to 2.0; the rule is that weights sum to 1"),
        (2, [0.5, 0.6], r"sum to 1.1"),
        (2, [float("nan"), 1.0], r"weights=.*non-finite.*must be finite"),
        (2, [-0.5, 1.5], r"weights=.* must be >= 0"),
        (2, [0.5], r"2 components and 1 weights; the rule is one weight per component"),
        (2, [0.5, [0.5]], r"weights=.* must be a real number or a \(rectangular\) array"),
    ],
)
def test_mixture_refuses_weights_that_are_not_a_probability_vector(k, weights, pattern):
    """Mixture([N(0,1)], [2]) put mass 2 on the line; NaN and negative weights passed."""
    with pytest.raises(ValueError, match=pattern):
        Mixture([pc.Gaussian(float(i), 1.0) for i in range(k)], weights)


def test_mixture_refuses_string_weights():
    with pytest.raises(TypeError, match=r"weights=.* must be a real number"):
        Mixture([pc.Gaussian(0.0, 1.0), pc.Gaussian(1.0, 1.0)], ["0.5", "0.5"])


def test_mixture_with_normalised_weights_has_unit_mass():
    """cdf(1) = ¼ Φ(1) + ¾ Φ((1 − 2)/0.5), the weighted normal CDFs."""
    from scipy import special

    mix = Mixture([pc.Gaussian(0.0, 1.0), pc.Gaussian(2.0, 0.5)], np.array([0.25, 0.75]))
    assert mix.box_probability(-np.inf, np.inf)[0] == pytest.approx(1.0, abs=1e-15)
    want = 0.25 * special.ndtr(1.0) + 0.75 * special.ndtr(-2.0)
    assert mix.cdf(1.0)[0] == pytest.approx(want, rel=1e-14)


@pytest.mark.parametrize(
    ("scale", "exc", "pattern"),
    [
        ("a", TypeError, r"scale='a' must be a real number"),
        (None, TypeError, r"scale=None must be a real number"),
        (True, TypeError, r"scale=True must be a real number"),
        ([1.0, 2.0], ValueError, r"scale=\[1. 2.\] must be a scalar"),
        (0.0, ValueError, r"scale=0.0 must be > 0"),
        (float("nan"), ValueError, r"scale=nan .*must be finite"),
    ],
)
def test_scaled_shifted_names_a_bad_scale(scale, exc, pattern):
    with pytest.raises(exc, match=pattern):
        ScaledShifted(pc.Gaussian(0.0, 1.0), 0.0, scale)


def test_scaled_shifted_names_a_bad_shift_and_takes_numpy_numbers():
    with pytest.raises(TypeError, match=r"shift='1' must be a real number"):
        ScaledShifted(pc.Gaussian(0.0, 1.0), "1", 1.0)
    with pytest.raises(ValueError, match=r"shift=.* vector of length 2"):
        ScaledShifted(pc.Gaussian([0.0, 0.0], 1.0), [1.0, 2.0, 3.0], 1.0)
    law = ScaledShifted(pc.Gaussian(0.0, 1.0), np.array([1.0]), np.float64(2.0))
    assert law.mean().tolist() == [1.0] and law.cov().tolist() == [[4.0]]
    with pytest.raises(ValueError, match=r"tol=-1 must be a probability"):
        law.bounds(-1)


@pytest.mark.parametrize("t", [1e-6, 1e-7, 1e-8])
def test_repeated_points_far_from_x_share_their_weight_exactly(t):
    """The seed's data repeat 0.5: at small t and x = −2 the two tied atoms dominate, and f_t(x)
    is the conditional field of x_0 = 0.5 (CATALOGUE A1). Their log-
    weights are ~ −3/t² ≈ −3e16, where e^{l − logsumexp(l)} lost the log 2 and gave each r ≈ 1
    (the field was 2× too large at t = 1e-8); the max-shifted softmax is exact. The compiled
    kernel, which shifts by the maximum, agrees."""
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(0.0, 1.0))
    field = path.marginal_field(pc.PointMixture([0.5, 0.5, 1.2, 1.7]))
    x = np.array([[-2.0]])
    want = path.conditional_field(t, x, [0.5])
    np.testing.assert_allclose(field(t, x), want, rtol=1e-12)
    out, bad = _compiled_values(field, t, x)
    assert bad == 0
    np.testing.assert_allclose(out, want, rtol=1e-12)
    np.testing.assert_allclose(field.score(t, x), (0.5 * (1 - t) + 2.0) / t**2, rtol=1e-12)
