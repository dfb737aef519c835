"""Chang–Cooper Fokker–Planck and heat solvers: orders, stationary state, positivity, bounds."""

from __future__ import annotations

import numpy as np
import pytest

from pdecheck.densities import Gaussian
from pdecheck.grid import Grid, solve_fokker_planck, solve_heat


def ou_exact(grid: Grid, t: float) -> np.ndarray:
    """CATALOGUE S1 (θ = 1, σ = 1) from N(2, 0.3²): N(2e^{−t}, 0.09e^{−2t} + (1 − e^{−2t})/2)."""
    a = np.exp(-t)
    return grid.cell_averages(Gaussian(2 * a, np.sqrt(0.09 * a * a + 0.5 * (1 - a * a))))


def slope(ns, errors):
    return -np.polyfit(np.log(ns), np.log(errors), 1)[0]


def test_chang_cooper_second_order_in_space_with_ssprk2():
    """Pe = |f| h / D ≤ 0.4 here, so the CC flux is O(h²) (FOKKER-PLANCK.md §1); SSP-RK2 at its
    positivity bound Δt ∝ h² makes the time error O(h⁴): the L1 slope is 2."""
    ns = [100, 200, 400, 800]
    errors = []
    for n in ns:
        g = Grid(-4.0, 6.0, n)
        sol = solve_fokker_planck(
            lambda t, x: -x, 1.0, Gaussian(2.0, 0.3), g, (0, 1), time="ssprk2"
        )
        assert sol.density.min() >= 0 and sol.diagnostics.max_mass_drift <= 1e-12
        errors.append(np.abs(sol.density[-1] - ou_exact(g, 1.0)).sum() * g.h[0])
    assert abs(slope(ns, errors) - 2.0) <= 0.15


def test_implicit_euler_first_order_in_time():
    """At fixed fine h the implicit Euler error is C Δt + O(h²): differences of successive
    halvings remove the spatial part, and their slope is 1."""
    g = Grid(-4.0, 6.0, 200)
    dts = [0.1, 0.05, 0.025, 0.0125, 0.00625]
    finals = [
        solve_fokker_planck(lambda t, x: -x, 1.0, Gaussian(2.0, 0.3), g, (0, 1), dt=dt).density[-1]
        for dt in dts
    ]
    diffs = [np.abs(finals[i] - finals[i + 1]).sum() * g.h[0] for i in range(len(dts) - 1)]
    assert (
        abs(slope(dts[:-1], diffs) + 1.0) <= 0.15
    )  # error ∝ Δt: slope of log diff vs log Δt is +1


def test_discrete_stationary_state_is_boltzmann():
    """Gradient drift f = −U' with U = x²/2 (OU): the face drift −x_{i+½} equals −ΔU/h, so the
    discrete equilibrium is exp(−U(x_i)/D)/Z exactly; a huge implicit step lands on it."""
    g = Grid(-3.0, 3.0, 60)
    D = 0.5
    sol = solve_fokker_planck(
        lambda t, x: -x, np.sqrt(2 * D), Gaussian(1.0, 0.3), g, (0, 1e4), dt=1e3
    )
    x = g.centers[0]
    boltzmann = np.exp(-0.5 * x**2 / D)
    boltzmann /= g.mass(boltzmann)
    np.testing.assert_allclose(sol.density[-1], boltzmann * sol.mass()[-1], rtol=1e-9)


@pytest.mark.parametrize("ratio", [0.5, 64.0, 640.0])
def test_implicit_positive_for_any_dt_from_delta(ratio):
    """δ-like data (one cell) with Δt · max|A_ii| in {0.5, 64, 640}: min p ≥ 0 exactly."""
    g = Grid(-1.0, 3.0, 400)
    p0 = np.zeros(400)
    p0[300] = 1.0 / g.h[0]
    probe = solve_fokker_planck(lambda t, x: -x, 1.0, p0, g, (0, 1e-6), time="ssprk2")
    dt = ratio * probe.diagnostics.dt_limit
    sol = solve_fokker_planck(lambda t, x: -x, 1.0, p0, g, (0, 5 * dt), dt=dt)
    assert sol.density.min() >= 0 and sol.diagnostics.max_mass_drift <= 1e-12


