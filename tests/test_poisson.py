"""pdecheck.poisson: field normalisation (P1), field lines (P2, P5), radius law (P3),
hemisphere flux (P4), Gauss's law without augmentation, compiled velocity, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

import pdecheck as pc
from pdecheck.poisson import PoissonField, PoissonKernelMixture, log_sphere_area, sphere_area

THREE_2D = pc.PointMixture([[0.3, 0.1], [-0.5, 0.2], [0.1, -0.4]], [0.5, 0.3, 0.2])
A5 = pc.PointMixture([0.5, 1.2, 1.7], [0.5, 0.25, 0.25])


@pytest.mark.parametrize("d", [1, 2, 3])
def test_twice_the_normal_field_is_the_hyperplane_density(d, rng):
    """P1: 2 E_z (normalised by S_d) equals Σ w P_z (normalised by C_d = 2/S_d): two
    independent normalisations, so this checks C_d."""
    data = pc.PointMixture(rng.normal(size=(3, d)), [0.2, 0.3, 0.5])
    pf = PoissonField(data)
    x = rng.normal(size=(6, d))
    for z in (0.05, 1.0, 20.0):
        _, ez = pf.field(x, z)
        assert np.allclose(2 * ez, pf.hyperplane_density(z).pdf(x), rtol=1e-12)


def test_point_charge_field_lines_are_straight(rng):
    """P2: for a charge at the origin v = x/z, so x(z) = x(Z) z/Z; integrated by DOP853."""
    pf = PoissonField(pc.PointMixture([[0.0, 0.0, 0.0]]))
    x = rng.normal(size=(4, 3))
    assert np.allclose(pf.velocity(0.7, x), x / 0.7, rtol=1e-13)
    x_top = rng.normal(size=3) * 5
    sol = integrate.solve_ivp(
        lambda z, y: pf.velocity(z, y.reshape(1, 3))[0],
        (5.0, 0.01),
        x_top,
        method="DOP853",
        rtol=1e-11,
        atol=1e-12,
    )
    assert np.allclose(sol.y[:, -1], x_top * 0.01 / 5.0, rtol=1e-8, atol=1e-10)


def test_1d_field_lines_conserve_the_cdf():
    """P5: in d = 1 the flow preserves quantiles, F_z(x(z)) = const from z = 3 to 1e-3 (DOP853);
    each line ends next to the charge its quantile selects."""
    pf = PoissonField(A5)
    quantiles = np.array([0.1, 0.3, 0.6, 0.8, 0.95])
    from scipy.optimize import brentq

    cum = np.cumsum(A5.weights)
    for u in quantiles:
        x3 = brentq(lambda x, u=u: pf.cdf(3.0, x) - u, -1e4, 1e4, xtol=1e-14)
        sol = integrate.solve_ivp(
            lambda z, y: pf.velocity(z, y.reshape(1, 1))[0],
            (3.0, 1e-3),
            [x3],
            method="DOP853",
            rtol=1e-12,
            atol=1e-12,
            dense_output=True,
        )
        for z in (2.0, 0.5, 0.01, 1e-3):
            assert abs(pf.cdf(z, sol.sol(z)[0]) - u) < 1e-8
        charge = A5.points[int(np.searchsorted(cum, u)), 0]
        assert abs(sol.y[0, -1] - charge) < 0.05


@pytest.mark.parametrize("d", [1, 2, 5])
def test_prior_radius_law(d):
    """P3: |x|²/(|x|² + z²) ~ Beta(d/2, ½) for the prior sampler and for PoissonKernel draws.
    DKW threshold sqrt(ln(2/α)/(2N)), false-alarm rate α = 1e-4 per assertion."""
    pf = PoissonField(pc.PointMixture(np.zeros((1, d))))
    n, z, alpha = 20000, 2.0, 1e-4
    eps = np.sqrt(np.log(2 / alpha) / (2 * n))
    law = stats.beta(d / 2, 0.5).cdf
    for x in (pf.sample_prior(n, z, 1), pf.prior(z).sample(n, 2).reshape(n, d)):
        r2 = np.sum(x**2, axis=1)
        assert stats.kstest(r2 / (r2 + z**2), law).statistic <= eps


def test_hemisphere_flux_is_one_half():
    """P4: with every charge inside radius r the upper hemisphere carries exactly ½."""
    for data in (THREE_2D, pc.PointMixture([[0.36, 0.0]])):
        for r in (1.0, 10.0):
            assert abs(PoissonField(data).hemisphere_flux(r) - 0.5) < 1e-8
    assert abs(PoissonField(A5).hemisphere_flux(3.0) - 0.5) < 1e-10


@pytest.mark.parametrize("d, c_d", [(1, 2 / np.pi), (2, 1.0), (3, 4 / np.pi)])
def test_tail_is_order_z_over_r(d, c_d):
    """P3 tail: P(|x| > R) ≈ c_d z/R for R ≫ z (centred charge: the bound is exact)."""
    pf = PoissonField(pc.PointMixture(np.zeros((1, d))))
    ratio = [pf.tail_bound(1.0, R) * R for R in (1e2, 1e3, 1e4)]
    assert abs(ratio[-1] - c_d) < 1e-3 and abs(ratio[-1] - c_d) < abs(ratio[0] - c_d)


def test_field_without_augmentation_obeys_gauss_law():
    """In R^d itself (exponent d, S_{d−1}) the flux through a circle around all charges is the
    total charge 1 (d = 2, trapezoidal rule on the periodic integrand)."""
    pf = PoissonField(THREE_2D, augmented=False)
    th = np.linspace(0, 2 * np.pi, 4096, endpoint=False)
    r = 3.0
    pts = r * np.column_stack([np.cos(th), np.sin(th)])
    flux = np.mean(np.sum(pf.field(pts) * pts / r, axis=1)) * 2 * np.pi * r
    assert abs(flux - 1.0) < 1e-10


def test_compiled_velocity_matches_numpy_in_high_dimension(rng):
    """The kernel scales distances by the nearest charge: no overflow at d = 200."""
    from pdecheck._jit.signature import apply_field

    for d in (2, 200):
        pf = PoissonField(pc.PointMixture(rng.normal(size=(4, d))))
        x = rng.normal(size=(5, d)) * 3
        cf = pf.velocity.compiled()
        out = np.empty_like(x)
        assert apply_field(cf.kernel, cf.params, 0.4, x, out) == 0
        if d == 2:
            assert np.allclose(out, pf.velocity(0.4, x), rtol=1e-12)
        assert np.all(np.isfinite(out))


def test_sphere_area_in_logs_for_every_dimension():
    """S_0 = 2, S_1 = 2π, S_2 = 4π, S_3 = 2π² exactly; for large n, log S_{n−1} satisfies the
    recursion S_{n+1} = (2π/n) S_{n−1} (independent of Γ) up to CIFAR's N = 3073, where
    Γ(N/2) overflowed from N = 343. Both to round-off: rtol 1e-14 for exp of a log of size
    ~1, and atol 1e-9 on logs of size ~1e4 accumulated over ~1500 recursion steps."""
    np.testing.assert_allclose(
        [sphere_area(n) for n in (1, 2, 3, 4)], [2, 2 * np.pi, 4 * np.pi, 2 * np.pi**2], rtol=1e-14
    )
    logs = {1: np.log(2.0), 2: np.log(2 * np.pi)}
    for n in range(1, 3072):
        logs[n + 2] = logs[n] + np.log(2 * np.pi / n)
    for n in (343, 400, 1001, 3072, 3073):
        assert log_sphere_area(n) == pytest.approx(logs[n], abs=1e-9)
    assert PoissonField(np.random.default_rng(0).normal(size=(2, 3072))).log_area == (
        log_sphere_area(3073)
    )


def test_field_is_finite_where_representable_in_high_dimension():
    """One unit charge at the origin in d = 400 (N = 401): E(x̃) = x̃ / (S_400 |x̃|^401), with
    S_400 = 2π^{200.5}/Γ(200.5) ≈ e^{−629} by mpmath at 30 digits (independent of gammaln), is
    representable at |x̃| = 1 and 2; it overflowed Γ in the constructor. rtol 1e-12: the log
    of E is ~600 in size, so its round-off ε·600 ≈ 1e-13 is the relative error of E."""
    import mpmath

    mpmath.mp.dps = 30
    area = float(2 * mpmath.pi ** mpmath.mpf(200.5) / mpmath.gamma(mpmath.mpf(200.5)))
    pf = PoissonField(pc.PointMixture(np.zeros((1, 400))))
    for radius in (1.0, 2.0):
        x = np.zeros((1, 400))
        x[0, 0] = 0.6 * radius
        ex, ez = pf.field(x, 0.8 * radius)
        scale = radius / (area * radius**401)
        np.testing.assert_allclose(ex[0, 0], 0.6 * scale, rtol=1e-12)
        np.testing.assert_allclose(ez, 0.8 * scale, rtol=1e-12)
        assert np.all(ex[0, 1:] == 0.0)


def test_numpy_velocity_matches_compiled_where_the_field_underflows(rng):
    """d = 200, x = 10·normal: |x̃ − ỹ|^{−N} ≈ e^{−1000} underflows (the NumPy velocity was
    0/0 = NaN), but E_x/E_z, where the scale cancels, is finite and equals the compiled
    kernel's (the same charge scaling, another summation order: rtol 1e-11 for logs ~10 times
    N/2 = 100.5 in the exponents)."""
    from pdecheck._jit.signature import apply_field

    pf = PoissonField(pc.PointMixture(rng.normal(size=(4, 200))))
    x = 10 * rng.normal(size=(5, 200))
    cf = pf.velocity.compiled()
    out = np.empty_like(x)
    assert apply_field(cf.kernel, cf.params, 10.0, x, out) == 0
    np.testing.assert_allclose(pf.velocity(10.0, x), out, rtol=1e-11)


def test_compiled_velocity_on_the_hyperplane_is_nan(capfd):
    """At z = 0 (E_z = 0, x possibly on a charge) v = E_x/E_z is undefined: the kernel writes NaN,
    which apply_field counts, instead of dividing by zero inside the cfunc (Numba would print
    and ignore that exception); the NumPy velocity refuses z <= 0 with a message."""
    from pdecheck._jit.signature import apply_field

    pf = PoissonField(pc.PointMixture([[0.0, 0.0], [1.0, 0.5]]))
    x = np.array([[0.0, 0.0], [0.3, 0.2]])
    cf = pf.velocity.compiled()
    out = np.zeros_like(x)
    assert apply_field(cf.kernel, cf.params, 0.0, x, out) == 2
    assert np.all(np.isnan(out))
    assert "Error" not in capfd.readouterr().err
    with pytest.raises(ValueError, match="z > 0"):
        pf.velocity(0.0, x)


@pytest.mark.parametrize(
    "make, exc, words",
    [
        (lambda: PoissonField(pc.Gaussian(0.0, 1.0)), TypeError, ["data=Gaussian", "PointMixture"]),
        (lambda: PoissonField(A5).velocity(0.0, np.zeros((1, 1))), ValueError, ["z=0.0", "z > 0"]),
        (
            lambda: PoissonField(A5, augmented=False).hyperplane_density(1.0),
            ValueError,
            ["augmented=False"],
        ),
        (lambda: PoissonField(A5).hyperplane_density(-1.0), ValueError, ["z=", "> 0"]),
        (lambda: PoissonField(A5).tail_bound(1.0, 1.0), ValueError, ["radius=1.0", "1.7"]),
        (lambda: PoissonField(THREE_2D).cdf(1.0, 0.0), ValueError, ["d = 1", "d=2"]),
        (lambda: PoissonField(THREE_2D).field(np.zeros((1, 2))), ValueError, ["z=None"]),
        # z is a finite real scalar, or one height per point of x (it was a broadcast error,
        # a silent NaN, or float()'s "could not convert string to float")
        (
            lambda: PoissonField(A5).field([[0.0], [1.0]], [1.0, 2.0, 3.0]),
            ValueError,
            ["z=[1. 2. 3.]", "shape (3,)", "one height per point of x, shape (2,)"],
        ),
        (lambda: PoissonField(A5).field([[0.0]], np.nan), ValueError, ["z=nan", "finite"]),
        (lambda: PoissonField(A5).velocity("a", [[0.0]]), ValueError, ["z='a'", "real number"]),
        (lambda: PoissonField(A5).velocity(np.inf, [[0.0]]), ValueError, ["z=inf", "finite z > 0"]),
        # the density's own parameters are checked as a PointMixture's are
        (lambda: PoissonKernelMixture(1.0, [[0.0], [1.0]], [0.7, 0.7]), ValueError, ["sum to 1"]),
        (lambda: PoissonKernelMixture(1.0, [[0.0], [1.0]], [0.5]), ValueError, ["(2,)"]),
        (lambda: PoissonKernelMixture(1.0, [[0.0], [1.0]], [-0.5, 1.5]), ValueError, [">= 0"]),
        (lambda: PoissonKernelMixture(1.0, [0.0, np.nan]), ValueError, ["charges=", "finite"]),
    ],
)
def test_bad_input_names_argument_value_and_rule(make, exc, words):
    with pytest.raises(exc) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_field_takes_one_height_per_point():
    """E_z at (x_j, z_j) for one unit charge at 0 in d = 1 (N = 2, S_1 = 2π) is
    z_j / (2π (x_j² + z_j²)); per-point heights and a scalar agree with it to round-off."""
    pf = PoissonField(pc.PointMixture([0.0]))
    x, z = np.array([0.3, -1.0]), np.array([0.5, 2.0])
    np.testing.assert_allclose(pf.field(x, z)[1], z / (2 * np.pi * (x**2 + z**2)), rtol=1e-14)
    np.testing.assert_allclose(pf.field(x, 0.5)[1], 0.5 / (2 * np.pi * (x**2 + 0.25)), rtol=1e-14)


def test_kernel_mixture_reads_flat_charges_as_1d_with_equal_default_weights():
    """Σ_i ½ P_z(x − y_i) with the 1-D Poisson kernel P_z(x) = z / (π (x² + z²)) (CATALOGUE P1)."""
    z, x = 0.5, np.array([0.3])
    got = PoissonKernelMixture(z, [0.0, 1.0]).pdf(x)[0]
    want = 0.5 * sum(z / (np.pi * ((x[0] - y) ** 2 + z**2)) for y in (0.0, 1.0))
    assert got == pytest.approx(want, rel=1e-14)


def test_tail_bound_keeps_relative_accuracy_far_out():
    """A centred unit charge: the bound is the exact tail, (2/π) arctan(z/R) in 1-D and
    z/√(R² + z²) in 2-D, to 1e-12 relative at R = 1e4 … 1e12 (it was 0 from R ~ 1e8)."""
    z = 0.8
    one, two = PoissonField(pc.PointMixture([0.0])), PoissonField(pc.PointMixture([[0.0, 0.0]]))
    for radius in (1e4, 1e8, 1e9, 1e12):
        assert one.tail_bound(z, radius) == pytest.approx(
            2 / np.pi * np.arctan(z / radius), rel=1e-12
        )
        assert two.tail_bound(z, radius) == pytest.approx(z / np.hypot(radius, z), rel=1e-12)


def test_hyperplane_density_bounds_are_finite_and_hold_all_but_tol():
    """p_z's box at tol: each charge's 1-D radius z/tan(π tol/2) around the outermost charges
    (it was ±inf at the default tol = 1e-12), and its closed-form outside mass (arctan tails,
    P5) is at most tol."""
    z = 0.5
    p_z = PoissonField(A5).hyperplane_density(z)
    for tol in (1e-12, 1e-9, 1e-6):
        lo, hi = p_z.bounds(tol)
        radius = z / np.tan(np.pi * tol / 2)
        assert lo[0] == pytest.approx(0.5 - radius, rel=1e-12)
        assert hi[0] == pytest.approx(1.7 + radius, rel=1e-12)
        y, w = A5.points[:, 0], A5.weights
        outside = w @ (np.arctan(z / (y - lo[0])) + np.arctan(z / (hi[0] - y))) / np.pi
        assert outside <= tol * (1 + 1e-9)
    with pytest.raises(ValueError, match=r"tol=0 must be a probability"):
        p_z.bounds(0)
