"""Cases S1–S6 (CATALOGUE B.4): Fokker–Planck residual order, normalisation, moments, traps.

``residual_slope`` is shared with the F and P case tests of this folder.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

from pdecheck import cases
from pdecheck.cases import Problem
from pdecheck.densities import GaussianMixture, PointMixture
from pdecheck.residual import fokker_planck_residual
from pdecheck.sde import SDE, VESDE, VPSDE

#: relative steps h/scale of the refinement study (4 halvings)
H_REL = np.array([0.04, 0.02, 0.01, 0.005])
#: time scale of every case's coefficients: dt = h_rel · TIME_SCALE
TIME_SCALE = 0.05


def scale_of(density) -> float:
    """The smallest length over which a marginal varies: its narrowest component."""
    if isinstance(density, GaussianMixture):
        return float(density.stds.min())
    return float(getattr(density, "z", 1.0))


def residual_slope(problem: Problem, rng: np.random.Generator, acc: int = 2) -> tuple[float, float]:
    """Fitted slope of log RMS(R) against log h over H_REL, with R the findiff residual of the
    case's own marginal, drift and diffusion at 3 random times × 6 points drawn from p_t, and
    the finest relative residual RMS(R)/RMS(∂_t p)-scale."""
    t0, t1 = sorted(problem.t_span)
    rms = np.zeros(H_REL.size)
    ref = 0.0
    for t in t0 + (t1 - t0) * rng.uniform(0.1, 0.9, size=3):
        p_t = problem.marginal(t)
        x = np.asarray(p_t.sample(6, rng), dtype=float).reshape(6, -1)
        s = scale_of(p_t)
        for i, hr in enumerate(H_REL):
            r = fokker_planck_residual(
                problem.marginal,
                problem.drift,
                problem.diffusion,
                t,
                x,
                hr * s,
                hr * TIME_SCALE,
                acc=acc,
            )
            rms[i] += np.mean(r**2)
        ref += np.mean(p_t.pdf(x) ** 2) / s**2
    slope = np.polyfit(np.log(H_REL), 0.5 * np.log(rms), 1)[0]
    return float(slope), float(np.sqrt(rms[-1] / ref))


@pytest.mark.parametrize("case_id", ["S1", "S2", "S3", "S4", "S5", "S6"])
def test_fokker_planck_residual_shrinks_at_second_order(case_id, rng):
    """The exact marginal solves ∂_t p + ∇·(f p) − ½ g² Δp = 0, so the residual of central
    differences of accuracy 2 is pure truncation error C h² (+ C' dt², dt ∝ h): slope 2."""
    slope, rel = residual_slope(cases.get(case_id).problem(), rng)
    print(f"{case_id}: slope {slope:.3f}, relative residual at finest h {rel:.2e}")
    assert abs(slope - 2.0) < 0.3
    assert rel < 1e-3


@pytest.mark.parametrize("case_id", ["S1", "S2", "S3", "S5", "S6"])
def test_marginals_are_normalised(case_id):
    """∫ p_t = 1 by adaptive quadrature at three times (1-D cases)."""
    problem = cases.get(case_id).problem()
    t0, t1 = problem.t_span
    for t in (t0, 0.5 * (t0 + t1), t1):
        p = problem.marginal(t)
        breaks = np.sort(np.asarray(p.means).ravel())
        pieces = zip(np.r_[-np.inf, breaks], np.r_[breaks, np.inf], strict=True)
        mass = sum(
            integrate.quad(lambda x, p=p: p.pdf(np.array([x]))[0], lo, hi, limit=200, epsabs=1e-13)[
                0
            ]
            for lo, hi in pieces
        )
        assert abs(mass - 1.0) < 1e-9


def test_2d_marginal_is_normalised():
    """S4 (2-D): the trapezoidal rule is spectrally accurate for Gaussians on a box holding the
    mass, so ∫ p_t = 1 to 1e-9."""
    problem = cases.get("S4").problem()
    lo, hi = problem.domain
    for t in (0.05, 0.5, 1.0):
        p = problem.marginal(t)
        h = 0.2 * float(p.stds.min())
        gx = np.arange(lo[0], hi[0] + h, h)
        gy = np.arange(lo[1], hi[1] + h, h)
        X, Y = np.meshgrid(gx, gy, indexing="ij")
        vals = p.pdf(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
        assert abs(integrate.trapezoid(integrate.trapezoid(vals, gy, axis=1), gx) - 1.0) < 1e-9


@pytest.mark.parametrize("case_id", ["S1", "S2", "S3", "S4", "S5", "S6"])
def test_moments_follow_the_sde_moment_equations(case_id):
    """For dx = f_t x dt + g_t dW the mean and per-coordinate variance solve m' = f m and
    v' = 2 f v + g² (Itô). Integrating these ODEs from p_0 with the SDE's own f and g² must
    give the mean and covariance of the case's exact marginal: an independent check of a_t, b_t."""
    problem = cases.get(case_id).problem()
    sde, data = problem.notes["sde"], problem.notes["data"]
    m0, v0 = data.mean(), np.diag(data.cov())

    def rhs(t, y):
        d = m0.size
        f = float(sde.drift_coeff(t))
        return np.r_[f * y[:d], 2 * f * y[d:] + float(sde.g2(t))]

    sol = integrate.solve_ivp(
        rhs, (0.0, sde.T), np.r_[m0, v0], method="DOP853", rtol=1e-11, atol=1e-13, dense_output=True
    )
    for t in np.linspace(problem.t_span[0], sde.T, 5):
        p = problem.marginal(t)
        y = sol.sol(t)
        assert np.allclose(p.mean(), y[: m0.size], rtol=1e-7, atol=1e-9)
        assert np.allclose(np.diag(p.cov()), y[m0.size :], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("case_id", ["S1", "S4", "S6"])
def test_sample_moments_match(case_id, rng):
    """Samples of p_T: mean within z_{1−α/2} σ/√N and variance within z σ_v/√N per
    coordinate (CLT with exact μ₄, STATISTICS §3), σ from the exact marginal. False-alarm rate
    α = 1e-4 per assertion."""
    p = cases.get(case_id).problem().marginal(1.0)
    n, alpha = 20000, 1e-4
    x = np.asarray(p.sample(n, rng), dtype=float).reshape(n, -1)
    sd = np.sqrt(np.diag(p.cov()))
    z = special.ndtri(1 - alpha / 2)
    assert np.all(np.abs(x.mean(axis=0) - p.mean()) <= z * sd / np.sqrt(n))
    # CLT bound with the exact fourth central moment of the mixture, per coordinate:
    # E(X − m)⁴ = Σ w_k [(μ_k − m)⁴ + 6 (μ_k − m)² s_k² + 3 s_k⁴]
    dev = p.means - p.mean()
    mu4 = p.weights @ (dev**4 + 6 * dev**2 * p.stds[:, None] ** 2 + 3 * p.stds[:, None] ** 4)
    bound = z * np.sqrt((mu4 - sd**4 * (n - 3) / (n - 1)) / n)
    assert np.all(np.abs(x.var(axis=0, ddof=1) - sd**2) <= bound)


def test_link_matches_its_closed_form():
    """S6 with a = 1 − t/2, b = t: by hand f = a'/a = −1/(2 − t) and g² = 2ab(b/a)' =
    2(1 − t/2) t / (1 − t/2)² = 4t/(2 − t)."""
    sde = cases.get("S6").problem().notes["sde"]
    t = np.linspace(0.01, 1.0, 50)
    assert np.allclose(sde.drift_coeff(t), -1.0 / (2.0 - t), rtol=1e-12)
    assert np.allclose(sde.g2(t), 4.0 * t / (2.0 - t), rtol=1e-12)


def test_link_reproduces_vp_rate():
    """CATALOGUE S6: with a, b the VP kernel (a = e^{−B/2}, b = √(1 − e^{−B})) the link gives
    g² = β(t) and f = −β/2; with the variance form v = 1 − e^{−B} as well."""
    vp = VPSDE(0.1, 20.0)
    link = SDE.from_gaussian_marginals(vp.mean_coeff, vp.std)
    link_v = SDE.from_gaussian_marginals_variance(vp.mean_coeff, vp.var)
    t = np.linspace(0.05, 1.0, 20)
    for sde in (link, link_v):
        assert np.allclose(sde.g2(t), vp.beta(t), rtol=1e-7)
        assert np.allclose(sde.drift_coeff(t), -0.5 * vp.beta(t), rtol=1e-7)


def test_link_sympy():
    """Symbolic S6: for undefined a(t), b(t) the density N(x; a x0, b²) solves the FP equation
    with f = a'/a, g² = 2ab(b/a)'; the naive g² = (b²)' leaves residual/p =
    −(a'/(a b²))((x − a x0)² − b²) (CATALOGUE S6)."""
    import sympy as sp

    t, x, x0 = sp.symbols("t x x0", real=True)
    a, b = sp.Function("a", positive=True)(t), sp.Function("b", positive=True)(t)
    p = sp.exp(-((x - a * x0) ** 2) / (2 * b**2)) / sp.sqrt(2 * sp.pi * b**2)
    f = sp.diff(a, t) / a * x

    def residual(g2):
        return sp.diff(p, t) + sp.diff(f * p, x) - g2 / 2 * sp.diff(p, x, 2)

    assert sp.simplify(residual(2 * a * b * sp.diff(b / a, t)) / p) == 0
    naive = sp.simplify(residual(sp.diff(b**2, t)) / p)
    expected = -sp.diff(a, t) / (a * b**2) * ((x - a * x0) ** 2 - b**2)
    assert sp.simplify(naive - expected) == 0


def test_naive_link_leaves_the_catalogue_residual():
    """Trap: f = a'/a with g² = (b²)' (a = 1 − t/2, b = t, point data x0). The findiff residual
    converges (at order 2) to −(a'/(a b²))((x − a x0)² − b²) p, not to 0."""
    x0 = 0.7
    exact = cases.get("S6").problem().notes["sde"]
    naive = SDE(exact.drift, lambda t: np.sqrt(2.0 * np.asarray(t)))  # (b²)' = 2t
    data = PointMixture([x0])

    def marginal(t):
        return exact.marginal(data, t)

    t = 0.6
    x = np.linspace(-0.5, 1.5, 9).reshape(-1, 1)
    a, da, b = 1 - t / 2, -0.5, t
    closed = -(da / (a * b**2)) * ((x[:, 0] - a * x0) ** 2 - b**2) * marginal(t).pdf(x)
    err = [
        np.max(
            np.abs(fokker_planck_residual(marginal, naive.drift, naive.diffusion, t, x, h) - closed)
        )
        for h in (0.02, 0.01, 0.005, 0.0025)
    ]
    assert np.max(np.abs(closed)) > 0.1
    assert err[-1] < 1e-4 * np.max(np.abs(closed))
    assert abs(np.polyfit(np.log([0.02, 0.01, 0.005, 0.0025]), np.log(err), 1)[0] - 2.0) < 0.3


def test_ve_std_sigma_t_is_not_the_marginal_from_a_point():
    """Trap (CATALOGUE S3): from δ_{x0} the VE SDE has Var X_t = ∫_0^t g² ds (Itô isometry),
    computed here by quadrature of g²; it equals σ(t)² − σ_min², and score_sde's σ(t)² is off by
    σ_min² — at t → 0 it would start from N(x0, σ_min²), not from δ_{x0}."""
    ve = VESDE(0.01, 50.0)
    for t in (0.01, 0.1, 0.5, 1.0):
        ito = integrate.quad(lambda s: float(ve.g2(s)), 0.0, t, epsabs=0, epsrel=1e-12)[0]
        assert np.isclose(float(ve.var(t)), ito, rtol=1e-10)
        assert np.isclose(float(ve.sde_sigma(t)) ** 2 - ito, ve.sigma_min**2, rtol=1e-8)
    p = ve.marginal(PointMixture([0.5]), 0.01)
    ks = stats.kstest(p.sample(4000, 1)[:], stats.norm(0.5, float(ve.sde_sigma(0.01))).cdf)
    # DKW threshold at false-alarm rate 1e-4 for N = 4000: the σ(t)² law is rejected
    assert ks.statistic > np.sqrt(np.log(2 / 1e-4) / (2 * 4000))
