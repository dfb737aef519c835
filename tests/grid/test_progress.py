"""The progress bar of grid solves (pdecheck.grid._progress): shown when asked, and the compiled
Fokker–Planck loops, which run in chunks of steps under a bar (8 steps, then doubling), give
the same bits and the same diagnostics as the single call without one."""

from __future__ import annotations

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.grid import Grid, solve_continuity, solve_fokker_planck, solve_heat


def inward_kernel(t, x, params, out):
    for k in range(x.size):
        out[k] = -(1.0 + 0.5 * t) * x[k]


inward = {d: pc.field_kernel(dim=d)(inward_kernel) for d in (1, 2)}


def numpy_inward(t, x):
    return -(1.0 + 0.5 * t) * x


RUNS = {
    "implicit, compiled, 1-D": (inward[1], 1, "implicit"),
    "mprk22, compiled, 1-D": (inward[1], 1, "mprk22"),
    "mprk22, compiled, 2-D (Strang)": (inward[2], 2, "mprk22"),
    "mprk22, NumPy drift, 1-D": (numpy_inward, 1, "mprk22"),
    "implicit, NumPy drift, 1-D": (numpy_inward, 1, "implicit"),
}


@pytest.mark.parametrize("name", RUNS)
def test_fokker_planck_under_a_bar_gives_the_same_bits(name, capsys):
    drift, dim, time = RUNS[name]
    grid = Grid([-4.0] * dim, [4.0] * dim, 40)
    p0 = pc.Gaussian([0.5] * dim, 0.4)
    kwargs = dict(time=time, save_at=[0.0, 0.3, 0.45, 1.0], boundary="outflow")
    plain = solve_fokker_planck(drift, 0.8, p0, grid, (0.0, 1.0), progress=False, **kwargs)
    assert capsys.readouterr().err == ""
    shown = solve_fokker_planck(drift, 0.8, p0, grid, (0.0, 1.0), progress=True, **kwargs)
    assert capsys.readouterr().err != ""  # the bar was drawn
    np.testing.assert_array_equal(shown.density, plain.density)
    np.testing.assert_array_equal(shown.diagnostics.outflow, plain.diagnostics.outflow)
    assert shown.diagnostics.max_mass_drift == plain.diagnostics.max_mass_drift <= 1e-12
    assert shown.diagnostics.steps == plain.diagnostics.steps >= 200


def test_heat_and_continuity_under_a_bar_give_the_same_bits(capsys):
    grid = Grid(-4.0, 4.0, 64)
    p0 = pc.Gaussian(0.0, 0.5)
    heat = [solve_heat(0.5, p0, grid, (0.0, 0.5), progress=bar) for bar in (False, True)]
    np.testing.assert_array_equal(heat[0].density, heat[1].density)
    moved = [
        solve_continuity(numpy_inward, p0, grid, (0.0, 0.5), progress=bar) for bar in (False, True)
    ]
    np.testing.assert_array_equal(moved[0].density, moved[1].density)
    assert capsys.readouterr().err != ""


@pytest.mark.parametrize("solve", [solve_heat, solve_fokker_planck, solve_continuity])
@pytest.mark.parametrize("progress", [1, "yes", None])
def test_progress_must_be_a_bool_or_auto(solve, progress):
    grid = Grid(-4.0, 4.0, 16)
    args = (0.5,) if solve is solve_heat else (numpy_inward,)
    if solve is solve_fokker_planck:
        args = (numpy_inward, 0.5)
    with pytest.raises(ValueError, match=r"progress=.* must be True, False or 'auto'"):
        solve(*args, pc.Gaussian(0.0, 0.5), grid, (0.0, 0.1), progress=progress)
