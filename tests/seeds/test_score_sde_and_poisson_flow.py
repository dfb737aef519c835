"""Seed: score-sde-and-poisson-flow (score SDEs, DDPM, probability flow, PFGM).

One test per derivation: the DDPM link (§5.1: f = d ln ᾱ/dt, g² = 2ᾱβ̄ d/dt(β̄/ᾱ)), the
same-marginal family and the probability-flow ODE (§6), the reverse SDE (§3.1 and §6), the
Poisson-field prior on the plane z = Z (§7.4) and transport along field lines (§7.4,
dx/dz = F_x/F_z). Each is re-derived in sympy, then checked on pdecheck's implementation.

Statistical checks: fixed seeds, DKW thresholds at false-alarm rate 1e-4 per test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate
from scipy.optimize import brentq

import pdecheck as pc
from pdecheck import compare
from pdecheck import sde as sdes
from pdecheck.poisson import PoissonField, sphere_area
from pdecheck.testing import assert_same_marginals

t_, x_, x0_, z_ = sp.symbols("t x x0 z", real=True)
a_, b_, s_ = sp.Function("a"), sp.Function("b"), sp.Function("s")
ALPHA = 1e-4  # false-alarm rate of each statistical test in this file
DATA = pc.GaussianMixture([-2.0, 1.5], [0.1, 0.3], [0.3, 0.7])  # CATALOGUE B.5


def _fp_residual(p: sp.Expr, drift: sp.Expr, g2: sp.Expr) -> sp.Expr:
    """∂_t p + ∂_x(f p) − ½ g² ∂²_x p (1-D Fokker–Planck residual)."""
    return sp.simplify((sp.diff(p, t_) + sp.diff(drift * p, x_) - g2 / 2 * sp.diff(p, x_, 2)) / p)


def _gaussian(mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    return sp.exp(-((x_ - mean) ** 2) / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def test_ddpm_link_gives_the_gaussian_marginals_and_the_naive_link_does_not():
    """§5.1: p(x_t|x_0) = N(ᾱ_t x_0, β̄_t²) is the law of dx = f_t x dt + g_t dW iff
    f = ᾱ'/ᾱ and g² = 2ᾱβ̄(β̄/ᾱ)' (β̄ a standard deviation): the FP residual vanishes for
    generic ᾱ, β̄; the naive g² = (β̄²)' leaves −(ᾱ'/(ᾱβ̄²))((x−ᾱx_0)² − β̄²) (CATALOGUE S6).
    pdecheck's SDE.from_schedule(VP) has g² = β(t), the VP rate."""
    a, b = a_(t_), b_(t_)
    p = _gaussian(a * x0_, b**2)
    f = sp.diff(a, t_) / a * x_
    assert _fp_residual(p, f, 2 * a * b * sp.diff(b / a, t_)) == 0
    naive = _fp_residual(p, f, sp.diff(b**2, t_))
    expected = -sp.diff(a, t_) / (a * b**2) * ((x_ - a * x0_) ** 2 - b**2)
    assert sp.simplify(naive - expected) == 0

    vp = pc.schedules.VP(beta_min=0.1, beta_max=20.0)
    link = pc.SDE.from_schedule(vp)
    t = np.linspace(0.05, 1.0, 20)
    np.testing.assert_allclose(link.g2(t), vp.beta(t), rtol=1e-8)
    np.testing.assert_allclose(link.drift_coeff(t), -0.5 * vp.beta(t), rtol=1e-8)


def test_same_marginal_family_holds_for_any_noise_level_symbolically():
    """§6: dx = [f − ½(g² − s²)∇log p] dt + s dW has the marginals p_t for **any** s_t ≥ 0
    (also s > g, which the seed excludes without need: CATALOGUE F1). Checked for the OU
    marginal N(m_t, v_t) of dx = −θx dt + g dW with s_t generic."""
    theta, g = sp.symbols("theta g", positive=True)
    m = x0_ * sp.exp(-theta * t_)
    v = g**2 * (1 - sp.exp(-2 * theta * t_)) / (2 * theta)
    p = _gaussian(m, v)
    score = sp.diff(sp.log(p), x_)
    s2 = s_(t_) ** 2
    drift = -theta * x_ - (g**2 - s2) / 2 * score
    assert _fp_residual(p, drift, s2) == 0


