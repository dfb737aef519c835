"""The floor on adaptive steps (``pdecheck.grid._stall``): a coefficient that grows without
bound at t* = 0.5 makes every adaptive loop shrink its step geometrically (the step is a fixed
fraction of the distance 0.5 − t, since the rate grows like 1/(0.5 − t)); each loop must stop
with an error naming a time just before t* instead of running forever once t + dt == t."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.grid import Grid, solve_continuity, solve_fokker_planck, solve_heat
from pdecheck.grid._stall import MIN_STEP, stall_error, stalled

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


def test_the_rule_flags_only_short_steps_below_the_floor() -> None:
    span = 2.0
    floor = MIN_STEP * span
    assert stalled(0.5 * floor, 1.0, span)
    assert not stalled(2.0 * floor, 1.0, span)  # above the floor
    assert not stalled(0.5 * floor, 0.5 * floor, span)  # the last step of a span: not short
    assert "t=0.25" in str(stall_error(0.25, 1e-13))


SOLVES: dict[str, Callable[[], Any]] = {
    "continuity, compiled field": lambda: solve_continuity(_kernel_field, P0, GRID, (0.0, 1.0)),
    "continuity, NumPy field": lambda: solve_continuity(_numpy_field, P0, GRID, (0.0, 1.0)),
    "Fokker-Planck ssprk2, compiled drift": lambda: solve_fokker_planck(
        _kernel_field, 1.0, P0, GRID, (0.0, 1.0), time="ssprk2"
    ),
    "Fokker-Planck ssprk2, NumPy drift": lambda: solve_fokker_planck(
        _numpy_field, 1.0, P0, GRID, (0.0, 1.0), time="ssprk2"
    ),
    "Fokker-Planck implicit, NumPy drift": lambda: solve_fokker_planck(
        _numpy_field, 1.0, P0, GRID, (0.0, 1.0), time="implicit"
    ),
    "explicit heat, D(t)": lambda: solve_heat(_rate, P0, GRID, (0.0, 1.0), method="explicit"),
}


@pytest.mark.parametrize("name", SOLVES)
def test_a_coefficient_blowing_up_stops_the_run_just_before_it(name: str) -> None:
    with pytest.raises(ValueError, match="grows without bound") as caught:
        SOLVES[name]()
    t = float(str(caught.value).split(" at t=", 1)[1].split(",", 1)[0])
    # the step is c (0.5 − t) with c <= 1, so it falls below 1e-12 only within 1e-12 / c of
    # t*; c >= 1e-3 here (Courant and positivity rules on 64 cells), hence the 1e-9 bound
    assert T_STAR - 1e-9 < t < T_STAR
