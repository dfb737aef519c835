"""Closed forms of Langevin sampling (pdecheck.exact.langevin), each re-derived here."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

import pdecheck as pc
from pdecheck import cases
from pdecheck.exact import langevin as L


def test_ula_stationary_variance_symbolic():
    """The ULA chain on N(m, s²) is X' − m = a(X − m) + √ε Z, a = 1 − ε/(2s²); its stationary
    variance solves v = a² v + ε, and the solution is s²/(1 − ε/(4s²))."""
    eps, s, v = sp.symbols("epsilon s v", positive=True)
    a = 1 - eps / (2 * s**2)
    (sol,) = sp.solve(sp.Eq(v, a**2 * v + eps), v)
    assert sp.simplify(sol - s**2 / (1 - eps / (4 * s**2))) == 0
    # and the closed form is what the module returns
    for sv, ev in [(0.8, 0.1), (2.0, 3.0), (0.3, 0.35)]:
        expected = float(sp.sqrt(sol).subs({s: sv, eps: ev}))
        assert L.ula_stationary_std(sv, ev)[0] == pytest.approx(expected, rel=1e-14)


def test_ula_transient_law_satisfies_the_recursion():
    """Mean and variance after n steps, m_n = m + aⁿ(m₀ − m) and
    V_n = a²ⁿ V₀ + v(1 − a²ⁿ), satisfy m_{n+1} = m + a(m_n − m), V_{n+1} = a² V_n + ε."""
    eps, s, m, m0, v0 = sp.symbols("epsilon s m m0 V0", positive=True)
    a = sp.Symbol("a", real=True)
    n = sp.Symbol("n", integer=True, nonnegative=True)
    v = eps / (1 - a**2)  # = s²/(1 − ε/(4s²)) at a = 1 − ε/(2s²), test above
    mean = lambda k: m + a**k * (m0 - m)  # noqa: E731
    var = lambda k: a ** (2 * k) * v0 + v * (1 - a ** (2 * k))  # noqa: E731
    assert sp.simplify(sp.expand(mean(n + 1) - (m + a * (mean(n) - m)))) == 0
    assert sp.simplify(sp.expand(var(n + 1) - (a**2 * var(n) + eps))) == 0
    a_ula = 1 - eps / (2 * s**2)
    assert sp.simplify(v.subs(a, a_ula) - s**2 / (1 - eps / (4 * s**2))) == 0
    mean_n, var_n = mean(n).subs(a, a_ula), var(n).subs(a, a_ula)
    law = L.ula_gaussian_law(pc.Gaussian(0.5, 0.8), 0.1, pc.Gaussian(-1.0, 0.3), 7)
    subs = {eps: 0.1, s: 0.8, m: 0.5, m0: -1.0, v0: 0.09, n: 7}
    assert law.loc[0] == pytest.approx(float(mean_n.subs(subs)), rel=1e-13)
    assert law.std[0] ** 2 == pytest.approx(float(var_n.subs(subs)), rel=1e-13)


def test_ula_rejects_unstable_steps():
    with pytest.raises(ValueError, match=r"eps=4.0 must be < 4 s²"):
        L.ula_stationary_std(1.0, 4.0)
    with pytest.raises(ValueError, match="eps"):
        L.ula_contraction(1.0, -0.1)


@pytest.mark.parametrize(
    "data",
    [
        pc.PointMixture([-1.0, 0.5, 2.0], [0.3, 0.5, 0.2]),
        pc.GaussianMixture([-1.0, 1.5], [0.4, 0.7], [0.6, 0.4]),
        pc.Gaussian(0.3, 0.6),
    ],
)
def test_perturbed_is_the_convolution(data):
    """q_σ(x) = ∫ p_data(y) N(x − y; 0, σ²) dy by quadrature (sums over atoms for points), and
    its score is the derivative of its log (central differences, h = 1e-5)."""
    sigma = 0.35
    q = L.perturbed(data, sigma)
    x = np.array([-1.7, -0.2, 0.9, 2.4])
    kernel = lambda y, xv: np.exp(-0.5 * ((xv - y) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))  # noqa: E731
    if isinstance(data, pc.PointMixture):
        direct = np.array([np.sum(data.weights * kernel(data.points[:, 0], xv)) for xv in x])
    else:
        direct = np.array(
            [
                integrate.quad(
                    lambda y, xv=xv: data.pdf(np.array([y]))[0] * kernel(y, xv),
                    -10,
                    10,
                    epsabs=0,
                    epsrel=1e-12,
                    limit=200,
                )[0]
                for xv in x
            ]
        )
    np.testing.assert_allclose(q.pdf(x), direct, rtol=1e-9)
    h = 1e-5
    fd = (q.logpdf(x + h) - q.logpdf(x - h)) / (2 * h)
    np.testing.assert_allclose(q.score(x), fd, rtol=1e-7, atol=1e-8)


def test_perturbed_rejects_other_data():
    with pytest.raises(TypeError, match="closed form"):
        L.perturbed(pc.Uniform(0.0, 1.0), 0.5)
    with pytest.raises(ValueError, match="sigma"):
        L.perturbed(pc.Gaussian(0.0, 1.0), 0.0)


def test_gibbs_density_normalised_and_discrete_steady_state():
    """Z by quadrature: total mass 1. Cell values p_i ∝ exp(−U_i/D) make the Scharfetter–Gummel
    (Chang–Cooper) flux J = (D/h)[B(−Pe) p_i − B(Pe) p_{i+1}], Pe = −ΔU/D, B(z) = z/(eᶻ − 1),
    vanish on every face: B(−z) = eᶻ B(z) and p_{i+1}/p_i = e^{Pe}."""
    g = L.GibbsDensity(L.double_well, 0.25, -2.5, 2.5, force=L.double_well_force)
    edges = np.linspace(-2.5, 2.5, 51)
    assert g.box_probability(edges[:-1], edges[1:]).sum() == pytest.approx(1.0, abs=1e-11)
    centres = np.linspace(-2.45, 2.45, 50)
    h = centres[1] - centres[0]
    p = g.cell_values(centres)
    assert p.sum() * h == pytest.approx(1.0, abs=1e-13)
    u = L.double_well(centres)
    pe = -np.diff(u) / 0.25

    def bern(z):
        return np.where(np.abs(z) < 1e-8, 1.0 - z / 2, z / np.expm1(np.where(z == 0, 1.0, z)))

    flux = 0.25 / h * (bern(-pe) * p[:-1] - bern(pe) * p[1:])
    assert np.max(np.abs(flux)) < 1e-12 * np.max(p) / h
    # score = −U'/D, against the log-density derivative
    x = np.array([-1.3, 0.2, 0.9])
    fd = (g.logpdf(x + 1e-6) - g.logpdf(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(g.score(x), fd, rtol=1e-6)


def test_gibbs_density_mass_ratio_of_wells():
    """For the symmetric double well each half carries exactly half the mass."""
    g = L.GibbsDensity(L.double_well, 0.25, -2.5, 2.5)
    assert g.box_probability([-2.5], [0.0])[0] == pytest.approx(0.5, abs=1e-12)


def test_cases_registered_and_consistent():
    """L5's continuous-time marginal tends to the target; L6's marginal at t = σ² is q_σ; L7's
    stationary density is the Gibbs density."""
    ids = [c.id for c in cases.all_cases()]
    assert {"L5", "L6", "L7"} <= set(ids)
    p5 = cases.get("L5").problem()
    far = p5.marginal(200.0)
    assert far.loc[0] == pytest.approx(0.5, abs=1e-12) and far.std[0] == pytest.approx(
        0.8, abs=1e-12
    )
    assert p5.notes["ula_stationary_std"] == pytest.approx(0.8 / np.sqrt(1 - 0.1 / (4 * 0.64)))
    p6 = cases.get("L6").problem()
    q = p6.marginal(0.25)
    x = np.linspace(-2, 3, 7)
    direct = sum(
        w * np.exp(-0.5 * (x - c) ** 2 / 0.25) / np.sqrt(2 * np.pi * 0.25)
        for c, w in zip([-1.0, 0.5, 2.0], [0.3, 0.5, 0.2], strict=True)
    )
    np.testing.assert_allclose(q.pdf(x), direct, rtol=1e-12)
    g = cases.get("L7").problem().notes["stationary"]
    ratio = g.pdf(np.array([1.0]))[0] / g.pdf(np.array([0.0]))[0]
    assert ratio == pytest.approx(np.exp((1.0 - 0.0) / 0.25), rel=1e-12)  # e^{−(U(1) − U(0))/D}


def test_annealed_law_single_level_is_ula():
    data = pc.Gaussian(0.0, 0.5)
    start = pc.Gaussian(0.0, 2.0)
    one = L.annealed_gaussian_law(data, [1.0], [0.2], 30, start)
    direct = L.ula_gaussian_law(L.perturbed(data, 1.0), 0.2, start, 30)
    assert one.std[0] == pytest.approx(direct.std[0], rel=1e-15)
