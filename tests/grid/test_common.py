"""pdecheck.grid._common: the checks every grid solver shares on D(t), g(t) and dt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.grid import Grid, solve_fokker_planck, solve_heat

GRID = Grid(-8.0, 8.0, 32)
P0 = pc.Gaussian(0.0, 1.0)


def _heat(D: Any) -> Any:
    return solve_heat(D, P0, GRID, (0.0, 1.0))


def _fokker_planck(g: Any) -> Any:
    return solve_fokker_planck(lambda t, x: -x, g, P0, GRID, (0.0, 1.0))


BAD_FUNCTIONS: dict[str, tuple[Callable[[Any], Any], str, Callable[[float], Any], str]] = {
    "D(t) an array": (_heat, "D", lambda t: np.array([1.0, 2.0]), r" returned \[1\. 2\.\]"),
    "D(t) None": (_heat, "D", lambda t: None, "=None must be a real number"),
    "D(t) complex": (_heat, "D", lambda t: 1j, "=1j must be a real number"),
    "g(t) an array": (
        _fokker_planck,
        "diffusion",
        lambda t: np.ones(3),
        r" returned \[1\. 1\. 1\.\]",
    ),
    "g(t) None": (_fokker_planck, "diffusion", lambda t: None, "=None must be a real number"),
}


@pytest.mark.parametrize("case", BAD_FUNCTIONS)
def test_a_coefficient_of_t_must_return_one_real_number(case: str) -> None:
    solve, name, func, message = BAD_FUNCTIONS[case]
    with pytest.raises(TypeError, match=rf"^{name}\(t=0\.\d+\)" + message):
        solve(func)


def test_a_diffusion_whose_square_overflows_is_refused_naming_it() -> None:
    # g = 1e300: g²/2 = inf in floating point (g**2 would raise OverflowError)
    with pytest.raises(ValueError, match=r"diffusion=1e\+300 gives D = g²/2 = inf"):
        _fokker_planck(1e300)
    with pytest.raises(ValueError, match=r"diffusion D at t=0\.0 is inf"):
        _fokker_planck(lambda t: 1e300)


def test_an_automatic_explicit_heat_step_beyond_the_budget_names_the_limit() -> None:
    # D = 1e17 on h = 0.5: the limit h²/2D = 1.25e-18, so 9e17 steps to t = 1
    with pytest.raises(ValueError, match=r"0\.9 of the stability limit 1\.25e-18.*crank-nicolson"):
        solve_heat(1e17, P0, GRID, (0.0, 1.0), method="explicit")


@pytest.mark.parametrize("value", [1e308, 5e-324])
def test_normalize_rescales_a_density_whose_mass_overflows_or_is_subnormal(value: float) -> None:
    # 32 equal cells of width 0.5: mass 16 · value (inf for 1e308); rescaled, each is 1/16
    solution = solve_heat(1.0, np.full(32, value), GRID, (0.0, 1.0), normalize=True)
    np.testing.assert_allclose(solution.density[0], 1.0 / 16.0, rtol=1e-15)
