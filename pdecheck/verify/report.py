"""Report of a :class:`~pdecheck.verify.verdict.Verdict`: Markdown, PNG and JSON.

:func:`write_report` writes ``verdict.md`` (a table of checks and flags), ``verdict.png``
(statistic/threshold per check against time, one line per method, and the 1-D density profiles
when the verdict carries them) and ``verdict.json`` (:meth:`Verdict.to_dict`). The three are
written as one set (:func:`pdecheck.verify._atomic.file_set`): each is rendered to a temporary
name in the same directory and all are renamed into place only once every one has rendered, so
a crash or a figure that cannot be drawn never leaves a half-written report, nor a new
``verdict.json`` beside an old ``verdict.md``. matplotlib is imported here only, with the Agg
backend, so verifying never needs a display.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdecheck.verify._atomic import file_set

if TYPE_CHECKING:
    from pdecheck.verify.verdict import Verdict

__all__ = ["markdown", "write_report"]


def markdown(verdict: Verdict) -> str:
    """The Markdown body: verdict line, a table of checks, the flags."""
    status = "PASSED" if verdict.passed else "FAILED"
    lines = [f"# {verdict.subject}", "", f"**{status}**"]
    if verdict.alpha is not None:
        lines.append(
            f"Suite false-alarm rate α = {verdict.alpha:g}, split (Bonferroni) over the "
            f"{sum(c.alpha is not None for c in verdict.checks)} stochastic checks."
        )
    if verdict.t_span is not None:
        lines.append(
            f"Time span: {verdict.t_span[0]:g} → {verdict.t_span[1]:g}; "
            f"methods: {', '.join(verdict.methods)}."
        )
    lines += [
        "",
        "| check | method | t | statistic | threshold | bias budget | α | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in verdict.checks:
        t = "" if c.t is None else f"{c.t:.4g}"
        a = "" if c.alpha is None else f"{c.alpha:.2g}"
        lines.append(
            f"| {c.name} | {c.method} | {t} | {c.kind} {c.statistic:.4g} | {c.threshold:.4g} | "
            f"{c.budget:.3g} | {a} | {'pass' if c.passed else '**FAIL**'} |"
        )
    if verdict.flags:
        lines += ["", "## Flags", ""]
        lines += [f"- **{f.severity}** `{f.code}`: {f.message}" for f in verdict.flags]
    lines += ["", "![statistic / threshold per check](verdict.png)", ""]
    return "\n".join(lines)


def _plot(verdict: Verdict, path: Path) -> None:
    """Draw the verdict's figure into ``path`` (PNG); the figure is closed even on error."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ncols = 2 if verdict.profiles else 1
    fig, axes = plt.subplots(1, ncols, figsize=(5.5 * ncols, 4.0), squeeze=False)
    try:
        _draw(verdict, axes)
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=110)
    finally:
        plt.close(fig)


def _draw(verdict: Verdict, axes: Any) -> None:
    """Statistic/threshold per check against time; the density profiles beside it."""
    ax = axes[0, 0]
    methods = sorted({c.method for c in verdict.checks})
    for k, method in enumerate(methods):
        rows = [c for c in verdict.checks if c.method == method]
        ts = [c.t if c.t is not None else float("nan") for c in rows]
        ratios = [max(c.ratio, 1e-6) if c.ratio != float("inf") else 1e6 for c in rows]
        ax.plot(ts, ratios, "o-", color=f"C{k}", label=method)
    ax.axhline(1.0, color="k", lw=1, ls="--")
    ax.set_yscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel("statistic / threshold (pass < 1)")
    ax.set_title(f"{verdict.subject}: {'passed' if verdict.passed else 'FAILED'}", fontsize=9)
    if methods:
        ax.legend(fontsize=7)
    if verdict.profiles:
        ax = axes[0, 1]
        for k, prof in enumerate(verdict.profiles):
            for j, (label, vals) in enumerate(sorted(prof.values.items())):
                ax.plot(
                    prof.x,
                    vals,
                    ["-", "--", ":"][j % 3],
                    color=f"C{k}",
                    lw=1,
                    label=f"{label}, t={prof.t:.3g}",
                )
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        ax.legend(fontsize=6)


def write_report(verdict: Verdict, directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``verdict.{md,png,json}`` into ``directory``, all three or none; return their paths.

    Raises :class:`~pdecheck.verify._atomic.WriteError` naming the file that could not be
    rendered (a subject matplotlib's mathtext cannot parse, say) and the cause; the report
    already in ``directory``, if any, is then left as it was."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    body = json.dumps(verdict.to_dict(), indent=2, allow_nan=False)
    page = markdown(verdict)
    with file_set() as files:
        return {
            "json": files.add_text(out / "verdict.json", body),
            "png": files.add(out / "verdict.png", lambda tmp: _plot(verdict, tmp)),
            "md": files.add_text(out / "verdict.md", page),
        }