def test_same_marginal_family_particles_agree_for_two_noise_levels():
    """pdecheck's ``same_marginal`` with s = 0.5 and s = 1.5 (above g = 1) from the two-bump
    data of CATALOGUE B.5 on OU(θ = g = 1): the two particle clouds agree at 4 times (two-sample
    KS against 2·DKW, Bonferroni; Euler–Maruyama bias at dt = 1/512 is O(dt) ≈ 2e-3 in
    KS terms, an order below the threshold 0.03)."""
    ou = sdes.OU(theta=1.0, sigma=1.0)
    score = ou.score(DATA)
    assert_same_marginals(
        ou.same_marginal(score, 0.5), ou.same_marginal(score, 1.5), DATA, (0.0, 1.0),
        alpha=ALPHA, n=10_000, steps=512, seed=3,
    )  # fmt: skip


def test_probability_flow_ode_carries_p_t_to_p_t_prime():
    """§6 with s = 0: dx/dt = f − ½g²∇log p_t (a Neural-ODE) carries p_{0.25} to p_1: samples of
    the exact p_{0.25} pushed by RK4 (64 steps, error ~1e-6 ≪ eps) pass KS against the exact
    p_1 = Σ w_k N(e^{−1} m_k, e^{−2}V_k + (1 − e^{−2})/2) with the DKW threshold."""
    ou = sdes.OU(theta=1.0, sigma=1.0)
    flow = ou.probability_flow(ou.score(DATA))
    x = ou.marginal(DATA, 0.25).sample(20_000, np.random.default_rng(6))
    sol = pc.particles.integrate_ode(flow, x[:, None], np.linspace(0.25, 1.0, 65))
    e1 = math.exp(-1.0)
    exact = pc.GaussianMixture(
        e1 * DATA.means, np.sqrt(e1**2 * DATA.stds**2 + (1 - e1**2) / 2), DATA.weights
    )
    result = compare.ks_test(sol.samples[-1, :, 0], exact, alpha=ALPHA)
    assert result.passed, result


def test_reverse_sde_is_a_forward_fokker_planck_in_reverse_time():
    """§3.1/§6: with τ = T − t, q_τ = p_{T−τ} solves the forward FP equation with drift
    −(f − ½(g² + s²)∇log p) and diffusion s², for any s ≥ 0 (s = g: the classical reverse SDE
    dx = (f − g²∇log p)dt + g dW̄). Symbolic check on the OU marginal, then pdecheck's
    ``reverse`` run from the exact p_1 down to t = 0.5 (Euler–Maruyama, 512 steps) passes KS
    against the exact p_{0.5}."""
    theta, g = sp.symbols("theta g", positive=True)
    m = x0_ * sp.exp(-theta * t_)
    v = g**2 * (1 - sp.exp(-2 * theta * t_)) / (2 * theta)
    p = _gaussian(m, v)
    score = sp.diff(sp.log(p), x_)
    s2 = s_(t_) ** 2
    drift_rev = -(-theta * x_ - (g**2 + s2) / 2 * score)  # drift in τ
    residual = -sp.diff(p, t_) + sp.diff(drift_rev * p, x_) - s2 / 2 * sp.diff(p, x_, 2)
    assert sp.simplify(residual / p) == 0  # ∂_τ q = −∂_t p

    ou = sdes.OU(theta=1.0, sigma=1.0)
    rev = ou.reverse(ou.score(DATA))
    x1 = ou.marginal(DATA, 1.0).sample(20_000, np.random.default_rng(31))
    sol = pc.particles.integrate_sde(
        rev.drift, rev.diffusion, x1[:, None], np.linspace(1.0, 0.5, 513), seed=32
    )
    result = compare.ks_test(sol.samples[-1, :, 0], ou.marginal(DATA, 0.5), alpha=ALPHA)
    assert result.passed, result


