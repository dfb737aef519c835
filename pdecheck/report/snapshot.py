"""Density snapshots of a case for its report page: exact vs grid vs particle histogram.

:func:`snapshot` solves the case once on the grid (the equation's flagship scheme:
:data:`GRID_SCHEME`) and once with particles (:data:`PARTICLE_SCHEME`, fine fixed steps), both
from p at the start of the study span (:func:`pdecheck.studies.study_span`), and keeps at three
times the first-coordinate marginal of each answer on the grid's cells: the exact cell averages
and the grid solution summed over the other axes, the particles as a histogram on cells four
grid cells wide. It also reports the grid run's mass error (max relative drift, outflow
counted) and its minimum density, and the L1 distance of grid to exact at each time.

Public names: :func:`snapshot`, :data:`GRID_SCHEME`, :data:`PARTICLE_SCHEME`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pdecheck.report.plan import Plan, reason

__all__ = ["GRID_SCHEME", "PARTICLE_SCHEME", "snapshot"]

GRID_SCHEME = {"continuity": "muscl", "heat": "crank-nicolson", "fokker-planck": "chang-cooper"}
#: (scheme, steps over the span): the steps are divisible by 3, the snapshots at 1/3, 2/3, 1
PARTICLE_SCHEME = {
    "continuity": ("rk4", 48),
    "heat": ("weak2", 192),
    "fokker-planck": ("weak2", 192),
}


def _marginal0(values: Any, mesh: Any) -> Any:
    """∫ p dx_2 … dx_d on the cells of axis 0."""
    axes = tuple(range(1, mesh.dim))
    return values.sum(axis=axes) * float(np.prod(mesh.h[1:])) if axes else values


def snapshot(case: Any, plan: Plan) -> dict[str, Any]:
    from pdecheck import particles, studies

    problem = case.problem()
    if problem.marginal is None:
        raise ValueError(f"case {case.id} has no exact marginal to compare with")
    t_a, t_b, start = studies.study_span(problem, "grid")
    method, steps = PARTICLE_SCHEME[case.equation]  # steps divisible by 3
    grid_t = np.linspace(t_a, t_b, steps + 1)
    times = [float(grid_t[k * steps // 3]) for k in (1, 2, 3)]
    out: dict[str, Any] = {"times": times, "snapshots": []}
    n = plan.profile_grid[case.dim]
    mesh = sol = None
    if "grid" in case.methods:
        try:
            mesh, sol = studies.grid_solution(case.id, GRID_SCHEME[case.equation], n, save_at=times)
        except Exception as error:  # the particles and the exact answer are still shown
            out["grid_skipped"] = reason(error)
        else:
            d = sol.diagnostics
            out.update(
                grid_method=d.method,
                n=n,
                mass_error=float(d.max_mass_drift),
                min_density=float(d.min_density),
            )
    if mesh is None:
        from pdecheck import grid as g

        if problem.domain is not None:
            mesh = g.Grid(problem.domain[0], problem.domain[1], n)
        else:
            mesh = g.Grid.for_density([start, problem.marginal(t_b)], n, pad=0.1)
    samples = None
    if "particles" in case.methods:
        kind = "ode" if problem.diffusion is None or case.equation == "continuity" else "sde"
        x0 = particles.sample(start, plan.profile_particles, plan.seed)
        if kind == "ode":
            run = particles.integrate_ode(problem.drift, x0, grid_t, method=method, save_at=times)
        else:
            run = particles.integrate_sde(
                problem.drift,
                problem.diffusion,
                x0,
                grid_t,
                seed=plan.seed + 1,
                method=method,
                save_at=times,
            )
        samples = [np.asarray(run.samples[run.index(t)])[:, 0] for t in times]
        out["n_particles"] = plan.profile_particles
    edges = mesh.edges[0]
    l1 = []
    for k, t in enumerate(times):
        exact_cells = mesh.cell_averages(problem.marginal(t))
        snap: dict[str, Any] = {"t": t, "edges": edges, "exact": _marginal0(exact_cells, mesh)}
        if sol is not None:
            u = sol.at(t)
            snap["grid"] = _marginal0(u, mesh)
            l1.append(float(np.sum(np.abs(u - exact_cells)) * mesh.cell_volume))
        if samples is not None:
            x = samples[k][np.isfinite(samples[k])]
            coarse = edges[::4] if edges.size > 32 else edges
            counts, _ = np.histogram(x, bins=coarse)
            snap["particles"] = (coarse, counts / (x.size * np.diff(coarse)))
        out["snapshots"].append(snap)
    if l1:
        out["l1"] = l1
    return out
