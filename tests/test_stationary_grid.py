"""The grid half of verify_stationary (pdecheck.stationary_grid): Chang–Cooper steady states.

Deterministic checks: the discrete Gibbs state is an exact fixed point (FOKKER-PLANCK.md §5),
so it is met to round-off; against the continuous p the error is O(h²) and the budget is a
Richardson estimate from three grids.
"""

from __future__ import annotations

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.exact.langevin import L7_D, GibbsDensity, double_well, double_well_force
from pdecheck.grid import Grid
from pdecheck.particles.langevin import AnnealedLangevin, Langevin
from pdecheck.sde import SDE
from pdecheck.stationary import verify_stationary
from pdecheck.stationary_grid import DiscreteGradient, gibbs_cells, steady_state

GIBBS = GibbsDensity(double_well, L7_D, -2.5, 2.5, force=double_well_force)


def _sde(force):
    g = np.sqrt(2 * L7_D)
    return SDE(lambda t, x: force(x), lambda t: g + 0 * np.asarray(t), T=1.0)


def test_l7_double_well_steady_state_is_discrete_gibbs_to_round_off():
    """Case L7: dX = −U' dt + √(2D) dW, U = (x² − 1)², D = 1/4. With face drift −ΔU/h the
    Chang–Cooper fixed point is exp(−U_i/D)/Z exactly, reached from the uniform density across
    the barrier (Kramers time ~ e^{1/D}; implicit Euler with doubling Δt contracts the slow
    mode by 1/(1 + λ₁Δt) a step, so a few dozen steps suffice); the pointwise drift
    −U'(x_face) converges to the continuous p at the nominal order 2 (Richardson over 100, 200
    and 400 cells)."""
    verdict = verify_stationary(_sde(double_well_force), GIBBS, potential=double_well)
    assert verdict.passed, verdict.summary()
    gibbs = verdict.checks[0]
    assert gibbs.statistic < 1e-12  # round-off: 400 cells, values O(1)
    assert verdict.info["grid_order"] == pytest.approx(2.0, abs=0.1)
    assert not [f for f in verdict.flags if f.code == "not-steady"]
    print(verdict.summary())


def test_wrong_potential_fails():
    """A tilted well U + 0.3x has Gibbs state exp(−(U + 0.3x)/D): wells weighted e^{±1.2}
    apart, an L1 distance O(1) from the symmetric p, far beyond an O(h²) budget."""
    verdict = verify_stationary(
        _sde(lambda x: double_well_force(x) - 0.3),
        GIBBS,
        potential=lambda x: double_well(x) + 0.3 * x,
    )
    assert not verdict.passed
    assert verdict.checks[0].passed  # the tilted potential's own discrete Gibbs state is met
    assert verdict.checks[1].statistic > 0.1


def test_stopping_rule_bounds_the_distance_to_the_fixed_point():
    """The estimate ‖Δp₂‖ρ/(1 − ρ) of the remaining distance is an upper bound in practice for
    this self-adjoint problem: stopped at tol = 1e-6, the true L1 distance is below tol."""
    grid = Grid(-2.5, 2.5, 100)
    p, info = steady_state(DiscreteGradient(double_well, grid), L7_D, grid, tol=1e-6)
    exact = gibbs_cells(double_well, L7_D, grid)
    distance = np.sum(np.abs(p - exact)) * grid.cell_volume
    assert info["converged"] and distance < 1e-6
    assert distance > 1e-12  # it did stop early, so the rule was exercised


def test_two_dimensional_gibbs_state_with_dimension_splitting():
    """Each 1-D sweep of the Lie splitting annihilates exp(−U/D), so the 2-D fixed point is
    exact too: U = (x² − 1)² + y²/2 on 24 × 24 cells."""
    grid = Grid([-2.0, -2.0], [2.0, 2.0], 24)

    def potential(x):
        return (x[:, 0] ** 2 - 1) ** 2 + 0.5 * x[:, 1] ** 2

    p, info = steady_state(DiscreteGradient(potential, grid), 0.5, grid)
    exact = gibbs_cells(potential, 0.5, grid)
    assert info["converged"]
    assert np.sum(np.abs(p - exact)) * grid.cell_volume < 1e-12


P = pc.Gaussian(0.5, 0.8)


def test_langevin_sampler_grid_half():
    """A Langevin sampler's ε → 0 SDE dx = ½ s dt + dW has the stationary law p; a wrong score
    (std 0.9 instead of 0.8) has N(0.5, 0.81), an L1 distance ≈ 0.1 away."""
    small = {"n_chains": 200, "n_steps": 40, "grid": 64}
    good = verify_stationary(Langevin(P, eps=0.05), P, **small)
    grid_check = [c for c in good.checks if c.method == "grid vs exact"]
    assert grid_check and all(c.passed for c in grid_check), good.summary()
    bad = verify_stationary(Langevin(pc.Gaussian(0.5, 0.9), eps=0.05), P, **small)
    assert not next(c for c in bad.checks if c.method == "grid vs exact").passed


def test_bad_input():
    with pytest.raises(ValueError, match="time-homogeneous"):
        verify_stationary(SDE(lambda t, x: -x, lambda t: 1 + np.asarray(t)), P)
    with pytest.raises(ValueError, match="autonomous"):
        verify_stationary((lambda t, x: -x * (1 + t), 1.0), P)
    with pytest.raises(TypeError, match="annealed"):
        verify_stationary(AnnealedLangevin(P, [1.0, 0.5], 0.01, 5), P, grid=32)
    with pytest.raises(TypeError, match="SDE"):
        verify_stationary(object(), P)
    with pytest.raises(ValueError, match="potential returned"):
        verify_stationary((lambda t, x: -x, 1.0), P, potential=lambda x: np.zeros(3))


def test_a_nonfinite_drift_is_named_before_the_autonomy_check():
    """A drift that is NaN somewhere in the box was reported as "changes between t=0 and t=1"
    (NaN != NaN): now the count of non-finite values comes first."""
    with pytest.raises(ValueError) as info:
        verify_stationary((lambda t, x: np.full_like(x, np.nan), 1.0), pc.Gaussian(0.0, 0.7))
    message = str(info.value)
    for word in ["drift returned 100 non-finite value(s) at t=0", "grid box", "finite drift"]:
        assert word in message
    assert "autonomous" not in message

    def half_nan(t, x):
        return np.where(x > 1.0, np.inf, -x)

    with pytest.raises(ValueError, match=r"drift returned \d+ non-finite value\(s\) at t=0"):
        verify_stationary((half_nan, 1.0), pc.Gaussian(0.0, 0.7))
