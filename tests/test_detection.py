"""Detection power (issue 6, item 5): each wrong derivation, written as a user would write it —
their own callables in a :class:`~pdecheck.Claim` — FAILS with the default α, and its corrected
form PASSES. A verdict's false-alarm rate is at most α = 1e-3 (Bonferroni over its stochastic
checks), so a correct claim passing is the expected outcome and a wrong one failing is power;
the seeds are fixed, so each outcome is deterministic.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import pdecheck as pc

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True, scope="module")
def _one_numba_thread():
    """One Numba thread for these small verification runs (see tests/verify/conftest.py)."""
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(old)


def _verdict(claim, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return pc.verify_transport(claim, **kw)


def _assert_outcome(verdict, passes):
    """Pass, or fail through a check that exceeds its threshold (not only through a flag)."""
    assert verdict.passed is passes, verdict.summary()
    if not passes:
        assert verdict.failed, verdict.summary()


def _failed_methods(verdict):
    return {c.method for c in verdict.failed}


# -- the DDPM link: p(x_t|x_0) = N(a_t x_0, b_t²) with a_t = e^{−t}, b_t² = 1 − e^{−2t} ----------
# right: g² = 2 a b (b/a)' = 2;  wrong: g² = (b²)' = 2 e^{−2t} (CATALOGUE S6)
DATA_MIX = pc.GaussianMixture([-1.0, 1.0], 0.3)


def _ddpm_marginal(t):
    a = math.exp(-t)
    return pc.GaussianMixture([-a, a], math.sqrt(a * a * 0.09 + 1.0 - a * a))


@pytest.mark.parametrize(
    "g2, passes", [(lambda t: 2.0, True), (lambda t: 2.0 * math.exp(-2 * t), False)]
)
def test_ddpm_link(g2, passes):
    claim = pc.Claim(
        sde=(lambda t, x: -x, lambda t: math.sqrt(g2(t))),
        data=DATA_MIX,
        prior=pc.Gaussian(0.0, 1.0),
        marginal=_ddpm_marginal,
    )
    v = _verdict(claim, t_span=(0.0, 1.0))
    _assert_outcome(v, passes)
    assert any(f.code == "endpoint-mismatch" for f in v.flags)  # a_1 = e^{-1} ≠ 0
    if not passes:
        assert {"particles vs exact", "grid vs exact"} <= _failed_methods(v)


# -- VE: σ(t) = σ_min (σ_max/σ_min)^t, g² = dσ²/dt; point data has variance σ(t)² − σ_min² (S3) --
S_MIN, S_MAX = 0.3, 3.0


def _ve_sigma(t):
    return S_MIN * (S_MAX / S_MIN) ** t


@pytest.mark.parametrize("offset, passes", [(S_MIN**2, True), (0.0, False)])
def test_ve_marginal_for_point_data(offset, passes):
    data = pc.PointMixture([0.0])
    claim = pc.Claim(
        sde=(
            lambda t, x: np.zeros_like(x),
            lambda t: _ve_sigma(t) * math.sqrt(2 * math.log(S_MAX / S_MIN)),
        ),
        data=data,
        prior=pc.Gaussian(0.0, math.sqrt(S_MAX**2 - S_MIN**2)),
        marginal=lambda t: pc.Gaussian(0.0, math.sqrt(_ve_sigma(t) ** 2 - offset)),
    )
    v = _verdict(claim, t_span=(0.0, 1.0), n_times=8)
    _assert_outcome(v, passes)


# -- target-style path N(t x_1, (1 − (1 − σ_min) t)²), written in our time (t → 1 − t) ---------
SIG_MIN = 0.1
TARGETS = np.array([-1.0, 1.0])


def _target_sigma(t):
    return SIG_MIN + (1 - SIG_MIN) * t


def _target_field(t, x):
    """Marginal field of x_t = (1 − t) x_data + σ_t ε with Gaussian-ε posterior weights."""
    s = _target_sigma(t)
    means = (1 - t) * TARGETS[None, :]
    logw = -0.5 * ((x - means) / s) ** 2
    w = np.exp(logw - logw.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    cond = -TARGETS[None, :] + (1 - SIG_MIN) * (x - means) / s
    return np.sum(w * cond, axis=1, keepdims=True)


@pytest.mark.parametrize(
    "source, passes",
    [(pc.Gaussian(0.0, 1.0), True), (pc.Uniform(-math.sqrt(3.0), math.sqrt(3.0)), False)],
)
def test_target_path_needs_gaussian_source(source, passes):
    claim = pc.Claim(
        _target_field,
        data=pc.GaussianMixture(TARGETS, SIG_MIN),
        prior=source,
        marginal=lambda t: pc.GaussianMixture((1 - t) * TARGETS, _target_sigma(t)),
    )
    v = _verdict(claim, t_span=(1.0, 0.0))
    _assert_outcome(v, passes)


# -- reverse SDE and probability-flow ODE of OU with mixture data (CATALOGUE F2, F3) --------------
OU_DATA = pc.GaussianMixture([-2.0, 1.5], [0.3, 0.5], [0.3, 0.7])


def _ou_marginal(t):
    a = math.exp(-t)
    var = OU_DATA.stds**2 * a * a + 1 - a * a
    return pc.GaussianMixture(OU_DATA.means[:, 0] * a, np.sqrt(var), OU_DATA.weights)


def _ou_score(t, x):
    return _ou_marginal(t).score(x).reshape(x.shape)


@pytest.mark.parametrize("sign, passes", [(-1.0, True), (+1.0, False)])
def test_reverse_sde_sign_of_score(sign, passes):
    """dx = (f − g² ∇log p) dt + g dW̄ run from T to 0; the wrong sign has + g² ∇log p."""
    claim = pc.Claim(
        sde=(lambda t, x: -x + sign * 2.0 * _ou_score(t, x), lambda t: math.sqrt(2.0)),
        data=OU_DATA,
        prior=_ou_marginal(1.0),
        marginal=_ou_marginal,
    )
    v = _verdict(claim, t_span=(1.0, 0.0))
    _assert_outcome(v, passes)


@pytest.mark.parametrize("half, passes", [(0.5, True), (1.0, False)])
def test_probability_flow_needs_half(half, passes):
    claim = pc.Claim(
        lambda t, x: -x - half * 2.0 * _ou_score(t, x),
        data=OU_DATA,
        prior=_ou_marginal(1.0),
        marginal=_ou_marginal,
    )
    v = _verdict(claim, t_span=(1.0, 0.0))
    _assert_outcome(v, passes)


# -- the seed's straight path, prior U[0, 2], but a field built for σ_t = t² (CATALOGUE A5, G1) --
POINTS = np.array([0.5, 1.2, 1.7])
WEIGHTS = np.array([0.5, 0.25, 0.25])


def _straight_field(sigma, dsigma):
    """The user's marginal field of x_t = (1 − t) x_0 + σ_t x_1, x_1 ~ U[0, 2]: the posterior
    mean x̄ over the data points whose box (1 − t) x_i + σ_t [0, 2] holds x."""

    def field(t, x):
        s = sigma(t)
        low = (1 - t) * POINTS[None, :]
        active = (x >= low) & (x <= low + 2 * s)
        w = active * WEIGHTS[None, :]
        total = w.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            xbar = (w * POINTS[None, :]).sum(axis=1, keepdims=True) / total
        return -xbar + dsigma(t) / s * (x - (1 - t) * xbar)

    return field


def _straight_pdf(t, x):
    """p_t(x) = Σ w_i 1{x ∈ (1 − t) x_i + t [0, 2]} / (2t), the claimed marginal (σ_t = t)."""
    low = (1 - t) * POINTS[None, :]
    inside = (x >= low) & (x <= low + 2 * t)
    return (inside * WEIGHTS[None, :]).sum(axis=1) / (2 * t)


@pytest.mark.parametrize(
    "sigma, dsigma, passes",
    [(lambda t: t, lambda t: 1.0, True), (lambda t: t * t, lambda t: 2 * t, False)],
)
def test_straight_path_field_for_wrong_sigma(sigma, dsigma, passes):
    claim = pc.Claim(
        _straight_field(sigma, dsigma),
        data=pc.PointMixture(POINTS, WEIGHTS),
        prior=pc.Uniform(0.0, 2.0),
        marginal=_straight_pdf,
        domain=(-0.2, 2.2),
    )
    v = _verdict(claim, t_span=(1.0, 0.05))
    _assert_outcome(v, passes)


# -- a rotation added to a radial field leaves a radial p_t unchanged (CATALOGUE L2) -------------
@pytest.mark.parametrize("omega", [0.0, 2.0])
def test_rotation_added_to_radial_field_passes(omega):
    """f = ½ x + ω(−y, x) scales N(0, 0.5² I) to N(0, (0.5 e^{t/2})² I) whatever ω is: fields
    are not unique, densities are."""

    def field(t, x):
        return 0.5 * x + omega * np.stack([-x[:, 1], x[:, 0]], axis=1)

    claim = pc.Claim(
        field,
        data=pc.Gaussian(np.zeros(2), 0.5),
        prior=pc.Gaussian(np.zeros(2), 0.5 * math.exp(0.5)),
        marginal=lambda t: pc.Gaussian(np.zeros(2), 0.5 * math.exp(0.5 * t)),
    )
    v = _verdict(claim, t_span=(0.0, 1.0), n_times=2)
    _assert_outcome(v, True)
    assert {c.method for c in v.checks} == {
        "particles vs exact",
        "grid vs exact",
        "grid vs particles",
    }
