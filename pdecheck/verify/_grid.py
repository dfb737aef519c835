"""Grid answers for a verdict: three nested grids and the error budget they give.

:func:`run_grids` solves the claim's continuity (ODE) or Fokker–Planck (SDE) equation on the
box with n/4, n/2 and n cells per axis (time steps refined with h: the CFL-controlled MUSCL +
SSP-RK3 step, or implicit Euler with Δt ∝ h), starting from the exact cell averages of
p_{t_0}. The grid convergence index (Roache; STATISTICS.md §4) of the finest answer is

    GCI = F_s ε_21 / (2^p − 1),   ε_21 = ‖u_2 − R u_1‖_1,   p = min(p_obs, p_nominal),

with R the restriction to the coarser cells, p_obs = log2(ε_32 / ε_21) from the three grids and
Roache's conservative safety factor F_s = 3. Taking the smaller of the observed and the nominal
order only widens the budget. When the three grids do not converge (ε_32 <= ε_21,
p_obs <= 0), no order can be trusted, and a budget of 2 or more says nothing (two densities are
never farther apart in L1): the grid answer at that time is left out (budget NaN) and flagged.

Before solving, :func:`projected_steps` estimates the Courant-limited steps the finest grid
would take; a field too fast for the box (more than :data:`STEP_BUDGET` steps) is not solved
on the grid: the verdict flags it and rests on its other methods.

Public (package-private) names: :class:`GridRun`, :func:`projected_steps`, :func:`run_grids`,
:func:`restrict`, :data:`STEP_BUDGET`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck.densities import Density
from pdecheck.fields import compiled_form, evaluate
from pdecheck.verify.claim import Claim

__all__ = ["STEP_BUDGET", "GridRun", "projected_steps", "restrict", "run_grids"]

Array = NDArray[np.float64]

#: nominal L1 order: MUSCL + SSP-RK3 (smooth data); Chang–Cooper with implicit Euler, Δt ∝ h
NOMINAL_ORDER = {"continuity": 2.0, "fokker-planck": 1.0}
#: Roache's conservative safety factor: 1.25 presumes the asymptotic range, which a 10 %
#: agreement of p_obs with the nominal order did not guarantee (case F2: the narrow mixture
#: component spans 2.5 cells; L1 = 1.17 × the F_s = 1.25 index), so 3 is used throughout
SAFETY = 3.0
#: the box holds all but this much of the mass of every density it is sized from; tails beyond
#: it are reported
BOX_TOL = 1e-9
#: the L1 distance between two probability densities never exceeds 2
MAX_L1 = 2.0
#: implicit Euler steps over t_span on the coarsest grid (doubled with each refinement)
BASE_STEPS = 32
#: the most steps the finest grid may take, by field path: a NumPy field costs a Python step
#: (~0.1 ms with its evaluation on 256 cells: 2e5 steps ≈ 20 s), a compiled one ~100× less
STEP_BUDGET = {"numpy": 200_000, "compiled": 20_000_000}
#: the Courant number solve_continuity's default MUSCL step takes (its cfl default)
_CFL = 0.5


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
    the L1 distance between two solutions of these linear equations does not grow). A field
    that is undefined somewhere in the box (the solver refuses non-finite face velocities) is
    solved again with f = 0 there (:func:`_finite`)."""
    from pdecheck import grid as g

    p0 = grid.cell_averages(initial)
    p0 = p0 / grid.mass(p0)
    kw: dict[str, Any] = {"save_at": save, "boundary": claim.boundary}
    drift = _for_grid(claim.drift, grid.dim)
    if claim.diffusion is None:
        try:
            return g.solve_continuity(drift, p0, grid, t_span, **kw)
        except ValueError as exc:
            if "non-finite" not in str(exc):
                raise
            return g.solve_continuity(_finite(drift), p0, grid, t_span, **kw)
    if claim.boundary == "periodic":  # the implicit line solves need walls: explicit SSP-RK2
        return g.solve_fokker_planck(drift, claim.diffusion, p0, grid, t_span, time="ssprk2", **kw)
    dt = abs(t_span[1] - t_span[0]) / (BASE_STEPS * 2**level)
    return g.solve_fokker_planck(drift, claim.diffusion, p0, grid, t_span, dt=dt, **kw)


