"""``pdecheck report``: every built-in case verified and studied, written to ``reports/``.

- :mod:`.plan` — sizes, schemes and refinement levels (default and ``--quick``);
- :mod:`.case` — one case: :func:`~pdecheck.verify_transport`, convergence studies of every
  scheme that applies (:mod:`pdecheck.studies`), reasons for what could not run;
- :mod:`.snapshot` — exact vs grid vs particle densities at three times;
- :mod:`.figures` — PNG figures; :mod:`.pages` — Markdown.

:func:`run_report` writes ``OUT/index.md``, ``OUT/<case>.md`` with ``OUT/<case>-*.png`` and
``OUT/results.json`` as one set (:func:`pdecheck.verify._atomic.file_set`): each file is
rendered, as soon as its case has run, to a temporary file in ``OUT`` itself, and all of them
are renamed into place only after the last case and the index have been rendered. A run that
fails or is interrupted part-way removes its temporaries and leaves the site in ``OUT`` as it
was, byte for byte; a run that completes replaces the files it produces and then (a full run)
removes the pages and figures of an earlier run that it no longer produces. Renaming file by
file into ``OUT``, rather than swapping a staged directory, keeps the files a ``--cases`` run
does not touch (the other cases' pages) and anything else kept in ``OUT``.

Public name: :func:`run_report`.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from pdecheck.report.case import CaseRun, run_case
from pdecheck.report.plan import Plan, plan
from pdecheck.verify._atomic import FileSet, file_set

__all__ = ["Plan", "plan", "run_report"]


def _figures(run: CaseRun, out: Path, files: FileSet) -> dict[str, str]:
    """Render the case's figures into ``files``; their file names by kind."""
    from pdecheck.report import figures

    made: dict[str, str] = {}
    cid, write = run.entry["id"], files.add
    if run.profile is not None:
        made["density"] = figures.density_figure(
            cid, run.profile, out / f"{cid}-density.png", write
        ).name
    if run.studies:
        made["convergence"] = figures.convergence_figure(
            cid, run.studies, out / f"{cid}-convergence.png", write
        ).name
        if any(s.parameter != "n_particles" for _, s in run.studies):
            made["work"] = figures.work_precision_figure(
                cid, run.studies, out / f"{cid}-work-precision.png", write
            ).name
    if run.stationary is not None:
        made["stationary"] = figures.stationary_figure(
            cid, run.stationary, out / f"{cid}-stationary.png", write
        ).name
    return made


def _remove_stale(out: Path, written: set[str]) -> None:
    """Remove the pages and figures in ``out`` that this (full) run did not write."""
    for old in out.glob("*"):
        if old.suffix in (".md", ".png") and old.name not in written | {"index.md"}:
            old.unlink()


def _finite(value: Any) -> Any:
    """JSON-ready: NumPy to Python, non-finite floats to strings ("inf"; JSON has no inf)."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "tolist"):
        return _finite(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _progress(enabled: bool | None, total: int, desc: str) -> Any:
    from tqdm import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, desc=desc, file=sys.stderr, disable=not show, leave=True)


def run_report(
    out: str | os.PathLike[str] = "reports",
    *,
    cases: list[str] | None = None,
    quick: bool = False,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    settings: Plan | None = None,
) -> str:
    """Run the report into ``out``; returns a one-paragraph summary. ``progress=None`` shows a
    bar per case only when stderr is a terminal; ``settings`` overrides the plan (tests).

    Every file of the site is replaced, or none is (see the module's docstring): an error in a
    case, in a figure (:class:`~pdecheck.verify._atomic.WriteError`) or in the executor leaves
    ``out`` as it was."""
    from pdecheck import cases as registry
    from pdecheck import studies
    from pdecheck.executors import make_executor
    from pdecheck.report import pages
    from pdecheck.report.snapshot import snapshot

    chosen = [registry.get(c) for c in cases] if cases else registry.all_cases()
    the_plan = settings if settings is not None else plan(quick)
    target = Path(out)
    start, cpu = time.perf_counter(), time.process_time()
    entries, written = [], set()
    with file_set() as files:
        with make_executor(jobs, scheduler) as executor:
            for case in chosen:
                parts = 2 + 2 * len(studies.methods_for(case))
                with _progress(progress, parts, case.id) as bar:
                    run = run_case(case, the_plan, executor, bar.update, snapshot)
                    bar.update(bar.total - bar.n)
                made = _figures(run, target, files)
                tables = [
                    (f"{m} ({s.parameter}, {studies.STUDY_METHODS[m].kind})", s.table())
                    for m, s in run.studies
                ]
                page = files.add_text(
                    target / f"{case.id}.md", pages.case_page(run.entry, made, tables)
                )
                written |= {page.name, *made.values()}
                entries.append(run.entry)
        results = _results(entries, the_plan, cases, quick, jobs, scheduler, start, cpu)
        files.add_text(
            target / "results.json", json.dumps(_finite(results), indent=1, allow_nan=False)
        )
        files.add_text(target / "index.md", pages.index_page(results))
    if cases is None:  # a full run owns the directory's case files: drop stale ones
        _remove_stale(target, written)
    passed = sum(1 for e in entries if e["verify"].get("passed") is True)
    timing = results["settings"]
    return (
        f"{len(entries)} cases in {timing['wall_time']:.0f} s ({timing['cpu_time']:.0f} s "
        f"CPU): {passed} verified; report in {target}/index.md"
    )


def _results(
    entries: list[dict[str, Any]],
    the_plan: Plan,
    cases: list[str] | None,
    quick: bool,
    jobs: int | None,
    scheduler: str | None,
    start: float,
    cpu: float,
) -> dict[str, Any]:
    """The content of ``results.json``: how the run was made, then one entry per case."""
    executor_name = (
        f"{jobs} processes" if jobs else (f"Dask at {scheduler}" if scheduler else "serial")
    )
    command = (
        "pdecheck report"
        + (" --quick" if quick else "")
        + (f" --cases {' '.join(cases)}" if cases else "")
    )
    return {
        "settings": {
            "command": command,
            "quick": the_plan.quick,
            "executor": executor_name,
            "wall_time": time.perf_counter() - start,
            "cpu_time": time.process_time() - cpu,
            "plan": {k: str(v) for k, v in vars(the_plan).items()},
        },
        "cases": entries,
    }
