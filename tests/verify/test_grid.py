"""pdecheck.verify._grid: the grid answers of a verdict (here: the projected step count)."""

from __future__ import annotations

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.verify._grid import projected_steps


def _claim(speed: float, diffusion: float | None = None, boundary: str = "zero-flux") -> pc.Claim:
    def field(t, x):
        return np.full_like(x, speed)

    unit = pc.Gaussian(0.0, 1.0)
    if diffusion is None:
        return pc.Claim(field, data=unit, prior=unit, boundary=boundary)
    domain = (-8.0, 8.0) if boundary == "periodic" else None
    return pc.Claim(
        sde=(field, lambda t: diffusion), data=unit, prior=unit, boundary=boundary, domain=domain
    )


@pytest.mark.parametrize("speed", [1.0, -3.0, 1e4])
def test_steps_are_the_courant_count_of_the_finest_grid(speed: float) -> None:
    # h = 16 / 64 = 0.25 and C = ½: |t1 − t0| · |f| / h / C = 0.5 · |f| · 8 steps
    steps = projected_steps(_claim(speed), np.array([-8.0]), np.array([8.0]), 64, (0.0, 0.5))
    assert steps == pytest.approx(0.5 * abs(speed) / 0.25 / 0.5, rel=1e-12)


def test_periodic_fokker_planck_adds_the_diffusive_rate_and_implicit_runs_count_none() -> None:
    # g = 2: D = 2, rate 2 D / h² = 64 on h = 0.25, added to the advective 4; over 0.5 at C = ½
    lo, hi = np.array([-8.0]), np.array([8.0])
    periodic = projected_steps(_claim(1.0, 2.0, "periodic"), lo, hi, 64, (0.0, 0.5))
    assert periodic == pytest.approx(0.5 * (4.0 + 64.0) / 0.5, rel=1e-12)
    assert projected_steps(_claim(1.0, 2.0), lo, hi, 64, (0.0, 0.5)) == 0.0