def _for_grid(field: Any, dim: int) -> Any:
    """The field, or its vectorised call alone when its compiled kernel is declared for another
    dimension (dimension-agnostic kernels say 0, which the grid's face sampler refuses)."""
    cf = compiled_form(field)
    if cf is None or cf.dim == dim:
        return field
    return lambda t, x: field(t, x)


def _finite(field: Any) -> Any:
    """The field with its undefined values (NaN/inf, e.g. 0/0 in the zero-density gaps of a
    marginal field) set to 0: there p = 0, so the flux f p the grid needs is 0 whatever f is;
    the gaps themselves are reported by :mod:`._gaps`."""

    def finite(t: float, x: Array) -> Array:
        with np.errstate(all="ignore"):
            f = np.asarray(field(t, x), dtype=float).reshape(x.shape)
        return np.where(np.isfinite(f), f, 0.0)

    return finite


def projected_steps(
    claim: Claim, lower: Array, upper: Array, n: int, t_span: tuple[float, float]
) -> float:
    """Steps the adaptive finest-grid solve would take: |t1 − t0| · max_t Σ_k max|f_k| / h_k
    / C at five times of the span, the field sampled at the cell centres (its undefined values
    left out, as :func:`_finite` does), plus the diffusive rate 2 D Σ_k 1/h_k² where the
    explicit SSP-RK2 step is used (periodic Fokker–Planck). Implicit Fokker–Planck runs take
    fixed steps (:data:`BASE_STEPS`): 0 is returned for them."""
    from pdecheck import grid as g
    from pdecheck.grid._common import diffusion_coefficient

    if claim.diffusion is not None and claim.boundary != "periodic":
        return 0.0
    fine = g.Grid(lower, upper, n)
    mesh = np.meshgrid(*fine.centers, indexing="ij")
    x = np.stack([m.ravel() for m in mesh], axis=1)
    drift = _for_grid(claim.drift, fine.dim)
    D = None if claim.diffusion is None else diffusion_coefficient(claim.diffusion)
    rate = 0.0
    for t in np.linspace(t_span[0], t_span[1], 5):
        with np.errstate(all="ignore"):
            f = np.abs(evaluate(drift, float(t), x, name="drift"))
        speed = np.nanmax(np.where(np.isfinite(f), f, np.nan), axis=0, initial=0.0)
        here = float(np.sum(speed / fine.h))
        if D is not None:
            here += 2.0 * D(float(t)) * float(np.sum(1.0 / fine.h**2))
        rate = max(rate, here)
    return abs(t_span[1] - t_span[0]) * rate / _CFL


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
            budget = SAFETY * e21 / (2.0 ** min(p, p_nom) - 1.0)
            if budget >= MAX_L1:
                notes.append(
                    f"t={t:.4g}: the grid error budget {budget:.3g} "
                    f"exceeds {MAX_L1:g}, the largest L1 distance of two densities: p_t is not "
                    "resolved, no grid check at this time"
                )
                budget = math.nan
        elif e21 == 0:
            p, budget = math.nan, 0.0
        else:
            p, budget = math.log2(max(e32, 1e-300) / e21), math.nan
            notes.append(
                f"t={t:.4g}: the grids with n/4, n/2, n cells do not converge "
                f"(ε32={e32:.3g} <= ε21={e21:.3g}): p_t is not resolved, no grid check at this time"
            )
        density.append(u1)
        gci.append(budget)
        p_obs.append(p)
    p0 = fine.grid.cell_averages(initial)
    truncated = max(0.0, 1.0 - fine.grid.mass(p0))
    diags = [s.diagnostics for s in sols]
    return GridRun(
        fine.grid, np.asarray(save_times), density, gci, p_obs, equation, diags, truncated, notes
    )
