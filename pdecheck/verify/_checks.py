"""The individual checks of :func:`~pdecheck.verify.verify_transport`, each appending a
:class:`~pdecheck.verify.verdict.Check` (or flags) to the verdict.

- :func:`particles`, :func:`grids` — run the two numerical answers and flag their events;
- :func:`particles_vs_exact` — KS/DKW (1-D), binned L1 + marginal KS (d >= 2), or binned L1 on
  the box with the cubature error as budget (marginal given as a pdf); bias budget from the
  coupled runs (:mod:`._budget`);
- :func:`grid_vs_exact` — L1 of the finest grid against the exact cell averages, held to the
  GCI plus twice the mass beyond the box (initial truncation and exact tails);
- :func:`grid_vs_particles` — binned L1 on the grid aggregated to about 8 blocks per axis.

The nearest-data-point shares at the end of a run towards atomic data are in :mod:`._shares`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pdecheck import compare
from pdecheck.compare.binned import binned_l1, equal_probability_edges
from pdecheck.densities import Density
from pdecheck.fields import compiled_form
from pdecheck.verify._budget import (
    cell_displacement_budget,
    ks_displacement_budget,
)
from pdecheck.verify._grid import (
    BOX_TOL,
    STEP_BUDGET,
    GridRun,
    projected_steps,
    restrict,
    run_grids,
)
from pdecheck.verify._particles import ParticleRun, run_particles
from pdecheck.verify.claim import Claim, PdfDensity
from pdecheck.verify.verdict import Check, Flag, Verdict

__all__ = [
    "grid_vs_exact",
    "grid_vs_particles",
    "grids",
    "lost",
    "particles",
    "particles_vs_exact",
]

Array = NDArray[np.float64]

#: cells per axis of the binned comparisons (STATISTICS.md §2 plans with 4–8)
BLOCKS = 8
#: each binned cell is cut into this many sub-cells per axis for the cubature of a pdf
CUBATURE_SPLITS = 8
#: relative mass drift of a grid solve beyond round-off
MASS_TOL = 1e-10
#: a particle check whose step-size budget exceeds this share of its threshold is flagged: the
#: coupled runs h, h/2 are not in the asymptotic range and the check has lost its power
STEP_BIAS_SHARE = 0.5


def particles(
    claim: Claim,
    initial: Density,
    span: tuple[float, float],
    times: Array,
    *,
    n: int,
    steps: int,
    seed: int,
    verdict: Verdict,
) -> ParticleRun | None:
    """Run the particles and flag their events; None when no particle stayed finite.

    A particle that meets NaN/inf from the field or SDE (in the coarse or the fine run) fails
    the verdict: an error flag ``nonfinite`` gives their count (``value``) and share, also kept
    as ``info["particles"]["nonfinite"]`` and ``["nonfinite_share"]``. The one exception is a
    field that is undefined on part of the box — a finding of :mod:`._gaps` (flag
    ``undefined-field``, e.g. the 0/0 gaps of a compact prior), into which Runge–Kutta stages
    near the support's edge step — where the flag is a warning. Either way the checks compare
    the finite particles with the share left out added to their budgets. When every particle
    is non-finite the flag is an error and no particle check is made.
    """
    run = run_particles(claim, initial, span, times, n=n, steps=steps, seed=seed)
    verdict.info["particles"] = {
        "n": n,
        "steps": run.steps,
        "method": run.method,
        "nonfinite": run.nonfinite,
        "nonfinite_share": lost(run),
    }
    if run.nonfinite:
        undefined = any(f.code == "undefined-field" for f in verdict.flags)
        verdict.flags.append(_nonfinite_flag(run, undefined))
    if run.outside:
        verdict.flags.append(
            Flag(
                "outside-domain",
                f"{run.outside} of {n} particles left the domain",
                "warning",
                value=float(run.outside),
            )
        )
    return run if run.nonfinite < run.n else None


def _nonfinite_flag(run: ParticleRun, undefined: bool) -> Flag:
    """The flag of a run in which some (or all) particles met NaN/inf; ``undefined``: the
    field was found undefined on part of the box (a warning then, unless all are lost)."""
    count = f"{run.nonfinite} of {run.n} particles ({lost(run):.1%}) met NaN/inf"
    if run.nonfinite == run.n:
        text = f"all {run.n} particles met NaN/inf from the field or SDE: no particle check made"
    elif undefined:
        text = (
            f"{count}; the field is undefined on part of the box (see undefined-field), where "
            "steps near its edge land: reported only, the share left out is added to every "
            "particle budget"
        )
    else:
        text = (
            f"{count} from the field or SDE: numerical failure, the verdict fails (the checks "
            "of the finite particles add the share left out to their budgets)"
        )
    severity = "warning" if undefined and run.nonfinite < run.n else "error"
    return Flag("nonfinite", text, severity, value=float(run.nonfinite))


def grids(
    claim: Claim,
    initial: Density,
    span: tuple[float, float],
    times: Array,
    *,
    lower: Array,
    upper: Array,
    n: int,
    verdict: Verdict,
) -> GridRun | None:
    """Solve on the three grids and flag what their diagnostics show; None (with a flag) when
    the field is too fast for the box: more than ``STEP_BUDGET`` steps on the finest grid."""
    steps = projected_steps(claim, lower, upper, n, span)
    path = "compiled" if compiled_form(claim.drift) is not None else "numpy"
    if steps > STEP_BUDGET[path]:
        verdict.flags.append(
            Flag(
                "grid-skipped",
                f"the grid method was not run: the field's Courant rate would need about "
                f"{steps:.3g} steps on {n} cells per axis (the budget for a {path} field is "
                f"{STEP_BUDGET[path]:.0e}); the field is too fast for the box (check its "
                "scale, or give a smaller grid)",
                "warning",
                value=steps,
            )
        )
        return None
    run = run_grids(claim, initial, span, times, lower=lower, upper=upper, n=n)
    verdict.info["grid"] = {
        "cells_per_axis": n,
        "equation": run.equation,
        "observed_order": run.p_obs,
        "gci": run.gci,
        "cfl_max": run.diagnostics[-1].cfl_max,
    }
    if run.truncated > BOX_TOL:
        verdict.flags.append(
            Flag(
                "tail-mass",
                f"p at t={span[0]:g} has mass {run.truncated:.3g} outside the box "
                f"(its tails); the grid budget adds twice that",
                "warning",
                value=run.truncated,
            )
        )
    for note in run.warnings:
        verdict.flags.append(Flag("grid-convergence", note, "warning"))
    for diag in run.diagnostics:
        kinds: dict[str, list[str]] = {}
        for message in diag.flags:
            kinds.setdefault(message.split(":")[0], []).append(message)
        for kind, messages in kinds.items():
            more = f" ({len(messages)} times)" if len(messages) > 1 else ""
            verdict.flags.append(
                Flag(f"grid {kind}", f"{diag.method}: {messages[0]}{more}", "warning")
            )
        scale = max(1.0, abs(diag.initial_mass))
        if abs(diag.max_mass_drift) > MASS_TOL * scale:
            verdict.flags.append(
                Flag(
                    "mass",
                    f"{diag.method}: mass drifted by {diag.max_mass_drift:.3g}",
                    "error",
                    value=float(diag.max_mass_drift),
                )
            )
        if diag.min_density < 0:
            # negative mass beyond round-off fails; a flushed −1e-11 is reported only
            cells = run.grid.cell_volume * 8**run.grid.dim  # coarser grids have wider cells
            negative = max(diag.flushed_mass, -diag.min_density * cells)
            verdict.flags.append(
                Flag(
                    "negative-density",
                    f"{diag.method}: minimum density {diag.min_density:.3g} < 0 "
                    f"(negative mass about {negative:.2g})",
                    "error" if negative > MASS_TOL else "warning",
                    value=float(diag.min_density),
                )
            )
    return run


def _with_box_mass(ref: Density, t: float) -> Density:
    """``ref`` itself when it gives box probabilities, else its pdf under cubature (the 2-D
    Cauchy of the Poisson field has a pdf but no closed-form box mass)."""
    try:
        ref.box_probability(np.zeros((1, ref.dim)), np.ones((1, ref.dim)))
    except NotImplementedError:
        return PdfDensity(lambda _t, x: ref.pdf(x), t, ref.dim)
    return ref


def lost(run: ParticleRun) -> float:
    """Share of particles left out (non-finite): leaving m of N out moves an empirical CDF or
    binned law by at most m/N."""
    return run.nonfinite / run.n


def _edges_in_box(box: tuple[Array, Array], dim: int) -> list[Array]:
    return [np.linspace(box[0][j], box[1][j], BLOCKS + 1) for j in range(dim)]


def _cells(edges: list[Array]) -> tuple[Array, Array, tuple[int, ...]]:
    lo = np.stack(np.meshgrid(*[e[:-1] for e in edges], indexing="ij"), axis=-1)
    hi = np.stack(np.meshgrid(*[e[1:] for e in edges], indexing="ij"), axis=-1)
    d = len(edges)
    return lo.reshape(-1, d), hi.reshape(-1, d), lo.shape[:-1]


def particles_vs_exact(
    verdict: Verdict,
    run: ParticleRun,
    k: int,
    t: float,
    ref: Density,
    alpha: float,
    box: tuple[Array, Array],
) -> None:
    x, delta = run.samples[k], run.delta[k]
    d = x.shape[1]
    ref = _with_box_mass(ref, t)
    try:
        if isinstance(ref, PdfDensity):
            edges = _edges_in_box(box, d)
            lo, hi, shape = _cells(edges)
            p, err = ref.box_probability_with_error(lo, hi, splits=CUBATURE_SPLITS)
            b = cell_displacement_budget(x, delta, edges) + lost(run)
            res = binned_l1(
                x,
                edges,
                p.reshape(shape),
                alpha=alpha,
                bias_budget=b,
                quadrature_budget=float(np.sum(err)),
            )
        elif d == 1:
            b = ks_displacement_budget(x[:, 0], delta[:, 0]) + lost(run)
            res = compare.ks_test(x, ref, alpha=alpha, bias_budget=b)
        else:
            edges = equal_probability_edges(ref, BLOCKS // 2 + 2)
            b = lost(run) + max(
                cell_displacement_budget(x, delta, edges),
                *(ks_displacement_budget(x[:, j], delta[:, j]) for j in range(d)),
            )
            res = compare.sample_test(
                x, ref, alpha=alpha, bias_budget=b, cells_per_axis=BLOCKS // 2 + 2
            )
    except ValueError as exc:  # the budgets leave no room: inconclusive, not failed
        verdict.flags.append(
            Flag("untestable", f"particles vs exact at t={t:.4g}: {exc}", "warning", t=t)
        )
        return
    if b > STEP_BIAS_SHARE * res.threshold:
        verdict.flags.append(
            Flag(
                "step-bias",
                f"particles vs exact at t={t:.4g}: the step-size budget {b:.3g} is "
                f"{100 * b / res.threshold:.0f}% of the threshold {res.threshold:.3g}, so the "
                "particle steps are not resolved and only a larger difference can fail the "
                "check; raise steps",
                "warning",
                value=b,
                t=t,
            )
        )
    verdict.checks.append(
        Check(
            "particles vs exact",
            "particles vs exact",
            res.name,
            res.statistic,
            res.threshold,
            t=t,
            alpha=alpha,
            budget=b,
            detail=f"N={res.n}",
        )
    )


def grid_vs_exact(verdict: Verdict, run: GridRun, k: int, t: float, ref: Density) -> None:
    if not np.isfinite(run.gci[k]):
        return  # unresolved: flagged by grids()
    u = run.density[k]
    ref = _with_box_mass(ref, t)
    dist = compare.grid_distances(u, run.grid.edges, ref)
    quad = 0.0
    if isinstance(ref, PdfDensity):
        lo, hi = run.grid.boxes()
        quad = float(np.sum(ref.box_probability_with_error(lo, hi)[1]))
    outside = max(dist.exact_outside, 0.0)
    tails = 2.0 * (run.truncated + outside)
    if outside > 0:
        verdict.info.setdefault("exact_mass_outside_box", {})[f"{t:.6g}"] = outside
    threshold = run.gci[k] + tails + quad
    p = run.p_obs[k]
    verdict.checks.append(
        Check(
            "grid vs exact",
            "grid vs exact",
            "L1",
            dist.l1,
            threshold,
            t=t,
            budget=threshold,
            detail=f"GCI {run.gci[k]:.3g} (p_obs {p:.2f}), tails {tails:.2g}, L∞ {dist.linf:.3g}",
        )
    )


def grid_vs_particles(
    verdict: Verdict, grun: GridRun, prun: ParticleRun, k: int, t: float, alpha: float
) -> None:
    if not np.isfinite(grun.gci[k]):
        return  # unresolved: flagged by grids()
    n_cells = grun.density[k].shape[0]
    factor = n_cells // BLOCKS if n_cells % BLOCKS == 0 else n_cells // 4
    values = np.clip(restrict(grun.density[k], factor), 0.0, None)
    edges = [e[::factor] for e in grun.grid.edges]
    x, delta = prun.samples[k], prun.delta[k]
    b = cell_displacement_budget(x, delta, edges) + lost(prun)
    q = grun.gci[k] + 2.0 * grun.truncated
    try:
        res = compare.samples_vs_grid(x, values, edges, alpha=alpha, grid_error=q, bias_budget=b)
    except ValueError as exc:  # the budgets leave no room: inconclusive, not failed
        verdict.flags.append(
            Flag("untestable", f"grid vs particles at t={t:.4g}: {exc}", "warning", t=t)
        )
        return
    verdict.checks.append(
        Check(
            "grid vs particles",
            "grid vs particles",
            res.name,
            res.statistic,
            res.threshold,
            t=t,
            alpha=alpha,
            budget=2 * b + q,
            detail=f"N={res.n}, {values.size} cells",
        )
    )
