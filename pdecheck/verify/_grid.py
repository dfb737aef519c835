"""Grid answers for a verdict: three nested grids and the error budget they give.

:func:`run_grids` solves the claim's continuity (ODE) or Fokker–Planck (SDE) equation on the
box with n/4, n/2 and n cells per axis (time steps refined with h: the CFL-controlled MUSCL +
SSP-RK3 step, or implicit Euler with Δt ∝ h), starting from the exact cell averages of
p_{t_0}. The grid convergence index (Roache; STATISTICS.md §4) of the finest answer is

    GCI = F_s ε_21 / (2^p − 1),   ε_21 = ‖u_2 − R u_1‖_1,   p = min(p_obs, p_nominal),

with R the restriction to the coarser cells, p_obs = log2(ε_32 / ε_21) from the three grids and
F_s = 1.25 (three grids). Taking the smaller of the observed and the nominal order only widens
the budget. When the three grids do not converge (ε_32 <= ε_21, p_obs <= 0), no order can be
trusted: F_s = 3 with p = 1 is used and a warning flag says so.

Public (package-private) names: :class:`GridRun`, :func:`run_grids`, :func:`restrict`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck.densities import Density
from pdecheck.verify.claim import Claim

__all__ = ["GridRun", "restrict", "run_grids"]

Array = NDArray[np.float64]

#: nominal L1 order: MUSCL + SSP-RK3 (smooth data); Chang–Cooper with implicit Euler, Δt ∝ h
NOMINAL_ORDER = {"continuity": 2.0, "fokker-planck": 1.0}
#: implicit Euler steps over t_span on the coarsest grid (doubled with each refinement)
BASE_STEPS = 32


@dataclass
class GridRun:
    """The finest grid, its cell averages at ``times`` and the GCI per time."""

    grid: Any
    times: Array
    density: list[Array]
    gci: list[float]
    p_obs: list[float]
    equation: str
    diagnostics: list[Any]
    truncated: float
    warnings: list[str] = field(default_factory=list)


def restrict(u: Array, factor: int) -> Array:
    """Cell averages on cells ``factor`` times wider per axis (block means)."""
    shape: list[int] = []
    for n in u.shape:
        shape += [n // factor, factor]
    return np.asarray(u.reshape(shape).mean(axis=tuple(range(1, 2 * u.ndim, 2))), dtype=float)


def _solve(
    claim: Claim, initial: Density, grid: Any, t_span: tuple[float, float], save: Array, level: int
) -> Any:
    """One solve from the exact cell averages of ``initial``, renormalised to mass 1 inside the
    box when its tails reach beyond it (the truncation costs at most 2·(lost mass) in L1, and
    the L1 distance between two solutions of these linear equations does not grow)."""
    from pdecheck import grid as g

    p0 = grid.cell_averages(initial)
    p0 = p0 / grid.mass(p0)
    if claim.diffusion is None:
        return g.solve_continuity(claim.drift, p0, grid, t_span, save_at=save)
    dt = abs(t_span[1] - t_span[0]) / (BASE_STEPS * 2**level)
    return g.solve_fokker_planck(
        claim.drift, claim.diffusion, p0, grid, t_span, dt=dt, save_at=save
    )


def run_grids(
    claim: Claim,
    initial: Density,
    t_span: tuple[float, float],
    save_times: Array,
    *,
    lower: Array,
    upper: Array,
    n: int,
) -> GridRun:
    """Solve on n/4, n/2, n cells per axis (n divisible by 4) and estimate the error of the
    finest by the GCI at every saved time."""
    from pdecheck import grid as g

    equation = "continuity" if claim.diffusion is None else "fokker-planck"
    sols = [
        _solve(claim, initial, g.Grid(lower, upper, n // 4 * 2**k), t_span, save_times, k)
        for k in range(3)
    ]
    p_nom = NOMINAL_ORDER[equation]
    fine = sols[2]
    density, gci, p_obs, notes = [], [], [], []
    for t in save_times:
        u3, u2, u1 = (s.at(t) for s in sols)
        vol2 = sols[1].grid.cell_volume
        vol3 = sols[0].grid.cell_volume
        e21 = float(np.sum(np.abs(u2 - restrict(u1, 2))) * vol2)
        e32 = float(np.sum(np.abs(u3 - restrict(u2, 2))) * vol3)
        if e21 > 0 and e32 > e21:
            p = math.log2(e32 / e21)
            budget = 1.25 * e21 / (2.0 ** min(p, p_nom) - 1.0)
        else:
            p = math.nan if e21 == 0 else math.log2(max(e32, 1e-300) / e21)
            budget = 3.0 * e21
            if e21 > 0:
                notes.append(
                    f"t={t:.4g}: grids n/4, n/2, n do not converge "
                    f"(ε32={e32:.3g} <= ε21={e21:.3g}); "
                    "grid budget 3 ε21 without an order"
                )
        density.append(u1)
        gci.append(budget)
        p_obs.append(p)
    truncated = fine.grid.outside_mass(initial)
    diags = [s.diagnostics for s in sols]
    return GridRun(
        fine.grid, np.asarray(save_times), density, gci, p_obs, equation, diags, truncated, notes
    )
