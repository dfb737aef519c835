"""One case of ``pdecheck report``: verify it, study each scheme, take density snapshots, and
for the Langevin cases check the sampler's stationary law (:mod:`.stationary`).

:func:`run_case` returns a JSON-ready :class:`dict` (the case's entry in ``results.json``) and
the objects the figures need (:class:`CaseRun`). Nothing is skipped silently: a part that cannot
run (no exact marginal, a solver that rejects the case's field, a sweep too slow for the budget)
is recorded with its reason, and the exception text is kept.

Public names: :class:`CaseRun`, :func:`run_case`, :func:`study_values`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pdecheck.report.plan import Plan, reason

__all__ = ["ROUNDOFF", "CaseRun", "run_case", "study_values"]

#: errors at or below this are round-off: the scheme is exact on the case, no order to fit
ROUNDOFF = 1e-12


@dataclass
class CaseRun:
    """The record of one case (``entry``) and the live objects behind it."""

    entry: dict[str, Any]
    studies: list[tuple[str, Any]] = field(default_factory=list)
    profile: dict[str, Any] | None = None
    stationary: dict[str, Any] | None = None


#: cases whose coarsest step span/4 lies outside the explicit schemes' stability region get
#: this many more steps on every level: L5's drift decays at rate 1/(2s²) = 0.78 over a span of
#: 20 (stable steps need dt < 2/0.78), L7's at rate U''(±1) = 8 over 10 (dt < 1/4)
STEP_SCALE = {"L5": 8, "L7": 32}


def study_values(
    plan: Plan, kind: str, parameter: str, dim: int, span: float, case_id: str = ""
) -> list[float]:
    """The refinement levels of a study, coarse to fine."""
    if parameter == "n":
        return [float(n) for n in plan.grid_levels[dim]]
    if parameter == "dt":
        return [span / (k * STEP_SCALE.get(case_id, 1)) for k in plan.step_levels]
    return [float(n) for n in plan.sample_levels]


def _verify(case: Any, plan: Plan) -> dict[str, Any]:
    from pdecheck.verify import verify_transport

    verdict = verify_transport(
        case.id, n=plan.verify_n, grid=plan.verify_grid.get(case.dim, 16), seed=plan.seed
    )
    return {
        "passed": verdict.passed,
        "checks": len(verdict.checks),
        "failed": [
            f"{c.method} t={c.t:.3g}: {c.kind} {c.statistic:.3g} > {c.threshold:.3g}"
            for c in verdict.failed
            if c.t is not None
        ],
        "flags": sorted({f.code for f in verdict.flags}),
        "errors": [f.message for f in verdict.errors],
    }


def _study_entry(study: Any) -> dict[str, Any]:
    out = dict(study.to_dict())
    out["roundoff"] = bool(np.max(study.errors) <= ROUNDOFF)
    if out["roundoff"]:
        out["passed"] = None
        out["note"] = f"exact to round-off (every error <= {ROUNDOFF:g}): no order to fit"
    return out


def _studies(case: Any, plan: Plan, executor: Any, run: CaseRun, tick: Callable[[], None]) -> None:
    from pdecheck import studies

    problem = case.problem()
    span = abs(problem.t_span[1] - problem.t_span[0])
    compiled = hasattr(problem.drift, "compiled")
    for method in studies.methods_for(case):
        scheme = studies.STUDY_METHODS[method]
        if method not in plan.schemes:
            continue
        parameters = ["n"] if scheme.kind == "grid" else ["dt"]
        if scheme.kind != "grid" and plan.sample_levels and method in ("rk4", "weak2"):
            parameters.append("n_particles")
        for parameter in parameters:
            entry: dict[str, Any] = {"method": method, "kind": scheme.kind, "parameter": parameter}
            slow = (
                scheme.kind == "grid"
                and case.dim > plan.numpy_grid_dim
                and not compiled
                and case.equation != "heat"
            )
            if slow:
                entry["skipped"] = (
                    f"the drift has no compiled kernel and the grid is {case.dim}-D: the NumPy "
                    "field is too slow for a grid sweep in the report's budget "
                    f"(run pdecheck.convergence_study({case.id!r}, 'n', ..., method={method!r}))"
                )
            else:
                values = study_values(plan, scheme.kind, parameter, case.dim, span, case.id)
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        study = studies.convergence_study(
                            case.id,
                            parameter,
                            values,
                            method=method,
                            executor=executor,
                            n_particles=plan.n_particles,
                            seed=plan.seed,
                        )
                    entry.update(_study_entry(study))
                    run.studies.append((method, study))
                except Exception as error:  # recorded with its reason, never silent
                    entry["skipped"] = reason(error)
            run.entry["studies"].append(entry)
            tick()


def _stationary(case: Any, plan: Plan, run: CaseRun) -> None:
    """The Langevin cases' sampler checks and bias ladder (:mod:`.stationary`)."""
    from pdecheck.report.stationary import STATIONARY_CASES, stationary_run

    if case.id not in STATIONARY_CASES:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run.stationary = stationary_run(case, plan)
        keep = ("sampler", "verify", "grid", "ladder")
        run.entry["stationary"] = {k: v for k, v in run.stationary.items() if k in keep}
    except Exception as error:
        run.entry["stationary"] = {"skipped": reason(error)}


def run_case(
    case: Any, plan: Plan, executor: Any, tick: Callable[[], None], profile: Callable[..., Any]
) -> CaseRun:
    """Verify, study and snapshot one case; ``tick()`` after each part (progress bar)."""
    start, cpu = time.perf_counter(), time.process_time()
    run = CaseRun(
        {
            "id": case.id,
            "title": case.title,
            "equation": case.equation,
            "dim": case.dim,
            "hard": case.hard,
            "methods": list(case.methods),
            "studies": [],
        }
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run.entry["verify"] = _verify(case, plan)
    except Exception as error:
        run.entry["verify"] = {"passed": None, "skipped": reason(error)}
    tick()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run.profile = profile(case, plan)
        run.entry["profile"] = {k: v for k, v in run.profile.items() if k in PROFILE_KEYS}
    except Exception as error:
        run.entry["profile"] = {"skipped": reason(error)}
    tick()
    _studies(case, plan, executor, run, tick)
    _stationary(case, plan, run)
    run.entry["wall_time"] = time.perf_counter() - start
    run.entry["cpu_time"] = time.process_time() - cpu  # this process's, load-independent
    return run


#: the scalar parts of a profile kept in results.json
PROFILE_KEYS = (
    "grid_skipped",
    "grid_method",
    "mass_error",
    "min_density",
    "n",
    "n_particles",
    "times",
    "l1",
)