def test_mass_over_ten_thousand_implicit_steps_2d():
    g = Grid([-3, -3], [3, 3], 12)
    sol = solve_fokker_planck(
        lambda t, x: -x + 0.3 * np.sin(t), 0.8, Gaussian([0.5, 0], 0.35), g, (0, 1), dt=1e-4
    )
    assert sol.diagnostics.steps == 10_000 and sol.diagnostics.max_mass_drift <= 1e-12
    assert sol.density.min() >= 0


def test_ssprk2_fixed_dt_beyond_bound_raises():
    g = Grid(-3.0, 3.0, 60)
    with pytest.raises(ValueError, match="exceeds the positivity/stability limit"):
        solve_fokker_planck(
            lambda t, x: -x, 1.0, Gaussian(0, 0.4), g, (0, 1), time="ssprk2", dt=0.1
        )


def test_heat_crank_nicolson_second_order_h1():
    """CATALOGUE H1: N(0, 1) under D = ½ is N(0, 2) at t = 1; CN with Δt ∝ h is O(h²)."""
    ns = [32, 64, 128, 256]
    errors = []
    for n in ns:
        g = Grid(-8.0, 8.0, n)
        sol = solve_heat(0.5, Gaussian(0.0, 1.0), g, (0, 1), dt=1 / n)
        errors.append(
            np.abs(sol.density[-1] - g.cell_averages(Gaussian(0.0, np.sqrt(2)))).sum() * g.h[0]
        )
    assert abs(slope(ns, errors) - 2.0) <= 0.15


def test_heat_spectral_exact_in_time_m1():
    """CATALOGUE M1 on [0, 2π) with D_t = 1 + t: p = (1 + ε e^{−k² S_t} cos kx)/2π,
    S_t = t + t²/2; cell averages of cos kx are sinc-scaled cos: exact to round-off."""
    n, k, eps = 32, 3, 0.8
    g = Grid(0.0, 2 * np.pi, n)
    e = g.edges[0]

    def averages(s):
        return (g.h[0] + eps * np.exp(-k * k * s) * np.diff(np.sin(k * e)) / k) / (
            2 * np.pi * g.h[0]
        )

    sol = solve_heat(lambda t: 1 + t, averages(0.0), g, (0, 0.5), method="spectral", save_at=[0.1])
    np.testing.assert_allclose(sol.at(0.1), averages(0.1 + 0.005), atol=1e-14)
    np.testing.assert_allclose(sol.at(0.5), averages(0.5 + 0.125), atol=1e-14)


def test_heat_explicit_bound_and_backward_refused():
    g = Grid(-4.0, 4.0, 40)  # h = 0.2: Δt ≤ h²/(2D) = 0.02
    with pytest.raises(ValueError, match=r"stability limit 0\.02 "):
        solve_heat(1.0, Gaussian(0, 0.5), g, (0, 1), method="explicit", dt=0.05)
    with pytest.raises(ValueError, match="ill posed"):
        solve_heat(1.0, Gaussian(0, 0.5), g, (1, 0))


def wrapped_gaussian_averages(grid: Grid, mean: float, std: float, images: int = 6) -> np.ndarray:
    """Exact cell averages on a periodic box of N(mean, std²) wrapped onto it (sum of images)."""
    from scipy.special import ndtr

    e, length = grid.edges[0], grid.upper[0] - grid.lower[0]
    mass = sum(np.diff(ndtr((e - mean - m * length) / std)) for m in range(-images, images + 1))
    return mass / grid.h[0]


