"""The limits on steps (``pdecheck.grid._stall``): a coefficient that grows without bound at
t* = 0.5 makes every adaptive loop shrink its step geometrically (the step is a fixed fraction
of the distance 0.5 − t, since the rate grows like 1/(0.5 − t)); each loop must stop with an
error naming a time just before t* instead of running forever once t + dt == t. A coefficient
that is merely huge for the grid (a drift of 1e10 on a box of width 16) must be refused at the
first step, and a fixed dt needing more than MAX_STEPS steps before the run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.grid import Grid, solve_continuity, solve_fokker_planck, solve_heat
from pdecheck.grid._stall import MAX_STEPS, MIN_STEP, stall_error, stalled

T_STAR = 0.5
P0 = pc.Gaussian(0.0, 1.0)
GRID = Grid(-8.0, 8.0, 64)


def _rate(t: float) -> float:
    return 1.0 / (T_STAR - t) if t < T_STAR else np.inf


def _numpy_field(t: float, x: np.ndarray) -> np.ndarray:
    return np.full_like(x, _rate(t))


@pc.field_kernel(dim=1)
def _kernel_field(t, x, params, out):
    out[0] = 1.0 / (0.5 - t) if t < 0.5 else np.inf


def test_the_rule_flags_only_short_steps_below_the_floor_or_beyond_the_budget() -> None:
    span = 2.0
    floor = MIN_STEP * span
    assert stalled(0.5 * floor, 0.5 * floor * 1e3, span)
    assert not stalled(2.0 * floor, 2.0 * floor * 1e3, span)  # above the floor, within budget
    assert not stalled(0.5 * floor, 0.5 * floor, span)  # the last step of a span: not short
    # the budget: a step that would need more than MAX_STEPS of its size to cover what remains
    assert stalled(0.9 / MAX_STEPS, 1.0, span)
    assert not stalled(1.1 / MAX_STEPS, 1.0, span)
    assert "t=0.25" in str(stall_error(0.25, 1e-13, (0.0, 1.0)))
    assert "from the start" in str(stall_error(0.0, 1e-13, (0.0, 1.0)))


def _field_solves(kernel: Any, numpy_field: Any) -> dict[str, Callable[[], Any]]:
    """Every solver loop that picks its own step, on a compiled and on a NumPy field."""
    span = (0.0, 1.0)
    return {
        "continuity, compiled field": lambda: solve_continuity(kernel, P0, GRID, span),
        "continuity, NumPy field": lambda: solve_continuity(numpy_field, P0, GRID, span),
        "Fokker-Planck ssprk2, compiled drift": lambda: solve_fokker_planck(
            kernel, 1.0, P0, GRID, span, time="ssprk2"
        ),
        "Fokker-Planck ssprk2, NumPy drift": lambda: solve_fokker_planck(
            numpy_field, 1.0, P0, GRID, span, time="ssprk2"
        ),
        "Fokker-Planck implicit, NumPy drift": lambda: solve_fokker_planck(
            numpy_field, 1.0, P0, GRID, span, time="implicit"
        ),
    }


SOLVES: dict[str, Callable[[], Any]] = {
    **_field_solves(_kernel_field, _numpy_field),
    "explicit heat, D(t)": lambda: solve_heat(_rate, P0, GRID, (0.0, 1.0), method="explicit"),
}


@pytest.mark.parametrize("name", SOLVES)
def test_a_coefficient_blowing_up_stops_the_run_just_before_it(name: str) -> None:
    with pytest.raises(ValueError, match="grows without bound") as caught:
        SOLVES[name]()
    t = float(str(caught.value).split(" at t=", 1)[1].split(":", 1)[0])
    # the step is c (0.5 − t) with c <= 1; it breaks the budget (below 1e-8 of the ≈ 0.5 that
    # remains to t = 1) only within 5e-9 / c of t*, and c >= 1e-3 here (Courant and
    # positivity rules on 64 cells), hence the 5e-6 bound
    assert T_STAR - 5e-6 < t < T_STAR


def _huge_drift(t: float, x: np.ndarray) -> np.ndarray:
    return -1e10 * x


@pc.field_kernel(dim=1, steady=True)
def _huge_kernel(t, x, params, out):
    out[0] = -1e10 * x[0]


HUGE: dict[str, Callable[[], Any]] = _field_solves(_huge_kernel, _huge_drift)


@pytest.mark.parametrize("name", HUGE)
def test_a_coefficient_too_large_for_the_grid_is_refused_at_the_first_step(name: str) -> None:
    # the Courant rule asks for dt ≈ h / max|f| ≈ 0.25 / 8e10 ≈ 3e-12: 3e11 steps to t = 1
    with pytest.raises(ValueError, match="too large for this grid and time span from the start"):
        HUGE[name]()


@pytest.mark.parametrize("time", ["mprk22", "implicit"])
def test_an_automatic_fixed_step_beyond_the_budget_is_refused_naming_how_it_was_chosen(
    time: str,
) -> None:
    # dt=None picks h / max|f| for these (positive for any dt) schemes: 3e11 steps here
    with pytest.raises(ValueError, match=r"dt=None: one Courant number.*1e\+08"):
        solve_fokker_planck(_huge_kernel, 1.0, P0, GRID, (0.0, 1.0), time=time)


SOLVERS: dict[str, Callable[[float], Any]] = {
    "continuity": lambda dt: solve_continuity(_huge_kernel, P0, GRID, (0.0, 1.0), dt=dt),
    "heat": lambda dt: solve_heat(1.0, P0, GRID, (0.0, 1.0), method="explicit", dt=dt),
    "Fokker-Planck": lambda dt: solve_fokker_planck(_huge_kernel, 1.0, P0, GRID, (0, 1), dt=dt),
}


@pytest.mark.parametrize("name", SOLVERS)
def test_a_fixed_dt_needing_more_than_max_steps_is_refused_before_the_run(name: str) -> None:
    with pytest.raises(ValueError, match=r"dt=1e-20 needs 1e\+20 steps"):
        SOLVERS[name](1e-20)
