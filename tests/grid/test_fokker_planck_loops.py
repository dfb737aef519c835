"""Compiled drifts: the one-call SSP-RK2 loop takes the stepwise path's steps; grids above
``PARALLEL_CELLS`` step the implicit scheme from Python with parallel sweeps."""

from __future__ import annotations

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.densities import Gaussian
from pdecheck.grid import Grid, solve_fokker_planck


@pc.field_kernel(dim=1, steady=True)
def ou_drift(t, x, params, out):
    out[0] = -x[0]


@pc.field_kernel(dim=2)
def swirl(t, x, params, out):
    out[0] = x[0] - (1.0 + t) * x[1]
    out[1] = x[1] + x[0]


def swirl_numpy(t, x):
    return np.stack([x[:, 0] - (1.0 + t) * x[:, 1], x[:, 1] + x[:, 0]], axis=1)


@pytest.mark.parametrize("boundary", ["zero-flux", "periodic", "outflow"])
def test_compiled_loop_equals_stepwise_path_1d(boundary):
    """Same steps (0.95 of 1/max|A_ii|), same stages, same order of operations: same bits."""
    g = Grid(-4.0, 6.0, 120)
    args = (1.0, Gaussian(2.0, 0.3), g, (0, 0.5))
    kw = {"time": "ssprk2", "boundary": boundary, "save_at": [0.25]}
    fast = solve_fokker_planck(ou_drift, *args, **kw)
    slow = solve_fokker_planck(lambda t, x: -x, *args, **kw)
    np.testing.assert_array_equal(fast.density, slow.density)
    a, b = fast.diagnostics, slow.diagnostics
    assert a.steps == b.steps and a.dt_min == b.dt_min and a.dt_limit == b.dt_limit
    assert a.min_density >= 0 and a.max_mass_drift <= 1e-12


def test_compiled_loop_equals_stepwise_path_2d_time_dependent_outflow():
    """A time-dependent, outward 2-D drift (loaded at both stage times, the step shrunk for
    the second stage's bound) through outflow walls: same bits, same outflow, balance closed."""
    g = Grid([-3.0, -3.0], [3.0, 3.0], 30)
    args = (1.0, Gaussian([0.5, 0.0], 0.3), g, (0, 0.4))
    fast = solve_fokker_planck(swirl, *args, time="ssprk2", boundary="outflow")
    slow = solve_fokker_planck(swirl_numpy, *args, time="ssprk2", boundary="outflow")
    np.testing.assert_array_equal(fast.density, slow.density)
    # the wall fluxes are summed in another order (NumPy's pairwise sum): equal to round-off
    np.testing.assert_allclose(fast.diagnostics.outflow, slow.diagnostics.outflow, rtol=1e-14)
    assert fast.diagnostics.steps == slow.diagnostics.steps
    assert fast.diagnostics.peclet_max == pytest.approx(slow.diagnostics.peclet_max, rel=1e-14)
    assert fast.diagnostics.outflow.sum() > 0 and fast.diagnostics.max_mass_drift <= 1e-12


def test_compiled_loop_fixed_dt_beyond_bound_raises():
    g = Grid(-4.0, 6.0, 100)
    with pytest.raises(ValueError, match=r"dt=0\.01 exceeds the positivity/stability limit"):
        solve_fokker_planck(ou_drift, 1.0, Gaussian(2.0, 0.3), g, (0, 1), time="ssprk2", dt=0.01)


def test_compiled_loop_reports_non_finite_drift():
    @pc.field_kernel(dim=1)
    def blows_up(t, x, params, out):
        out[0] = -x[0] if t < 0.5 else np.nan

    g = Grid(-4.0, 6.0, 50)
    with pytest.raises(ValueError, match=r"drift returned non-finite value\(s\) at t="):
        solve_fokker_planck(blows_up, 1.0, Gaussian(2.0, 0.3), g, (0, 1), time="ssprk2")


def test_large_grid_compiled_implicit_steps_from_python():
    """Above PARALLEL_CELLS cells the compiled-drift implicit run takes the fixed steps of the
    compiled loop through the parallel sweeps: the same density as the NumPy drift's run."""
    from pdecheck.grid._drift_diffusion import PARALLEL_CELLS

    g = Grid([-4.0, -4.0], [4.0, 4.0], 330)
    assert g.size > PARALLEL_CELLS
    args = (1.0, Gaussian([0.5, 0.0], 0.5), g, (0, 0.4))
    fast = solve_fokker_planck(swirl, *args, dt=0.2)
    slow = solve_fokker_planck(swirl_numpy, *args, dt=0.2)
    np.testing.assert_allclose(fast.density, slow.density, rtol=0, atol=1e-14)
    assert fast.diagnostics.steps == 2 and fast.diagnostics.min_density >= 0
    assert fast.diagnostics.max_mass_drift <= 1e-12
