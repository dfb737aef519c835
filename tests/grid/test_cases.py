"""Grid solvers on catalogue cases (pdecheck.cases): observed orders against exact cell averages.

Every order is the slope of log L1 error against log h (or Δt) fitted over four refinements and
compared with the theory named in the docstring; the exact marginals come from the registry.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pdecheck import cases
from pdecheck.densities import Gaussian
from pdecheck.grid import Grid, solve_fokker_planck, solve_heat


def slope(xs, errors):
    return np.polyfit(np.log(xs), np.log(errors), 1)[0]


def l1(grid: Grid, p: np.ndarray, density) -> float:
    return float(np.abs(p - grid.cell_averages(density)).sum() * grid.cell_volume)


def numpy_drift(problem):
    """The case's drift through its vectorised call (its compiled kernel is dimension-generic)."""
    return lambda t, x: problem.drift(t, x)


@pytest.mark.parametrize(("case", "t_span"), [("S1", (0.1, 0.6)), ("S2", (0.2, 0.5))])
def test_sde_case_from_mixture_second_order_in_space(case, t_span):
    """S1 (OU) and S2 (VP) from their Gaussian-mixture marginal at t0 > 0: Chang–Cooper is
    O(h²) at bounded Péclet number and SSP-RK2 at its positivity bound Δt ∝ h² adds O(h⁴), so
    the L1 slope against h is 2 (FOKKER-PLANCK.md §1)."""
    problem = cases.get(case).problem()
    t0, t1 = t_span
    ns = [50, 100, 200, 400]
    errors = []
    for n in ns:
        grid = Grid.for_density([problem.marginal(t0), problem.marginal(t1)], n)
        sol = solve_fokker_planck(
            numpy_drift(problem),
            problem.diffusion,
            problem.marginal(t0),
            grid,
            t_span,
            time="ssprk2",
        )
        assert sol.density.min() >= 0 and sol.diagnostics.max_mass_drift <= 1e-12
        errors.append(l1(grid, sol.density[-1], problem.marginal(t1)))
    assert abs(-slope(ns, errors) - 2.0) <= 0.15, errors


def test_backward_reverse_sde_reproduces_p_eps_ou():
    """A decreasing t_span runs the SDE backward in time. With the reverse drift
    f − g² ∇log p_t of S1 (OU, exact score) from p_T the law at ε is p_ε (CATALOGUE F2):
    SSP-RK2, Δt ∝ h², L1 error against the exact p_ε of slope 2 in h."""
    problem = cases.get("S1").problem()
    T, eps = 1.0, 0.1

    def reverse(t, x):
        return problem.drift(t, x) - problem.diffusion(t) ** 2 * problem.score(t, x)

    ns = [50, 100, 200, 400]
    errors = []
    for n in ns:
        grid = Grid.for_density([problem.marginal(T), problem.marginal(eps)], n)
        sol = solve_fokker_planck(
            reverse, problem.diffusion, problem.marginal(T), grid, (T, eps), time="ssprk2"
        )
        assert sol.times[-1] == eps and sol.density.min() >= 0
        assert sol.diagnostics.max_mass_drift <= 1e-12
        errors.append(l1(grid, sol.density[-1], problem.marginal(eps)))
    assert abs(-slope(ns, errors) - 2.0) <= 0.15, errors


@pytest.mark.parametrize(("time", "order"), [("implicit", 1.0), ("ssprk2", 2.0)])
def test_time_order_on_s1(time, order):
    """At a fixed grid the error is E_h + C Δt^q; differences of successive halvings of Δt
    remove E_h and fall like Δt^q: q = 1 for implicit Euler (A_1 at t_{n+1}; splitting is
    exact in 1-D), 2 for SSP-RK2 (Heun)."""
    problem = cases.get("S1").problem()
    t_span = (0.1, 0.6)
    grid = Grid.for_density([problem.marginal(t) for t in t_span], 100)
    probe = solve_fokker_planck(
        numpy_drift(problem),
        problem.diffusion,
        problem.marginal(0.1),
        grid,
        (0.1, 0.1001),
        time="ssprk2",
    )
    largest = 0.02 if time == "implicit" else probe.diagnostics.dt_limit
    dts = [largest / 2**k for k in range(5)]
    finals = [
        solve_fokker_planck(
            numpy_drift(problem),
            problem.diffusion,
            problem.marginal(0.1),
            grid,
            t_span,
            time=time,
            dt=dt,
        ).density[-1]
        for dt in dts
    ]
    diffs = [np.abs(a - b).sum() * grid.h[0] for a, b in itertools.pairwise(finals)]
    assert abs(slope(dts[:-1], diffs) - order) <= 0.15, diffs


def test_chang_cooper_order_degrades_gracefully_with_peclet():
    """FOKKER-PLANCK.md drift-dominated ladder: OU θ = 1, σ = 0.2 (D = 0.02) from N(2, 0.1²)
    on [−1, 3], max cell Péclet number 600/N. Observed orders between successive N climb from
    near upwind (1) to 2 as Pe falls from 12 to 0.75 (1.27 → 1.73 → 1.92 → 1.98 with exact
    time integration); every solution stays positive and conservative."""
    sigma = 0.2
    ns = [50, 100, 200, 400, 800]
    a = np.exp(-1.0)
    exact = Gaussian(2 * a, np.sqrt(0.01 * a * a + 0.5 * sigma**2 * (1 - a * a)))
    errors, peclet = [], []
    for n in ns:
        grid = Grid(-1.0, 3.0, n)
        sol = solve_fokker_planck(
            lambda t, x: -x, sigma, Gaussian(2.0, 0.1), grid, (0, 1), time="ssprk2"
        )
        assert sol.density.min() >= 0 and sol.diagnostics.max_mass_drift <= 1e-12
        errors.append(l1(grid, sol.density[-1], exact))
        peclet.append(sol.diagnostics.peclet_max)
    orders = -np.diff(np.log(errors)) / np.log(2)
    assert peclet[0] > 10 and peclet[-1] < 1
    assert np.all(np.diff(orders) > 0), orders
    assert orders[0] < 1.5 and abs(orders[-1] - 2.0) <= 0.15, orders


def test_h1_from_delta_like_data_douglas_second_order_2d():
    """CATALOGUE H1 (2-D heat, D_t = ½ + t) started from δ-like data — its exact marginal at
    t0 = 0.02, a Gaussian of std 0.14 — to t = 0.2 in a box sized by Grid.for_density on the
    final marginal (width ∝ √s_t). Douglas ADI with D at the half step and Δt ∝ h is
    second order in Δt and h: L1 slope 2."""
    problem = cases.get("H1").problem()
    t0, t1 = 0.02, 0.2
    ns = [24, 48, 96, 192]
    errors = []
    for n in ns:
        grid = Grid.for_density(problem.marginal(t1), n)
        sol = solve_heat(
            problem.notes["D"], problem.marginal(t0), grid, (t0, t1), dt=(t1 - t0) * 8 / n
        )
        assert sol.diagnostics.max_mass_drift <= 1e-12
        errors.append(l1(grid, sol.density[-1], problem.marginal(t1)))
    assert abs(-slope(ns, errors) - 2.0) <= 0.15, errors
