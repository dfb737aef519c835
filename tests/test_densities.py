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
    ("lower", "upper", "pattern"),
    [
        ([[0, 1, 2]], [[1, 2, 3]], r"lower has shape \(1, 3\); it must be \(n, 2\)"),
        ([[0, 1]], [[1, 2, 3]], r"upper has shape \(1, 3\); it must be \(n, 2\)"),
        ([[0, 1]], [[1, 2], [2, 3]], r"lower has shape \(1, 2\) but upper has \(2, 2\)"),
    ],
)
def test_gaussian_mixture_box_probability_names_bad_corners(lower, upper, pattern):
    """The mixture checks its box corners as every density does (``_boxes``): the wrong width
    was NumPy's "cannot reshape array of size 3 into shape (2)"."""
    with pytest.raises(ValueError, match=pattern):
        GaussianMixture([[0.0, 1.0]], 1.0).box_probability(lower, upper)


def test_gaussian_mixture_box_probability_takes_flat_corners_in_1d():
    """In 1-D, P(a < X <= b) = Σ w_k (Φ((b − m_k)/s_k) − Φ((a − m_k)/s_k)) from flat corners."""
    mix = GaussianMixture([0.0, 1.0], [1.0, 0.5], [0.3, 0.7])
    want = [
        0.3 * (special.ndtr(b) - special.ndtr(a))
        + 0.7 * (special.ndtr((b - 1) / 0.5) - special.ndtr((a - 1) / 0.5))
        for a, b in ((-1.0, 0.5), (0.2, 2.0))
    ]
    np.testing.assert_allclose(mix.box_probability([-1.0, 0.2], [0.5, 2.0]), want, rtol=1e-13)


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


# -- far tails, bounds and argument checks -------------------------------------------------


def _kernel_tail(d, z, radius):
    """P(|X| > R) of the d-dimensional Poisson kernel in closed form (no cancellation for
    R ≫ z): (2/π) arctan(z/R) in 1-D, z/√(R² + z²) in 2-D, (2/π)(arctan(z/R) + zR/(R² + z²))
    in 3-D (I_y(½, 3/2) with y = sin²θ, θ = arctan(z/R): ∫ 2cos²θ dθ / B(½, 3/2))."""
    q = z / radius
    if d == 1:
        return 2 / np.pi * np.arctan(q)
    if d == 2:
        return q / np.sqrt(1 + q * q)
    return 2 / np.pi * (np.arctan(q) + q / (1 + q * q))


@pytest.mark.parametrize("d", [1, 2, 3])
def test_poisson_kernel_tail_keeps_relative_accuracy_far_out(d):
    """tail_probability against the closed forms to 1e-12 relative out to R = 1e200 z (the
    complement 1 − I_x(d/2, ½) with x = R²/(R² + z²) rounded to 0 beyond R ~ 1e8)."""
    z = 1.3
    radii = np.array([0.5, 3.0, 1e4, 1e6, 1e8, 1e9, 1e12, 1e200])
    got = PoissonKernel(z, d, centre=np.full(d, 0.4)).tail_probability(radii)
    np.testing.assert_allclose(got, _kernel_tail(d, z, radii), rtol=1e-12, atol=0)
    assert PoissonKernel(z, d).tail_probability([0.0, np.inf]).tolist() == [1.0, 0.0]


