"""MPRK22 (Kopecz & Meister 2018) for the Chang–Cooper generator: the step against its dense
formula, order 2 in time, positivity and mass for any Δt, the discrete Gibbs fixed point;
in 2-D by Strang splitting."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import pdecheck as pc
from pdecheck.densities import Gaussian
from pdecheck.grid import Grid, solve_fokker_planck


@pc.field_kernel(dim=1, steady=True)
def ou_drift(t, x, params, out):
    out[0] = -x[0]


@pc.field_kernel(dim=1, steady=True)
def push_drift(t, x, params, out):
    out[0] = 2.0


@pc.field_kernel(dim=1)
def swelling_drift(t, x, params, out):
    out[0] = -(1.0 + t) * x[0] + 0.5 * np.sin(3.0 * t)


def generator(u: np.ndarray, D: float, h: float, periodic: bool, outflow: bool) -> np.ndarray:
    """Dense A with dp/dt = A p, assembled face by face from the CC rates of face velocities u
    (n + 1 faces; J = α p_left − β p_right flows left -> right)."""
    from pdecheck.grid import _kernels_implicit as ki

    n = u.size - 1
    A = np.zeros((n, n))
    for j in range(n + 1):
        if periodic and j == n:
            continue  # face n is face 0
        a, b = ki.wall_rates(u[j], j, n, D, h, periodic, outflow)
        left, right = (j - 1) % n, j % n
        if j > 0 or periodic:
            A[left, left] -= a / h
            A[left, right] += b / h
        if j < n:
            A[right, left] += a / h
            A[right, right] -= b / h
    return A


def slope(xs, ys):
    return np.polyfit(np.log(xs), np.log(ys), 1)[0]


@pytest.mark.parametrize("periodic", [False, True])
@pytest.mark.parametrize("outflow", [False, True])
@pytest.mark.parametrize("n", [2, 3, 9, 40])
def test_step_matches_dense_mprk22(n, periodic, outflow):
    """One step equals the dense MPRK22(α = 1) formula: p⁽¹⁾ = (I − Δt Aⁿ)⁻¹ pⁿ, then
    (I − Δt B) pⁿ⁺¹ = pⁿ with B = ½ Aⁿ diag(pⁿ/p⁽¹⁾) + ½ Aⁿ⁺¹ (Kopecz & Meister 2018, P_ij =
    a_ij p_j); positive, and mass inside + outflow is the mass before."""
    from pdecheck.grid import _kernels_mprk as km

    rng = np.random.default_rng(n + 10 * periodic + 100 * outflow)
    u_old, u_new = 3.0 * rng.normal(size=(2, 1, n + 1, 1))
    if periodic:
        u_old[0, -1, 0], u_new[0, -1, 0] = u_old[0, 0, 0], u_new[0, 0, 0]
    d_old, d_new, h, dt = 0.3, 0.45, 0.1, 0.7
    q = rng.random((1, n, 1))
    q[0, n // 2, 0] = 0.0  # a zero cell: its Patankar factor is not 0/0
    out, stage = np.empty_like(q), np.empty_like(q)
    low, high, _ = km.mprk22_step(
        u_old, u_new, d_old, d_new, h, dt, periodic, outflow, q, stage, out
    )
    a_old = generator(u_old[0, :, 0], d_old, h, periodic, outflow)
    a_new = generator(u_new[0, :, 0], d_new, h, periodic, outflow)
    p = q[0, :, 0]
    p1 = np.linalg.solve(np.eye(n) - dt * a_old, p)
    b = 0.5 * a_old * (p / p1)[None, :] + 0.5 * a_new
    expected = np.linalg.solve(np.eye(n) - dt * b, p)
    np.testing.assert_allclose(stage[0, :, 0], p1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out[0, :, 0], expected, rtol=1e-11, atol=1e-14)
    assert out.min() >= 0
    assert abs(out.sum() + (low + high) / h - q.sum()) <= 1e-13 * q.sum()


def test_second_order_in_time_against_exact_exponential():
    """At fixed N the semi-discrete solution is exp(T A) p₀ (scipy.linalg.expm of the same SG
    generator): MPRK22 is a second-order Runge–Kutta method (Kopecz & Meister 2018, Thm 3.1
    with α = 1), so its L1 distance to it falls like Δt²: slope 2 ± 0.15 over 5 halvings."""
    g = Grid(-4.0, 6.0, 120)
    x_faces = g.edges[0]
    u = -x_faces.copy()
    u[0] = u[-1] = 0.0
    A = generator(u, 0.5, g.h[0], False, False)
    p0 = g.cell_averages(Gaussian(2.0, 0.3))
    exact = scipy.linalg.expm(A) @ p0
    steps = [10, 20, 40, 80, 160]
    errors = []
    for s in steps:
        sol = solve_fokker_planck(
            ou_drift, 1.0, Gaussian(2.0, 0.3), g, (0, 1), time="mprk22", dt=1 / s
        )
        errors.append(np.abs(sol.density[-1] - exact).sum() * g.h[0])
    order = -slope(steps, errors)
    print(f"mprk22 time order vs expm: {order:.3f}, errors {errors}")
    assert abs(order - 2.0) <= 0.15


def test_second_order_in_space_and_time_against_exact_ou():
    """OU (CATALOGUE S1, θ = 1, σ = 1) from N(2, 0.3²): N(2e^{−t}, 0.09e^{−2t} + (1 − e^{−2t})/2).
    CC is O(h²) at bounded Péclet number (FOKKER-PLANCK.md §1) and MPRK22 O(Δt²); with
    Δt ∝ h (steps = N/2) the L1 error against the exact cell averages falls like h²: slope
    2 ± 0.15 over N = 100 … 800."""
    ns = [100, 200, 400, 800]
    errors = []
    for n in ns:
        g = Grid(-4.0, 6.0, n)
        sol = solve_fokker_planck(
            ou_drift, 1.0, Gaussian(2.0, 0.3), g, (0, 1), time="mprk22", dt=2 / n
        )
        a = np.exp(-1.0)
        exact = g.cell_averages(Gaussian(2 * a, np.sqrt(0.09 * a * a + 0.5 * (1 - a * a))))
        errors.append(np.abs(sol.density[-1] - exact).sum() * g.h[0])
    order = -slope(ns, errors)
    print(f"mprk22 space-time order (steps = N/2): {order:.3f}, errors {errors}")
    assert abs(order - 2.0) <= 0.15


def test_second_order_in_time_with_time_dependent_drift_and_diffusion():
    """f_t(x) = −(1 + t) x + ½ sin 3t and g_t = 1 + t/2: the Heun weights put A(t_n) and
    A(t_{n+1}) in the second stage, so the error is still C Δt² + O(h²): differences of
    successive halvings remove the spatial part and fall like Δt², slope 2 ± 0.15."""
    g = Grid(-4.0, 6.0, 160)
    steps = [16, 32, 64, 128, 256, 512]
    finals = [
        solve_fokker_planck(
            swelling_drift,
            lambda t: 1.0 + 0.5 * t,
            Gaussian(2.0, 0.3),
            g,
            (0, 1),
            time="mprk22",
            dt=1 / s,
        ).density[-1]
        for s in steps
    ]
    diffs = [np.abs(finals[i] - finals[i + 1]).sum() * g.h[0] for i in range(len(steps) - 1)]
    order = -slope(steps[:-1], diffs)
    print(f"mprk22 time order, time-dependent coefficients: {order:.3f}")
    assert abs(order - 2.0) <= 0.15


@pytest.mark.parametrize("boundary", ["zero-flux", "periodic", "outflow"])
def test_positive_for_huge_steps_from_delta(boundary):
    """δ-like data (one cell, near the high wall) under the drift f = 2 at Δt · max|A_ii| =
    100: every stage is an M-matrix solve with column sums 1, so min p ≥ 0 exactly and mass
    inside + outflow is conserved (with outflow walls mass leaves, and is counted)."""
    g = Grid(-1.0, 3.0, 400)
    p0 = np.zeros(400)
    p0[390] = 1.0 / g.h[0]
    u = np.full(401, 2.0)
    A = generator(u, 0.5, g.h[0], boundary == "periodic", boundary == "outflow")
    dt = 100.0 / np.abs(np.diag(A)).max()
    sol = solve_fokker_planck(
        push_drift, 1.0, p0, g, (0, 20 * dt), time="mprk22", dt=dt, boundary=boundary
    )
    d = sol.diagnostics
    assert sol.density.min() >= 0 and d.min_density >= 0
    assert d.max_mass_drift <= 1e-12
    assert abs(d.cfl_max - 100.0) <= 1e-6
    balance = sol.mass()[-1] + d.outflow.sum()
    assert abs(balance - 1.0) <= 1e-12
    if boundary == "outflow":
        assert d.outflow[0, 1] > 0.5 and d.outflow[0, 0] == 0.0


@pytest.mark.parametrize("boundary", ["zero-flux", "periodic"])
def test_mass_over_ten_thousand_steps(boundary):
    g = Grid(-3.0, 3.0, 50)
    sol = solve_fokker_planck(
        ou_drift, 1.0, Gaussian(0.3, 0.4), g, (0, 10.0), time="mprk22", dt=1e-3, boundary=boundary
    )
    d = sol.diagnostics
    assert d.steps == 10_000
    assert d.max_mass_drift <= 1e-12 and d.min_density >= 0


def test_discrete_gibbs_state_is_a_fixed_point():
    """Gradient drift f = −U' with U = x²/2: the face drift −x_{i+½} = −ΔU/h, so A π = 0 for
    π ∝ exp(−U(x_i)/D); then p⁽¹⁾ = π, every Patankar factor is 1, B = A and the step returns π
    to round-off, for any Δt. Round-off: the diagonal 1 + Δt(β + α) of each solve carries
    eps · Δt max|A_ii| absolute error, so n steps may move π by n · eps · max(1, Δt max|A_ii|)
    relatively (the allowance below is 4× that)."""
    g = Grid(-3.0, 3.0, 60)
    D = 0.5
    x = g.centers[0]
    gibbs = np.exp(-(x**2) / (2 * D))
    gibbs /= g.mass(gibbs)
    for dt in (1e-3, 1.0, 1e3):
        sol = solve_fokker_planck(
            ou_drift, np.sqrt(2 * D), gibbs, g, (0, 20 * dt), time="mprk22", dt=dt
        )
        d = sol.diagnostics
        rtol = 4 * d.steps * np.finfo(float).eps * max(1.0, d.cfl_max)
        np.testing.assert_allclose(sol.density[-1], gibbs, rtol=rtol)


def test_numpy_drift_matches_compiled_drift():
    """The NumPy-drift path (drift at the faces per step end in Python) takes the same steps."""
    g = Grid(-4.0, 6.0, 80)
    args = (1.0, Gaussian(2.0, 0.3), g, (0, 1))
    slow = solve_fokker_planck(lambda t, x: -x, *args, time="mprk22", dt=0.05, save_at=[0.5])
    fast = solve_fokker_planck(ou_drift, *args, time="mprk22", dt=0.05, save_at=[0.5])
    np.testing.assert_allclose(slow.density, fast.density, rtol=1e-13, atol=1e-16)
    assert slow.diagnostics.steps == fast.diagnostics.steps == 20
    assert slow.times.tolist() == [0.0, 0.5, 1.0]


def test_backward_run_matches_forward_run_of_reversed_drift():
    """In τ = t₀ − t a backward run has drift −f (module docstring of fokker_planck): with a
    steady drift it is the forward run of −f."""
    g = Grid(-4.0, 4.0, 80)
    back = solve_fokker_planck(ou_drift, 1.0, Gaussian(0.5, 0.3), g, (1, 0), time="mprk22", dt=0.05)
    fwd = solve_fokker_planck(
        lambda t, x: x, 1.0, Gaussian(0.5, 0.3), g, (0, 1), time="mprk22", dt=0.05
    )
    np.testing.assert_allclose(back.density[-1], fwd.density[-1], rtol=1e-12, atol=1e-15)


@pc.field_kernel(dim=2, steady=True)
def ou_drift_2d(t, x, params, out):
    out[0] = -x[0]
    out[1] = -2.0 * x[1]


@pc.field_kernel(dim=2)
def turning_drift(t, x, params, out):
    out[0] = -x[0] + (1.0 + t) * x[1]
    out[1] = -x[1] - x[0]


def turning_numpy(t, x):
    return np.stack([-x[:, 0] + (1.0 + t) * x[:, 1], -x[:, 1] - x[:, 0]], axis=1)


def test_strang_split_separable_drift_is_the_product_of_1d_runs():
    """Separable drift on a product density: each line step of MPRK22 is positively
    homogeneous, so lines stay proportional, and the split step S_0(½Δt) S_1(Δt) S_0(½Δt)
    is exactly the 1-D run with Δt/2 along x times the 1-D run with Δt along y."""
    g = Grid([-3.0, -3.0], [3.0, 3.0], [48, 40])
    gx, gy = Grid(-3.0, 3.0, 48), Grid(-3.0, 3.0, 40)
    dt = 0.05
    two = solve_fokker_planck(
        ou_drift_2d, 1.0, Gaussian([0.5, -0.5], 0.3), g, (0, 0.5), time="mprk22", dt=dt
    )
    x = solve_fokker_planck(
        ou_drift, 1.0, Gaussian(0.5, 0.3), gx, (0, 0.5), time="mprk22", dt=dt / 2
    )

    @pc.field_kernel(dim=1, steady=True)
    def ou_y(t, x, params, out):
        out[0] = -2.0 * x[0]

    y = solve_fokker_planck(ou_y, 1.0, Gaussian(-0.5, 0.3), gy, (0, 0.5), time="mprk22", dt=dt)
    np.testing.assert_allclose(
        two.density[-1], np.outer(x.density[-1], y.density[-1]), rtol=1e-11, atol=1e-14
    )


def test_strang_split_second_order_in_time_with_turning_drift():
    """A non-separable, time-dependent drift (the axis operators do not commute): Strang's
    symmetric splitting of second-order steps is second order, so differences of successive
    halvings fall like Δt²: slope 2 ± 0.15."""
    g = Grid([-3.0, -3.0], [3.0, 3.0], 36)
    steps = [16, 32, 64, 128, 256]
    finals = [
        solve_fokker_planck(
            turning_drift, 1.0, Gaussian([0.5, 0.0], 0.3), g, (0, 1), time="mprk22", dt=1 / s
        ).density[-1]
        for s in steps
    ]
    diffs = [np.abs(finals[i] - finals[i + 1]).sum() * g.cell_volume for i in range(4)]
    order = -slope(steps[:-1], diffs)
    print(f"mprk22 Strang 2-D time order: {order:.3f}")
    assert abs(order - 2.0) <= 0.15


@pytest.mark.parametrize("boundary", ["zero-flux", "periodic", "outflow"])
def test_strang_split_positive_conservative_for_huge_steps_2d(boundary):
    """δ-like data in 2-D at Δt · Σ_k max|A_k,ii| ≈ 100 and over 10⁴ small steps: min p ≥ 0
    exactly, mass inside + outflow conserved to 1e-12."""
    g = Grid([-2.0, -2.0], [2.0, 2.0], 20)
    p0 = np.zeros((20, 20))
    p0[17, 3] = 1.0 / g.cell_volume
    sol = solve_fokker_planck(
        turning_drift, 1.0, p0, g, (0, 8.0), time="mprk22", dt=1.6, boundary=boundary
    )
    d = sol.diagnostics
    assert d.cfl_max > 50
    assert sol.density.min() >= 0 and d.min_density >= 0 and d.max_mass_drift <= 1e-12
    assert abs(sol.mass()[-1] + d.outflow.sum() - 1.0) <= 1e-12
    small = solve_fokker_planck(
        turning_drift, 1.0, p0, g, (0, 1.0), time="mprk22", dt=1e-4, boundary=boundary
    )
    assert small.diagnostics.steps == 10_000
    assert small.diagnostics.min_density >= 0 and small.diagnostics.max_mass_drift <= 1e-12


def test_numpy_drift_matches_compiled_drift_2d():
    g = Grid([-3.0, -3.0], [3.0, 3.0], [24, 20])
    args = (lambda t: 1.0 + 0.5 * t, Gaussian([0.5, 0.0], 0.3), g, (0, 0.5))
    kw = {"time": "mprk22", "dt": 0.05, "boundary": "outflow", "save_at": [0.25]}
    fast = solve_fokker_planck(turning_drift, *args, **kw)
    slow = solve_fokker_planck(turning_numpy, *args, **kw)
    np.testing.assert_allclose(fast.density, slow.density, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(fast.diagnostics.outflow, slow.diagnostics.outflow, rtol=1e-12)
    assert fast.diagnostics.steps == slow.diagnostics.steps == 10


def test_strang_split_3d_separable_drift_is_the_product_of_1d_runs():
    """In 3-D the order is S_0(½Δt) S_1(½Δt) S_2(Δt) S_1(½Δt) S_0(½Δt): x and y take steps of
    Δt/2, z of Δt; on a product density and separable drift the result is the product."""

    @pc.field_kernel(dim=3, steady=True)
    def drift3(t, x, params, out):
        out[0] = -x[0]
        out[1] = -2.0 * x[1]
        out[2] = -0.5 * x[2]

    rates = (1.0, 2.0, 0.5)
    means = (0.5, -0.5, 0.2)
    shape = (14, 12, 10)
    g = Grid([-3.0] * 3, [3.0] * 3, list(shape))
    dt = 0.1
    three = solve_fokker_planck(
        drift3, 1.0, Gaussian(list(means), 0.3), g, (0, 0.3), time="mprk22", dt=dt
    )
    lines = []
    for k in range(3):

        def make(c):
            @pc.field_kernel(dim=1, steady=True)
            def f(t, x, params, out):
                out[0] = -c * x[0]

            return f

        step = dt if k == 2 else dt / 2
        gk = Grid(-3.0, 3.0, shape[k])
        run = solve_fokker_planck(
            make(rates[k]), 1.0, Gaussian(means[k], 0.3), gk, (0, 0.3), time="mprk22", dt=step
        )
        lines.append(run.density[-1])
    product = np.einsum("i,j,k->ijk", *lines)
    np.testing.assert_allclose(three.density[-1], product, rtol=1e-11, atol=1e-14)
    assert three.diagnostics.min_density >= 0 and three.diagnostics.max_mass_drift <= 1e-12