@pytest.mark.parametrize("periodic", [False, True])
@pytest.mark.parametrize("outflow", [False, True])
@pytest.mark.parametrize("n", [2, 3, 7, 40])
def test_line_solve_matches_dense_solve_and_stays_positive(n, periodic, outflow):
    """The bordered elimination solves (I − Δt A) x = q (A assembled face by face from the CC
    rates, dense) to round-off; x ≥ 0 exactly; mass inside + outflow = mass before."""
    from pdecheck.grid import _kernels_implicit as ki

    rng = np.random.default_rng(n)
    u = 3.0 * rng.normal(size=(1, n + 1, 1))
    if periodic:
        u[0, -1, 0] = u[0, 0, 0]
    D, h, dt = 0.3, 0.1, 0.7
    q = rng.random((1, n, 1))
    out = np.empty_like(q)
    low, high, _ = ki.implicit_sweep(q, u, D, h, dt, periodic, outflow, out)
    A = np.zeros((n, n))
    for j in range(n + 1):
        if periodic and j == n:
            continue  # face n is face 0
        a, b = ki.wall_rates(u[0, j, 0], j, n, D, h, periodic, outflow)
        left, right = (j - 1) % n, j % n  # J = a p_left − b p_right flows left -> right
        if j > 0 or periodic:
            A[left, left] -= a / h
            A[left, right] += b / h
        if j < n:
            A[right, left] += a / h
            A[right, right] -= b / h
    x = np.linalg.solve(np.eye(n) - dt * A, q[0, :, 0])
    np.testing.assert_allclose(out[0, :, 0], x, rtol=1e-12, atol=1e-14)
    assert out.min() >= 0
    assert abs(out.sum() + (low + high) / h - q.sum()) <= 1e-13 * q.sum()


def test_periodic_implicit_positive_conservative_from_delta_first_order_in_time():
    """Constant drift c, D = ½ on a periodic box: the exact law is N(x₀ + ct, s + t) wrapped.
    δ-like data at Δt · max|A_ii| up to ~10³ stay ≥ 0 with mass to 1e-12; at fine h the error
    against the wrapped Gaussian falls like Δt (implicit Euler), slope 1 ± 0.15 over 4 halvings."""
    g = Grid(-np.pi, np.pi, 400)
    p0 = wrapped_gaussian_averages(g, 2.5, 0.2)
    p0 /= g.mass(p0)
    c = 1.3
    errors, dts = [], [0.1, 0.05, 0.025, 0.0125]
    for dt in dts:
        sol = solve_fokker_planck(
            lambda t, x: np.full_like(x, c), 1.0, p0, g, (0, 1), dt=dt, boundary="periodic"
        )
        assert sol.density.min() >= 0 and sol.diagnostics.max_mass_drift <= 1e-12
        exact = wrapped_gaussian_averages(g, 2.5 + c, np.sqrt(0.04 + 1.0))
        errors.append(np.abs(sol.density[-1] - exact).sum() * g.h[0])
    assert abs(slope(dts, errors) + 1.0) <= 0.15
    delta = np.zeros(400)
    delta[7] = 1.0 / g.h[0]
    sol = solve_fokker_planck(
        lambda t, x: np.full_like(x, -c), 1.0, delta, g, (0, 1), dt=0.05, boundary="periodic"
    )
    assert sol.density.min() >= 0 and sol.diagnostics.max_mass_drift <= 1e-12


def test_heat_crank_nicolson_periodic_second_order():
    """Periodic CN (cyclic line solves): a wrapped N(2.5, 0.3²) under D = ½ is the wrapped
    N(2.5, 0.09 + t); Δt ∝ h, so the error is O(h²) + O(Δt²): slope 2 ± 0.15."""
    ns = [32, 64, 128, 256]
    errors = []
    for n in ns:
        g = Grid(-np.pi, np.pi, n)
        p0 = wrapped_gaussian_averages(g, 2.5, 0.3)
        sol = solve_heat(0.5, p0 / g.mass(p0), g, (0, 1), dt=2 / n, boundary="periodic")
        assert sol.diagnostics.max_mass_drift <= 1e-12
        exact = wrapped_gaussian_averages(g, 2.5, np.sqrt(0.09 + 1.0))
        errors.append(np.abs(sol.density[-1] - exact).sum() * g.h[0])
    assert abs(slope(ns, errors) - 2.0) <= 0.15


def _rotating_drift(t, x):
    return np.stack([-x[:, 0] + 0.5 * x[:, 1] * np.sin(t), -x[:, 1] - 0.3 * x[:, 0]], axis=1)