@pytest.mark.parametrize("d", [1, 2, 3])
def test_poisson_kernel_tail_matches_the_radial_integral_at_30_digits(d):
    """An independent check of the closed forms above: ∫_R^∞ S_{d−1} C_d z r^{d−1}
    (r² + z²)^{−(d+1)/2} dr by mpmath at 30 digits."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    z = mpmath.mpf("1.3")
    c_d = mpmath.gamma(mpmath.mpf(d + 1) / 2) / mpmath.pi ** (mpmath.mpf(d + 1) / 2)
    area = 2 * mpmath.pi ** (mpmath.mpf(d) / 2) / mpmath.gamma(mpmath.mpf(d) / 2)
    kernel = PoissonKernel(1.3, d)
    for radius in ("0.7", "1e5", "1e9"):
        R = mpmath.mpf(radius)
        want = mpmath.quad(
            lambda r: area * c_d * z * r ** (d - 1) / (r * r + z * z) ** (mpmath.mpf(d + 1) / 2),
            [R, 10 * R, mpmath.inf],
        )
        got = kernel.tail_probability(np.array([float(R)]))[0]
        assert got == pytest.approx(float(want), rel=1e-12)


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("tol", [1e-300, 1e-20, 1e-12, 1e-9, 1e-6, 0.3, 0.999])
def test_poisson_kernel_bounds_are_finite_and_leave_tol_outside(d, tol):
    """The radius R of bounds(tol) has closed-form tail tol (1e-10 relative); in 1-D
    R = z/tan(π tol/2) and in 2-D R = z√(1 − tol²)/tol exactly (6.4e11 z in 1-D at 1e-12)."""
    z, centre = 0.7, np.linspace(-1.0, 1.0, d)
    lo, hi = PoissonKernel(z, d, centre=centre).bounds(tol)
    radius = hi - centre
    assert np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))
    np.testing.assert_allclose(centre - lo, radius, rtol=1e-12)
    assert _kernel_tail(d, z, radius[0]) == pytest.approx(tol, rel=1e-10)
    if d == 1:
        assert radius[0] == pytest.approx(z / np.tan(np.pi * tol / 2), rel=1e-12)
    if d == 2:
        assert radius[0] == pytest.approx(z * np.sqrt(1 - tol**2) / tol, rel=1e-12)


def test_poisson_kernel_default_bounds_in_1d():
    """bounds() at tol = 1e-12: ±1/tan(π·1e-12/2) = ±6.366e11 (was ±inf)."""
    lo, hi = PoissonKernel(1.0, 1).bounds()
    assert hi[0] == pytest.approx(1 / np.tan(np.pi * 0.5e-12), rel=1e-12)
    assert lo[0] == -hi[0]
    assert PoissonKernel(1.0, 1).bounds(1e-6)[1][0] == pytest.approx(636619.772367581, rel=1e-12)


@pytest.mark.parametrize(
    "points",
    [
        PointMixture([0.0, 1.0]),
        PointMixture([-2.5, 3.0, 7.0], [0.2, 0.3, 0.5]),
        PointMixture([[0.0, 1.0], [1.0, -2.0]]),
        PointMixture([[1e-3, 5.0]]),
    ],
)
def test_point_mixture_bounds_hold_every_point(points):
    """Boxes are half-open (lower, upper]: the box of bounds() holds all the mass (a point on
    the lower face used to fall outside: 0.5 for [0, 1]); a grid built from it holds it too."""
    from pdecheck.grid.mesh import Grid

    lo, hi = points.bounds()
    assert points.box_probability(lo, hi)[0] == 1.0
    assert np.all(lo < points.points.min(axis=0)) and np.all(hi == points.points.max(axis=0))
    if np.all(hi > lo + 1e-3):
        assert Grid.for_density(points, 8).outside_mass(points) == 0.0


@pytest.mark.parametrize(
    ("kernel", "lower", "upper"),
    [
        (PoissonKernel(1.0), [1.0], [0.0]),
        (PoissonKernel(0.5, 1, centre=2.0), [3.0], [-np.inf]),
        (PoissonKernel(1.0, 2), [[1.0, 1.0]], [[0.0, 0.0]]),
        (PoissonKernel(1.0, 2), [[0.0, 1.0]], [[1.0, 0.0]]),
        (PoissonKernel(1.0, 2), [[0.0, 0.0]], [[1.0, 0.0]]),
        (PoissonKernel(1.0, 3), [[0.0, 0.0, 1.0]], [[1.0, 1.0, 0.0]]),
    ],
)
def test_poisson_kernel_empty_box_has_probability_zero(kernel, lower, upper):
    """A box with upper <= lower in a coordinate is empty: 0, as Gaussian gives (was −0.25
    for (1, 0] in 1-D and 1/12 for an inverted 2-D box)."""
    assert kernel.box_probability(lower, upper).tolist() == [0.0]
    gauss = Gaussian(np.zeros(kernel.dim), 1.0)
    assert gauss.box_probability(lower, upper).tolist() == [0.0]


def test_poisson_kernel_box_probability_stays_exact_next_to_empty_boxes():
    """Boxes of one call are answered independently: (0, 1] keeps arctan(1)/π = ¼."""
    got = PoissonKernel(1.0).box_probability([1.0, 0.0], [0.0, 1.0])
    np.testing.assert_allclose(got, [0.0, 0.25], rtol=1e-15)


BOUNDED = {
    "gaussian": Gaussian(0.3, 1.7),
    "gaussian-2d": Gaussian([0.0, 1.0], [0.5, 2.0]),
    "mixture": GaussianMixture([-2.0, 3.0], [0.3, 0.6], [0.4, 0.6]),
    "uniform": Uniform(-1.0, 2.5),
    "points": PointMixture([0.0, 1.0]),
    "cauchy": PoissonKernel(0.7, 2),
}


@pytest.mark.parametrize("name", BOUNDED)
@pytest.mark.parametrize("tol", [0, 0.0, 1.0, -1, 3, float("nan"), "a", None, True])
def test_bounds_refuse_a_tol_outside_the_open_unit_interval(name, tol):
    """bounds(0) gave ±inf, bounds(-1) and bounds(3) NaN, bounds('a') a bare TypeError."""
    with pytest.raises(ValueError, match=r"tol=.* must be a probability in the open interval"):
        BOUNDED[name].bounds(tol)


@pytest.mark.parametrize("tol", [1e-12, 1e-100, 1e-300, 1e-320])
def test_gaussian_bounds_stay_finite_for_tiny_tol(tol):
    """Half-width h with 2d·Q(h) = tol, Q(h) = erfc(h/√2)/2 evaluated by mpmath at 30 digits
    (1 − tol/2d rounded to 1 below 1e-16 and gave ±inf)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    for density in (Gaussian([0.0, 1.0], [0.5, 2.0]), GaussianMixture([-1.0, 2.0], [0.5, 1.0])):
        lo, hi = density.bounds(tol)
        assert np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))
        std = density.std[0] if isinstance(density, Gaussian) else density.stds[0]
        centre = density.loc[0] if isinstance(density, Gaussian) else density.means[0, 0]
        h = (centre - lo[0]) / std
        outside = 2 * density.dim * mpmath.erfc(mpmath.mpf(h) / mpmath.sqrt(2)) / 2
        assert float(outside) == pytest.approx(tol, rel=1e-9 if tol > 1e-300 else 1e-3)


