"""What every grid solve returns: no subnormal numbers in the density (issue: users test
``p.min() >= 0`` and ``p > 0`` on the support, and subnormal arithmetic is ~100x slower).

Far tails of a narrow Gaussian on a wide box, and the edges of a box profile under MUSCL, decay
through the subnormal range (2.2e-308 down to 4.9e-324) on their way to 0; without the flush
each of the runs below leaves tens to hundreds of subnormal cells (measured: 20 for MUSCL on the
box, 22 to 975 for the heat and Fokker–Planck runs).
"""

from __future__ import annotations

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.grid import Grid, solve_continuity, solve_fokker_planck, solve_heat
from pdecheck.grid.solution import Diagnostics, GridSolution

TINY = np.finfo(np.float64).tiny


def subnormal_cells(density: np.ndarray) -> int:
    return int(np.count_nonzero((density != 0) & (np.abs(density) < TINY)))


@pc.field_kernel(dim=1, steady=True)
def unit_velocity(t, x, params, out):
    out[0] = 1.0


def test_muscl_box_advection_has_no_subnormal_cells():
    """MUSCL + SSP-RK3 carries a box once round a periodic box of 1024 cells at C = ½: the
    limited edges leave values far below 1e-300 that the kernel stores as 0."""
    n = 1024
    x = (np.arange(n) + 0.5) / n
    box = ((x > 0.25) & (x < 0.5)).astype(float)
    sol = solve_continuity(
        unit_velocity, box / (box.sum() / n), Grid(0.0, 1.0, n), (0.0, 1.0), dt=0.5 / n,
        boundary="periodic",
    )  # fmt: skip
    assert subnormal_cells(sol.density) == 0
    assert sol.density.min() >= 0.0
    assert sol.diagnostics.max_mass_drift <= 1e-12


SOLVES = {
    "fokker-planck implicit": lambda p0, g, s: solve_fokker_planck(
        lambda t, x: -x, 0.5, p0, g, (0.0, 0.3), time="implicit", save_at=s
    ),
    "fokker-planck mprk22": lambda p0, g, s: solve_fokker_planck(
        lambda t, x: -x, 0.5, p0, g, (0.0, 0.3), time="mprk22", save_at=s
    ),
    "fokker-planck ssprk2": lambda p0, g, s: solve_fokker_planck(
        lambda t, x: -x, 0.5, p0, g, (0.0, 0.3), time="ssprk2", save_at=s
    ),
    "heat explicit": lambda p0, g, s: solve_heat(
        0.5, p0, g, (0.0, 0.3), method="explicit", save_at=s
    ),
    "heat crank-nicolson": lambda p0, g, s: solve_heat(0.5, p0, g, (0.0, 0.3), save_at=s),
}


@pytest.mark.parametrize("name", SOLVES)
def test_far_tails_of_a_narrow_gaussian_have_no_subnormal_cells(name):
    """N(0, 0.05²) on [−30, 30] with 2000 cells, saved at 7 times: the tails fall below 1e-308
    within the box at every saved time, and what is stored there is 0, never a subnormal."""
    grid = Grid(-30.0, 30.0, 2000)
    sol = SOLVES[name](pc.Gaussian(0.0, 0.05), grid, np.linspace(0.0, 0.3, 7))
    assert subnormal_cells(sol.density) == 0
    assert np.count_nonzero(sol.density[-1] == 0) > 0  # the tails did reach the underflow range
    assert sol.density.min() >= 0.0


COMPILED_SOLVES = {
    "heat crank-nicolson": lambda g: solve_heat(0.5, pc.Gaussian(0.0, 0.5), g, (0.0, 0.1)),
    "heat explicit": lambda g: solve_heat(
        0.5, pc.Gaussian(0.0, 0.5), g, (0.0, 0.1), method="explicit"
    ),
    "fokker-planck implicit, NumPy drift": lambda g: solve_fokker_planck(
        lambda t, x: -x, 0.5, pc.Gaussian(0.0, 0.5), g, (0.0, 0.1)
    ),
    "fokker-planck mprk22, compiled drift": lambda g: solve_fokker_planck(
        unit_velocity, 0.5, pc.Gaussian(0.0, 0.5), g, (0.0, 0.1), time="mprk22"
    ),
    "fokker-planck ssprk2, compiled drift": lambda g: solve_fokker_planck(
        unit_velocity, 0.5, pc.Gaussian(0.0, 0.5), g, (0.0, 0.1), time="ssprk2"
    ),
}


@pytest.mark.parametrize("name", COMPILED_SOLVES)
def test_compile_time_counts_compiling_only(name):
    """A second identical solve compiles nothing, so its compile_time is exactly 0 (it counts
    Numba's compile events, not the first step's wall time, which is never 0)."""
    grid = Grid(-4.0, 4.0, 32)
    COMPILED_SOLVES[name](grid)
    again = COMPILED_SOLVES[name](grid)
    assert again.diagnostics.compile_time == 0.0
    assert again.diagnostics.wall_time > 0.0


def test_a_density_that_broke_down_is_flagged_not_reported_clean():
    """Crank–Nicolson with D = 1e17 overflows to NaN: the running min/max statistics pass NaN
    over, so the solution itself checks the saved density."""
    g = Grid(-3.0, 3.0, 40)
    p0 = np.exp(-0.5 * g.centers[0] ** 2)
    with pytest.warns(RuntimeWarning, match="non-finite density"):
        sol = solve_heat(1e17, p0 / g.mass(p0), g, (0.0, 1.0))
    assert np.isnan(sol.diagnostics.min_density) and np.isnan(sol.diagnostics.max_mass_drift)


def test_a_mass_balance_that_drifted_is_flagged():
    """inside + out = initial to round-off is the schemes' promise; a solution whose final mass
    is 0.8 of the initial (no outflow) carries a flag naming the drift."""
    g = Grid(0.0, 1.0, 10)
    diag = Diagnostics(method="test", initial_mass=1.0, outflow=np.zeros((1, 2)))
    with pytest.warns(RuntimeWarning, match=r"mass balance drifted by 2\.000e-01"):
        GridSolution(g, np.array([0.0, 1.0]), np.vstack([np.ones(10), np.full(10, 0.8)]), diag)
    clean = Diagnostics(method="test", initial_mass=1.0, outflow=np.array([[0.1, 0.1]]))
    GridSolution(g, np.array([0.0, 1.0]), np.vstack([np.ones(10), np.full(10, 0.8)]), clean)
    assert not clean.flags  # 0.8 inside + 0.2 out closes the balance
