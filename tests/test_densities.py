"""pdecheck.densities: normalisation and box probabilities by quadrature, scores by finite
differences of logpdf, sample moments (CLT, false-alarm rate 1e-5 per coordinate, N = 20000,
fixed seed), the Poisson-kernel radius law (DKW, false-alarm rate 1e-4) and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

from pdecheck.densities import Gaussian, GaussianMixture, PointMixture, PoissonKernel, Uniform

ONE_D = {
    "gaussian": Gaussian(0.3, 1.7),
    "uniform": Uniform(-1.0, 2.5),
    "mixture": GaussianMixture([-2.0, 0.5, 3.0], [0.3, 1.0, 0.6], [0.2, 0.5, 0.3]),
    "cauchy": PoissonKernel(0.7, 1, centre=0.4),
}
TWO_D = {
    "gaussian": Gaussian([0.3, -1.0], [0.5, 2.0]),
    "mixture": GaussianMixture([[-1.0, 0.0], [1.0, 1.5]], [0.4, 0.8], [0.35, 0.65]),
    "cauchy": PoissonKernel(1.3, 2),
}
Z = float(special.ndtri(1 - 1e-5 / 2))


def _pdf1(density):
    return lambda u: float(density.pdf(np.array([u]))[0])


@pytest.mark.parametrize("name", ONE_D)
def test_normalised_by_quadrature(name):
    density = ONE_D[name]
    lo, hi = (-1.0, 2.5) if name == "uniform" else (-np.inf, np.inf)
    assert integrate.quad(_pdf1(density), lo, hi, limit=400)[0] == pytest.approx(1.0, abs=1e-8)


@pytest.mark.parametrize("name", ONE_D)
def test_box_probability_and_cdf_match_quadrature(name):
    density = ONE_D[name]
    edges = [(-1.5, -0.2), (0.0, 0.4), (1.1, 3.0)]
    got = density.box_probability([[a] for a, _ in edges], [[b] for _, b in edges])
    want = [
        integrate.quad(_pdf1(density), a, b, points=[-1.0, 2.5] if name == "uniform" else None)[0]
        for a, b in edges
    ]
    np.testing.assert_allclose(got, want, atol=1e-10)
    x = np.array([-0.5, 0.7])
    np.testing.assert_allclose(
        density.cdf(x),
        [integrate.quad(_pdf1(density), -np.inf, u, limit=400)[0] for u in x],
        atol=1e-8,
    )


@pytest.mark.parametrize("name", TWO_D)
def test_score_is_the_gradient_of_logpdf(name):
    """Fourth-order central differences of logpdf (h = 1e-3, error ~1e-11) against score."""
    density = TWO_D[name]
    x = np.random.default_rng(4).normal(size=(15, 2))
    h = 1e-3
    fd = np.zeros_like(x)
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        lp = density.logpdf
        fd[:, j] = (-lp(x + 2 * e) + 8 * lp(x + e) - 8 * lp(x - e) + lp(x - 2 * e)) / (12 * h)
    np.testing.assert_allclose(density.score(x), fd, atol=1e-8)


@pytest.mark.parametrize(
    "density",
    [
        TWO_D["gaussian"],
        TWO_D["mixture"],
        ONE_D["uniform"],
        ONE_D["mixture"],
        PointMixture([[0.0, 1.0], [2.0, -1.0]], [0.25, 0.75]),
    ],
    ids=repr,
)
def test_sample_mean_and_variance_within_clt_bounds(density):
    n = 20000
    x = np.asarray(density.sample(n, 20261123), dtype=float).reshape(n, -1)
    var = np.diag(density.cov())
    assert np.all(np.abs(x.mean(axis=0) - density.mean()) <= Z * np.sqrt(var / n))
    # variance: |s² − σ²| <= z √((μ4 − σ⁴)/N) with the exact central fourth moment μ4
    mu4 = _central4(density)
    assert np.all(np.abs(x.var(axis=0, ddof=1) - var) <= Z * np.sqrt((mu4 - var**2) / n))


def _central4(density):
    """Exact E(X_j − μ_j)⁴ per coordinate: 3σ⁴ (Gaussian), (b − a)⁴/80 (uniform), and for
    mixtures Σ_k w_k (δ⁴ + 6δ²s² + 3s⁴) with δ = m_k − μ (s = 0 for points)."""
    if isinstance(density, Gaussian):
        return 3 * density.std**4
    if isinstance(density, Uniform):
        return (density.high - density.low) ** 4 / 80
    s = density.stds[:, None] if isinstance(density, GaussianMixture) else 0.0
    delta = density.centres - density.mean()
    return density.weights @ (delta**4 + 6 * delta**2 * s**2 + 3 * s**4)


@pytest.mark.parametrize("dim", [1, 3, 10])
def test_poisson_kernel_radius_law(dim):
    """|x|²/(|x|² + z²) ~ Beta(d/2, ½) (CATALOGUE P3): KS distance below the DKW threshold
    √(ln(2/α)/2N) at α = 1e-4."""
    z, n = 2.0, 20000
    x = np.asarray(PoissonKernel(z, dim).sample(n, 9), dtype=float).reshape(n, dim)
    r2 = np.sum(x**2, axis=1)
    u = np.sort(stats.beta(dim / 2, 0.5).cdf(r2 / (r2 + z**2)))
    i = np.arange(1, n + 1)
    ks = max(np.max(i / n - u), np.max(u - (i - 1) / n))
    assert ks <= np.sqrt(np.log(2 / 1e-4) / (2 * n))


def test_bad_input_names_argument_value_rule():
    with pytest.raises(ValueError, match=r"weights=.* sum to .*rule is that weights sum to 1"):
        PointMixture([0.0, 1.0], [0.5, 0.6])
    with pytest.raises(ValueError, match=r"std=-1.0 must be > 0"):
        Gaussian(0.0, -1.0)
    with pytest.raises(ValueError, match=r"n=0 must be a positive integer"):
        Gaussian(0.0, 1.0).sample(0, 1)
    with pytest.raises(ValueError, match=r"need high > low"):
        Uniform(1.0, 0.0)
    with pytest.raises(TypeError, match=r"rng=None"):
        Gaussian(0.0, 1.0).sample(3, None)


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ([-1.0, -2.0], [0.5, 1.0]),
        ([0.3, -np.inf], [2.0, 0.4]),
        ([-np.inf, -np.inf], [0.1, np.inf]),
        ([-np.inf, -np.inf], [np.inf, np.inf]),
    ],
)
def test_poisson_kernel_2d_box_probability_matches_quadrature(lower, upper):
    """The solid-angle closed form against dblquad of the density (tolerance 1e-11 set by
    the quadrature's requested accuracy)."""
    kernel = PoissonKernel(1.3, 2, centre=[0.2, -0.1])
    want = integrate.dblquad(
        lambda y, x: float(kernel.pdf(np.array([[x, y]]))[0]),
        lower[0],
        upper[0],
        lower[1],
        upper[1],
        epsabs=1e-12,
    )[0]
    assert kernel.box_probability([lower], [upper])[0] == pytest.approx(want, abs=1e-11)


def test_poisson_kernel_3d_box_integrates_out_free_coordinates():
    """A 3-D box free in one coordinate is a 2-D box of the 2-D marginal: against tplquad."""
    kernel = PoissonKernel(0.8, 3)
    want = integrate.tplquad(
        lambda z, y, x: float(kernel.pdf(np.array([[x, y, z]]))[0]),
        -0.5,
        0.7,
        -np.inf,
        np.inf,
        0.1,
        1.2,
        epsabs=1e-10,
    )[0]
    got = kernel.box_probability([[-0.5, -np.inf, 0.1]], [[0.7, np.inf, 1.2]])[0]
    assert got == pytest.approx(want, abs=1e-9)
    with pytest.raises(NotImplementedError, match="bounded in 3 coordinates"):
        kernel.box_probability([[0.0, 0.0, 0.0]], [[1.0, 1.0, 1.0]])


@pytest.mark.parametrize(
    "density",
    [
        Gaussian([0.0, 1.0], [0.5, 2.0]),
        GaussianMixture([[-1.0, 0.5], [1.0, 0.0], [0.3, 2.0]], [0.3, 0.5, 0.8], [0.2, 0.5, 0.3]),
        GaussianMixture([-1.0, 2.0], [0.4, 1.0], [0.6, 0.4]),
    ],
)
def test_laplacian_log_is_the_trace_of_the_hessian_of_logpdf(density, rng):
    """Δ log p by second central differences of logpdf (step 1e-4: truncation ~1e-8 · |∂⁴|,
    round-off ~1e-16/1e-8 = 1e-8 per axis) agrees with the closed form to 1e-5."""
    x = rng.normal(size=(7, density.dim))
    h = 1e-4
    numeric = sum(
        (density.logpdf(x + h * e) - 2 * density.logpdf(x) + density.logpdf(x - h * e)) / h**2
        for e in np.eye(density.dim)
    )
    np.testing.assert_allclose(density.laplacian_log(x), numeric, rtol=1e-5, atol=1e-5)