@pytest.mark.parametrize("d", [1, 2, 3])
def test_poisson_field_prior_on_the_plane_z_equals_the_flux_density(d: int):
    """§7.4: on the plane z = Z the prior is ∝ Z/(|x|² + Z²)^{(d+1)/2}. The flux density of a
    unit point charge through that plane is E_z = Z/(S_d (|x|² + Z²)^{(d+1)/2}) (S_d the area
    of the unit sphere in R^{d+1}); half the flux goes up, so p = 2E_z, normalised with
    C_d = 2/S_d = Γ((d+1)/2)/π^{(d+1)/2} (CATALOGUE P1): radial quadrature gives 1 to 1e-10,
    and pdecheck's prior and hyperplane density equal 2E_z."""
    Z = 1.7
    s_d = sphere_area(d + 1)
    radial = integrate.quad(
        lambda r: 2 / s_d * Z * sphere_area(d) * r ** (d - 1) / (r**2 + Z**2) ** ((d + 1) / 2),
        0,
        np.inf,
    )[0]
    assert radial == pytest.approx(1.0, abs=1e-10)
    assert 2 / s_d == pytest.approx(math.gamma((d + 1) / 2) / math.pi ** ((d + 1) / 2), rel=1e-14)

    field = PoissonField(pc.PointMixture(np.zeros((1, d))))
    x = np.random.default_rng(74).normal(0, 2, (12, d))
    e_z = Z / (s_d * (np.sum(x**2, 1) + Z**2) ** ((d + 1) / 2))
    np.testing.assert_allclose(field.prior(Z).pdf(x), 2 * e_z, rtol=1e-12)
    np.testing.assert_allclose(field.hyperplane_density(Z).pdf(x), 2 * e_z, rtol=1e-12)


def test_poisson_field_lines_transport_the_plane_densities():
    """§7.4: moving along field lines, dx/dz = F_x/F_z, carries p_Z to p_z for every z > 0:
    ∂_z p_z + ∇·(p_z F_x/F_z) = 0 (sympy, point charge, d = 1 and 2), and for a point charge
    the lines are straight, x(z) = x(Z) z/Z. For three charges in 1-D the exact p_z has CDF
    F_z(x) = Σ w_i(½ + arctan((x − y_i)/z)/π) (CATALOGUE P5), which pdecheck's velocity field
    must conserve along its lines (RK4, 400 steps from z = 3 to z = 0.3)."""
    for d in (1, 2):
        xs = sp.symbols(f"x1:{d + 1}", real=True)
        r2 = sum(v**2 for v in xs) + z_**2
        e = [v / r2 ** sp.Rational(d + 1, 2) for v in (*xs, z_)]  # (E_x, E_z) up to S_d
        p = 2 * e[-1]
        residual = sp.diff(p, z_) + sum(sp.diff(p * e[i] / e[-1], xs[i]) for i in range(d))
        assert sp.simplify(residual) == 0
        assert all(sp.simplify(e[i] / e[-1] - xs[i] / z_) == 0 for i in range(d))

    charges, weights = np.array([-1.0, 0.3, 1.2]), np.array([0.2, 0.5, 0.3])
    field = PoissonField(pc.PointMixture(charges, weights))

    def cdf(z: float, x: np.ndarray) -> np.ndarray:
        return np.sum(weights * (0.5 + np.arctan((x[:, None] - charges) / z) / np.pi), axis=1)

    u = np.linspace(0.05, 0.95, 19)
    x3 = np.array([brentq(lambda x, uu=uu: cdf(3.0, np.array([x]))[0] - uu, -50, 50) for uu in u])
    sol = pc.particles.integrate_ode(field.velocity, x3[:, None], np.linspace(3.0, 0.3, 401))
    np.testing.assert_allclose(cdf(0.3, sol.samples[-1, :, 0]), u, atol=1e-7)
