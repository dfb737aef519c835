"""What every benchmark script shares.

- :func:`best_of` — the best wall time of k runs (the least disturbed by other load);
- :func:`load` — the 1-minute load average, recorded beside each measurement;
- :class:`Report` — rows of a result table, targets (met / not met with the measured ratio)
  and notes; rendered as Markdown and written as JSON for ``run_all.py``;
- :func:`main` — the command line every script has: ``--tiny`` (our side only, tiny sizes:
  what ``tests/test_benchmarks_smoke.py`` runs), ``--no-peers``, ``--json PATH``.

Sizes: a script's full size is the one of its issue; ``--tiny`` shrinks every size so the
whole family runs in seconds. The environment variable ``PDECHECK_BENCH_TINY=1`` does the same.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


def load() -> float:
    """The 1-minute load average (other processes competing for the cores)."""
    return round(os.getloadavg()[0], 2)


def best_of(fn: Callable[[], Any], k: int) -> tuple[float, Any]:
    """(best wall time in seconds over k calls, the value of the last call)."""
    best, value = float("inf"), None
    for _ in range(max(1, k)):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def fmt(value: Any) -> str:
    """Numbers to 3 significant digits for tables; strings as they are."""
    if isinstance(value, bool) or value is None:
        return "–" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value == 0 or 1e-3 <= abs(value) < 1e5:
            return f"{value:.3g}"
        return f"{value:.2e}"
    return str(value)


@dataclass
class Target:
    """A stated target: ``ratio`` measured (ours / reference, higher is better), ``needed``."""

    name: str
    ratio: float
    needed: float

    @property
    def met(self) -> bool:
        return self.ratio >= self.needed


@dataclass
class Report:
    """One benchmark family's result: a table, its targets and notes."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    def add(self, **row: Any) -> None:
        row.setdefault("load", load())
        self.loads.append(row["load"])
        self.rows.append(row)

    def target(self, name: str, ratio: float, needed: float) -> None:
        self.targets.append(Target(name, float(ratio), float(needed)))

    def markdown(self) -> str:
        cols = [*self.columns, "load"]
        lines = [f"### {self.title}", "", "| " + " | ".join(cols) + " |"]
        lines.append("|" + "---|" * len(cols))
        for row in self.rows:
            lines.append("| " + " | ".join(fmt(row.get(c)) for c in cols) + " |")
        if self.targets:
            lines += ["", "| target | measured | needed | met |", "|---|---|---|---|"]
            for t in self.targets:
                lines.append(
                    f"| {t.name} | {t.ratio:.3g} | {t.needed:g} | {'yes' if t.met else '**no**'} |"
                )
        if self.notes:
            lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for t, d in zip(self.targets, out["targets"], strict=True):
            d["met"] = t.met
        return out


def main(run: Callable[..., list[Report]], doc: str | None) -> None:
    """Parse ``--tiny``, ``--no-peers``, ``--json PATH``; run; print Markdown; write JSON."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, our side only")
    parser.add_argument("--no-peers", action="store_true", help="skip the peers")
    parser.add_argument("--json", help="write the reports as JSON to this path")
    args = parser.parse_args()
    tiny = args.tiny or os.environ.get("PDECHECK_BENCH_TINY") == "1"
    reports = run(tiny=tiny, peers=not (args.no_peers or tiny))
    for report in reports:
        print(report.markdown())
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([r.to_json() for r in reports], fh, indent=1)
