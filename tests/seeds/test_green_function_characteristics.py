"""Seed: green-function-characteristics (Green's functions by the method of characteristics).

One test per derivation: eq. 8 (the field of a trajectory family), eq. 12 (its density along the
characteristics), eq. 14 (the marginal field as a posterior average), the straight-line /
uniform-prior example (eq. "simplest-x1" and the seed's plot: data {0.5, 0.5, 1.2, 1.7}, prior
U[0, 2]) and the generalisation x_t = μ_t(x_0) + σ_t x_1. Each derivation is re-derived in
sympy (the reason the expected values hold) and then compared with pdecheck's implementation.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import pdecheck as pc
from pdecheck.paths import AffinePath, CharacteristicPath, GeneralAffinePath
from pdecheck.testing import assert_order

t_, x_, y_, k_ = sp.symbols("t x y k", positive=True)
q_ = sp.Function("q")
#: the nonlinear 2-D trajectory family of CATALOGUE G2
PHI_2D = sp.Matrix([sp.exp(-k_ * t_) * x_, y_ - t_ * x_**2 + x_ * sp.sin(t_)])
K = 0.7


def _eq8(phi: sp.Matrix, xs: list[sp.Symbol]) -> sp.Matrix:
    """Seed eq. 8: f_t(x|x_0) = −(∂φ/∂x)⁻¹ ∂φ/∂t."""
    return -phi.jacobian(xs).inv() * phi.diff(t_)


def test_eq8_field_keeps_the_trajectory_label_constant_and_matches_the_library():
    """Eq. 8 is d/dt φ_t(x_t|x_0) = 0 solved for dx/dt: along f, ∂_tφ + (∂_xφ) f = 0 exactly
    (sympy), and CharacteristicPath.conditional_field (which differentiates φ numerically,
    fourth-order central differences) agrees with the symbolic f to 1e-7."""
    xs = [x_, y_]
    f = _eq8(PHI_2D, xs)
    assert sp.simplify(PHI_2D.diff(t_) + PHI_2D.jacobian(xs) * f) == sp.zeros(2, 1)

    f_num = sp.lambdify((t_, x_, y_), f.subs(k_, K), "numpy")

    def phi(t: float, x: np.ndarray, x0: np.ndarray) -> np.ndarray:
        return np.stack(
            [np.exp(-K * t) * x[:, 0], x[:, 1] - t * x[:, 0] ** 2 + x[:, 0] * np.sin(t)], 1
        )

    path = CharacteristicPath(phi, prior=pc.Gaussian(np.zeros(2), 1.0))
    pts = np.random.default_rng(8).uniform(-1.5, 1.5, (7, 2))
    for t in (0.2, 0.5, 0.9):
        expected = np.asarray(f_num(t, pts[:, 0], pts[:, 1]), dtype=float).reshape(2, -1).T
        got = path.conditional_field(t, pts, np.zeros(2))
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-7)


def test_eq12_density_solves_the_continuity_equation_for_any_prior():
    """Eq. 12, p_t(x|x_0) = p_T(φ_t(x|x_0)) |det ∂φ/∂x|, with the eq. 8 field: the residual
    ∂_t p + ∇·(f p) vanishes identically for an arbitrary prior q (sympy, nonlinear 2-D family),
    and the characteristic form p_T(x_T) exp(∫_t^T ∇·f ds) gives σ_t^{−d} for affine paths."""
    xs = [x_, y_]
    f = _eq8(PHI_2D, xs)
    p = q_(*PHI_2D) * PHI_2D.jacobian(xs).det()
    residual = sp.diff(p, t_) + sp.diff(f[0] * p, x_) + sp.diff(f[1] * p, y_)
    assert sp.simplify(residual) == 0

    s, d = sp.Function("sigma"), sp.Symbol("d", positive=True)
    div_f = d * sp.diff(s(t_), t_) / s(t_)  # ∇·f for f = μ̇ + (σ̇/σ)(x − μ)
    # ∫_t^T d σ̇/σ ds = d ln(σ_T/σ_t); with σ_T = 1 the weight is σ_t^{−d}
    antiderivative = sp.integrate(div_f, t_)
    weight = sp.exp(-antiderivative).subs(s(t_), sp.Symbol("sigma_t", positive=True))
    assert sp.simplify(weight - sp.Symbol("sigma_t", positive=True) ** (-d)) == 0


def test_eq12_library_density_matches_the_pullback_formula():
    """CharacteristicPath.conditional_density equals q(φ)|det ∂φ/∂x| (lambdified sympy) for a
    standard Gaussian q; the library differentiates φ numerically (error ≲ 1e-8 relative)."""
    q = sp.exp(-(PHI_2D[0] ** 2 + PHI_2D[1] ** 2) / 2) / (2 * sp.pi)
    p_num = sp.lambdify((t_, x_, y_), (q * PHI_2D.jacobian([x_, y_]).det()).subs(k_, K), "numpy")

    def phi(t: float, x: np.ndarray, x0: np.ndarray) -> np.ndarray:
        return np.stack(
            [np.exp(-K * t) * x[:, 0], x[:, 1] - t * x[:, 0] ** 2 + x[:, 0] * np.sin(t)], 1
        )

    path = CharacteristicPath(phi, prior=pc.Gaussian(np.zeros(2), 1.0))
    pts = np.random.default_rng(12).uniform(-1.5, 1.5, (9, 2))
    for t in (0.3, 0.8):
        np.testing.assert_allclose(
            path.conditional_density(t, pts, np.zeros(2)), p_num(t, pts[:, 0], pts[:, 1]), rtol=1e-6
        )


def test_eq14_marginal_field_is_the_posterior_average_and_solves_continuity():
    """Eq. 14: f_t(x) = Σ w_i f_t(x|x_i) p_t(x|x_i) / Σ w_i p_t(x|x_i). For a cosine path with a
    Gaussian prior, p_t(x|x_i) = N(x; α_t x_i, σ_t²) in closed form; the library's marginal
    field equals the weighted average, and ∂_t p + ∂_x(f p) = 0 by central differences
    (step 1e-4: truncation ~1e-8 against terms of order 1)."""
    path = AffinePath(pc.schedules.Cosine(), prior=pc.Gaussian(0.0, 1.0))
    xi, w = np.array([-1.0, 0.25, 1.5]), np.array([0.5, 0.3, 0.2])
    data = pc.PointMixture(xi, w)
    field = path.marginal_field(data)
    x = np.linspace(-2.5, 2.5, 41)

    def terms(t: float) -> tuple[np.ndarray, np.ndarray]:
        a, da = np.cos(np.pi * t / 2), -np.pi / 2 * np.sin(np.pi * t / 2)
        s, ds = np.sin(np.pi * t / 2), np.pi / 2 * np.cos(np.pi * t / 2)
        dev = x[:, None] - a * xi[None, :]
        pc_ = w * np.exp(-0.5 * (dev / s) ** 2) / (np.sqrt(2 * np.pi) * s)
        fc = da * xi + ds / s * dev  # f_t(x|x_i), DESIGN.md "Affine path"
        return pc_.sum(1), (fc * pc_).sum(1) / pc_.sum(1)

    h = 1e-4
    for t in (0.3, 0.6):
        _, f = terms(t)
        np.testing.assert_allclose(field(t, x[:, None])[:, 0], f, rtol=1e-10, atol=1e-12)
        dp_dt = (terms(t + h)[0] - terms(t - h)[0]) / (2 * h)
        xp, xm = x + h, x - h
        fp = field(t, xp[:, None])[:, 0] * path.marginal(data, t).pdf(xp)
        fm = field(t, xm[:, None])[:, 0] * path.marginal(data, t).pdf(xm)
        residual = dp_dt + (fp - fm) / (2 * h)
        assert np.max(np.abs(residual)) < 1e-6 * max(1.0, float(np.max(np.abs(dp_dt))))


SEED_DATA = [0.5, 0.5, 1.2, 1.7]


def _seed_cdf(t: float, x: np.ndarray) -> np.ndarray:
    """CATALOGUE A5: F_t(x) = Σ_i w_i clip((x − (1−t)x_i)/(2t), 0, 1), the CDF of
    (1−t)x_0 + t x_1 with x_1 ~ U[0, 2] (a mixture of uniform boxes)."""
    xi = np.array(SEED_DATA)
    return np.mean(np.clip((x[:, None] - (1 - t) * xi) / (2 * t), 0.0, 1.0), axis=1)


def test_straight_line_uniform_prior_example_marginals_field_and_gaps():
    """Seed eq. "simplest-x1": x_t = (1−t)x_0 + t x_1, f_t(x|x_0) = (x − x_0)/t, p_t(x|x_0) =
    p_1(·)/t. With the seed's data and U[0, 2]: the marginal CDF is the box mixture above, the
    field at t = 1 is x − E[x_0] = x − 0.975, and between the 1.2- and 1.7-boxes there is a gap
    (no mass) for t < 0.2 (box ends (1−t)1.2 + 2t < (1−t)1.7 ⇔ t < 0.2)."""
    path = AffinePath(pc.schedules.Linear(), prior=pc.Uniform(0.0, 2.0))
    data = pc.PointMixture(SEED_DATA)
    x = np.linspace(-0.2, 2.2, 49)
    for t in (0.1, 0.5, 1.0):
        np.testing.assert_allclose(path.marginal(data, t).cdf(x), _seed_cdf(t, x), atol=1e-12)
    field = path.marginal_field(data)
    inside = np.linspace(0.05, 1.95, 20)
    np.testing.assert_allclose(field(1.0, inside[:, None])[:, 0], inside - 0.975, atol=1e-12)
    t = 0.1
    gap = np.array([0.5 * ((1 - t) * 1.2 + 2 * t + (1 - t) * 1.7)])
    assert float(path.marginal(data, t).pdf(gap)[0]) == 0.0


def test_straight_line_example_trajectories_preserve_quantiles():
    """The seed's plot: particles started on U[0, 2] at t = 1 and integrated backward with the
    marginal field end in the box of the data point their quantile selects, at the quantile
    (1-D flows preserve quantiles: X_t = F_t⁻¹(X_1/2), CATALOGUE A5).

    The field jumps where box edges cross a particle, so RK4's local error at each crossing is
    O(h) and the global error O(h): the quantile error must fall at order 1 (not 4) over
    4 refinements. Quantiles within 0.02 of the separatrices u = 1/2, 3/4 are left out (they end
    in the gap between boxes, where the field is undefined)."""
    path = AffinePath(pc.schedules.Linear(), prior=pc.Uniform(0.0, 2.0))
    field = path.marginal_field(pc.PointMixture(SEED_DATA))
    u = np.linspace(0.01, 0.99, 99)
    u = u[(np.abs(u - 0.5) > 0.02) & (np.abs(u - 0.75) > 0.02)]
    steps, errors = [200, 400, 800, 1600, 3200], []
    for n in steps:
        sol = pc.particles.integrate_ode(field, 2.0 * u[:, None], np.linspace(1.0, 0.05, n + 1))
        end = sol.samples[-1, :, 0]
        errors.append(float(np.max(np.abs(_seed_cdf(0.05, end) - u))))
    # at t = 0.05 each box is [(1 − t) x_i, (1 − t) x_i + 2t]
    target = np.where(u < 0.5, 0.5, np.where(u < 0.75, 1.2, 1.7))
    assert np.all((end >= 0.95 * target) & (end <= 0.95 * target + 0.1))
    assert_order((0.95 / np.array(steps), errors), expected=1.0)


def test_generalisation_mu_sigma_path_solves_continuity_and_matches_the_library():
    """x_t = μ_t(x_0) + σ_t x_1 (the seed's "一般推广"): eq. 8 gives f = μ̇ + (σ̇/σ)(x − μ) and
    eq. 12 gives p = q((x − μ)/σ)/σ; sympy checks f and the continuity residual for arbitrary
    μ, σ, q. The library's GeneralAffinePath with μ_t = (1−t)x_0 + t(1−t)x_0², σ_t = t and a
    Gaussian q reproduces both formulas."""
    mu, s = sp.Function("mu"), sp.Function("sigma")
    phi = (x_ - mu(t_)) / s(t_)
    f = -sp.diff(phi, t_) / sp.diff(phi, x_)
    p = q_(phi) / s(t_)
    assert sp.simplify(f - (sp.diff(mu(t_), t_) + sp.diff(s(t_), t_) / s(t_) * (x_ - mu(t_)))) == 0
    assert sp.simplify(sp.diff(p, t_) + sp.diff(f * p, x_)) == 0

    path = GeneralAffinePath(
        mu=lambda t, x0: (1 - t) * x0 + t * (1 - t) * x0**2,
        dmu=lambda t, x0: -x0 + (1 - 2 * t) * x0**2,
        sigma=pc.schedules.Linear(),
        prior=pc.Gaussian(0.0, 1.0),
    )
    x0 = np.array([0.8])
    x = np.linspace(-2.0, 2.0, 17)
    for t in (0.25, 0.75):
        m = (1 - t) * 0.8 + t * (1 - t) * 0.64
        dm = -0.8 + (1 - 2 * t) * 0.64
        np.testing.assert_allclose(
            path.conditional_density(t, x[:, None], x0),
            np.exp(-0.5 * ((x - m) / t) ** 2) / (np.sqrt(2 * np.pi) * t),
            rtol=1e-12,
        )
        np.testing.assert_allclose(
            path.conditional_field(t, x[:, None], x0)[:, 0], dm + (x - m) / t, rtol=1e-12
        )