@pytest.mark.parametrize(
    ("low", "high"),
    [(-1e308, 1e308), ([-1e200, 0.0], [1e200, 1e200]), ([0.0, 0.0], [1e-200, 1e-200])],
)
def test_uniform_refuses_a_box_whose_volume_is_not_a_finite_positive_number(low, high):
    """Uniform(-1e308, 1e308) had volume inf and pdf 0 everywhere; a 1e-200 square volume 0."""
    with pytest.raises(ValueError, match=r"low=.*high=.*rule is a finite volume"):
        Uniform(low, high)


@pytest.mark.parametrize(
    ("make", "exc", "pattern"),
    [
        (lambda: Gaussian(0.0, "2.0"), TypeError, r"std='2.0' must be a real number"),
        (lambda: Gaussian("0", 1.0), TypeError, r"mean='0' must be a real number"),
        (lambda: Gaussian(0.0, True), TypeError, r"std=True must be a real number"),
        (lambda: Gaussian(0.0, None), TypeError, r"std=None must be a real number"),
        (lambda: Gaussian(0.0, [[1, 2]]), ValueError, r"std=\[\[1 2\]\] has shape \(1, 2\)"),
        (lambda: Uniform("0", 1.0), TypeError, r"low='0' must be a real number"),
        (lambda: PointMixture(["0", "1"]), TypeError, r"points=.* must be a real number"),
        (lambda: PointMixture([0.0, 1.0], ["0.5", "0.5"]), TypeError, r"weights=.* real"),
        (lambda: GaussianMixture([0.0, 1.0], "0.3"), TypeError, r"stds='0.3' must be a real"),
        (lambda: PoissonKernel("1"), TypeError, r"z='1' must be a real number"),
        (lambda: PoissonKernel([1.0, 2.0]), ValueError, r"z=\[1. 2.\] must be a scalar"),
        (lambda: PoissonKernel(1.0, 2, centre=["a", "b"]), TypeError, r"centre=.* real"),
    ],
)
def test_parameters_refuse_strings_bools_none_and_wrong_shapes(make, exc, pattern):
    """Gaussian(0, '2.0') used to give std = 2 and std=[[1, 2]] NumPy's axis-remapping
    error: each now names the argument, its value and the rule."""
    with pytest.raises(exc, match=pattern):
        make()


def test_parameters_still_take_ints_numpy_numbers_and_arrays():
    assert Gaussian(0, 2).std.tolist() == [2.0]
    assert Gaussian(np.float32(1.0), np.int64(3)).std.tolist() == [3.0]
    assert Gaussian(np.zeros(2), np.array([1, 2])).std.tolist() == [1.0, 2.0]
    assert Gaussian(0.0, np.array(2.0)).std.tolist() == [2.0]
    assert Uniform(np.array([0, 0]), [1, 2]).volume == 2.0
    assert PointMixture(np.arange(3), np.array([1, 1, 2]) / 4).weights.tolist() == [
        0.25,
        0.25,
        0.5,
    ]
    assert PoissonKernel(np.float64(0.5), np.int64(2)).z == 0.5


def test_tied_components_far_away_keep_responsibilities_summing_to_1():
    """Two identical components N(0.5, 1e-16): at x = −2 their log-weights are ≈ −3e16 and
    e^{l − logsumexp(l)} gave each r ≈ 1 (sum 2, score 2× too large). The score of the mixture
    is that of one component, (0.5 − x)/σ² = 2.5e16."""
    mix = GaussianMixture([0.5, 0.5], 1e-8)
    x = np.array([[-2.0]])
    np.testing.assert_allclose(mix.responsibilities(x), [[0.5, 0.5]], rtol=1e-15)
    np.testing.assert_allclose(mix.score(x), [[2.5e16]], rtol=1e-12)