@pytest.mark.parametrize(
    "boundary", ["zero-flux", "periodic", "outflow", {0: "periodic", 1: ("outflow", "zero-flux")}]
)
@pytest.mark.parametrize("t_span", [(0.0, 0.7), (0.7, 0.1)])
def test_compiled_time_loop_matches_stepwise_path(boundary, t_span):
    """A compiled drift runs the implicit loop in one compiled call; the NumPy drift runs it
    step by step through the same line solver: same density, outflow and step count to
    round-off, forward and backward, on every wall kind, with a saved time in between."""
    from pdecheck.fields import field_kernel

    @field_kernel(2)
    def compiled(t, x, params, out):
        out[0] = -x[0] + 0.5 * x[1] * np.sin(t)
        out[1] = -x[1] - 0.3 * x[0]

    g = Grid([-4, -4], [4, 4], [20, 16])
    runs = [
        solve_fokker_planck(
            f,
            lambda t: 0.8 + t,
            Gaussian([0.5, 0], 0.4),
            g,
            t_span,
            dt=0.03,
            boundary=boundary,
            save_at=[0.3],
        )
        for f in (compiled, _rotating_drift)
    ]
    fast, slow = runs
    np.testing.assert_allclose(fast.density, slow.density, rtol=0, atol=1e-14)
    np.testing.assert_allclose(fast.diagnostics.outflow, slow.diagnostics.outflow, atol=1e-14)
    assert fast.diagnostics.steps == slow.diagnostics.steps == 24 - 3 * (t_span[0] > 0)
    assert fast.density.min() >= 0 and fast.diagnostics.max_mass_drift <= 1e-12


def test_compiled_time_loop_reports_non_finite_drift_time():
    from pdecheck.fields import field_kernel

    @field_kernel(1)
    def blows_up(t, x, params, out):
        out[0] = np.nan if t > 0.47 else -x[0]

    g = Grid(-3.0, 3.0, 30)
    with pytest.raises(ValueError, match=r"non-finite value\(s\) at t=0\.5[,; ]"):
        solve_fokker_planck(blows_up, 1.0, Gaussian(0.0, 0.4), g, (0, 1), dt=0.05)


def test_heat_douglas_periodic_2d_second_order():
    """2-D periodic Douglas ADI (cyclic line solves on both axes): a product of wrapped
    Gaussians under D = ½ stays a product, variances growing by t; Δt ∝ h gives slope 2."""
    ns = [16, 32, 64, 128]
    errors = []
    for n in ns:
        line = Grid(-np.pi, np.pi, n)
        g = Grid([-np.pi, -np.pi], [np.pi, np.pi], n)

        def product(s0, s1, line=line):
            return np.outer(
                wrapped_gaussian_averages(line, 2.5, s0), wrapped_gaussian_averages(line, -1.0, s1)
            )

        p0 = product(0.3, 0.4)
        sol = solve_heat(0.5, p0 / g.mass(p0), g, (0, 0.5), dt=1 / n, boundary="periodic")
        assert sol.diagnostics.max_mass_drift <= 1e-12
        exact = product(np.sqrt(0.09 + 0.5), np.sqrt(0.16 + 0.5))
        errors.append(np.abs(sol.density[-1] - exact).sum() * g.cell_volume)
    assert abs(slope(ns, errors) - 2.0) <= 0.15, errors


@pytest.mark.parametrize("periodic", [False, True])
def test_parallel_line_sweep_equals_serial(periodic):
    """Grids above PARALLEL_CELLS sweep their lines with prange: same bits as the serial sweep."""
    from pdecheck.grid import _kernels_implicit as ki

    rng = np.random.default_rng(5)
    q = rng.random((3, 9, 4))
    u = rng.normal(size=(3, 10, 4))
    if periodic:
        u[:, -1, :] = u[:, 0, :]
    serial, parallel = np.empty_like(q), np.empty_like(q)
    a = ki.implicit_sweep(q, u, 0.2, 0.1, 0.5, periodic, True, serial)
    b = ki.implicit_sweep_parallel(q, u, 0.2, 0.1, 0.5, periodic, True, parallel)
    np.testing.assert_array_equal(serial, parallel)
    np.testing.assert_allclose(a, b, rtol=1e-14)
    assert serial.min() >= 0
