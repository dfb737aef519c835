"""PNG figures of a case page (matplotlib, Agg backend, written atomically).

- :func:`density_figure` — one panel per snapshot time: exact cell averages (line), grid
  solution (steps) and particle histogram (bars) of the first-coordinate marginal;
- :func:`convergence_figure` — error against h (grid schemes, cells per axis) and against dt
  (particle schemes) on log–log axes: measured points, the fitted slope and a dotted nominal
  slope through the finest point, one colour per scheme;
- :func:`work_precision_figure` — error against wall time, grid and particle schemes in
  separate panels (their errors measure different things);
- :func:`stationary_figure` — a Langevin case: the sampler's long-run histogram against p, and
  its measured bias (KS distance to p) against ε on log–log axes with each point's noise floor,
  the fitted slope and, for ULA on a Gaussian, the exact bias curve.

Sizes: 10 inches wide at 100 dpi, the width of a rendered Markdown page. Each function writes
its PNG atomically on its own, or through ``write`` (a :class:`~pdecheck.verify._atomic.FileSet`'s
``add``) as one file of a report that is replaced as a whole.

Public names: :func:`density_figure`, :func:`convergence_figure`, :func:`work_precision_figure`,
:func:`stationary_figure`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pdecheck.verify._atomic import Writer, write_with

__all__ = ["convergence_figure", "density_figure", "stationary_figure", "work_precision_figure"]

#: how a figure reaches its file: :func:`~pdecheck.verify._atomic.write_with` (on its own) or
#: a :class:`~pdecheck.verify._atomic.FileSet`'s ``add`` (with the rest of a report)
Write = Callable[[Path, Writer], Path]

WIDTH = 10.0
DPI = 100

#: what each study's error is, for the axis labels
ERROR_LABEL = {
    "n": "L1 error vs exact\ncell averages",
    "dt": "ODE: mean |X_h − X_ref|\nSDE: coupled weak difference",
    "n_particles": "KS distance\nvs exact CDF",
    "ode": "mean |X_h − X_ref| at the end\n(RK4 reference, same start)",
    "sde": "weak difference\n|E|X_h|² − E|X_h/2|²|",
}


def _error_label(parameter: str, group: list[tuple[str, Any]]) -> str:
    """The y label of a panel: for dt studies, what the ODE or SDE error is."""
    if parameter != "dt":
        return ERROR_LABEL[parameter]
    from pdecheck.studies import STUDY_METHODS

    kinds = {STUDY_METHODS[m].kind for m, _ in group if m in STUDY_METHODS}
    return ERROR_LABEL[kinds.pop()] if len(kinds) == 1 else ERROR_LABEL["dt"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path, write: Write) -> Path:
    plt = _pyplot()
    try:
        return write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI))
    finally:
        plt.close(fig)


def density_figure(
    case_id: str, profile: dict[str, Any], path: Path, write: Write = write_with
) -> Path:
    plt = _pyplot()
    snaps = profile["snapshots"]
    fig, axes = plt.subplots(1, len(snaps), figsize=(WIDTH, 3.4), sharey=True, squeeze=False)
    for ax, snap in zip(axes[0], snaps, strict=True):
        edges = snap["edges"]
        centres = 0.5 * (edges[1:] + edges[:-1])
        if "particles" in snap:
            coarse, heights = snap["particles"]
            ax.bar(
                coarse[:-1],
                heights,
                width=np.diff(coarse),
                align="edge",
                color="C2",
                alpha=0.35,
                label=f"particles ({profile.get('n_particles', '?')})",
            )
        if "grid" in snap:
            ax.step(
                edges,
                np.r_[snap["grid"], snap["grid"][-1]],
                where="post",
                color="C0",
                lw=1.2,
                label=f"grid ({profile.get('n', '?')} cells)",
            )
        ax.plot(centres, snap["exact"], color="k", lw=1.0, ls="--", label="exact")
        ax.set_title(f"t = {snap['t']:.3g}", fontsize=10)
        ax.set_xlabel("$x_1$")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("density of $x_1$")
    axes[0, 0].legend(fontsize=8, loc="best")
    fig.suptitle(f"{case_id}: exact vs grid vs particles", fontsize=11)
    fig.tight_layout()
    return _save(fig, path, write)


def _tick_label(v: float, _: Any = None) -> str:
    """ "0.02", "5", "1e-04": at most six characters."""
    return f"{v:.0e}" if 0 < v < 1e-3 else f"{v:.2g}"


def _short_ticks(ax: Any) -> None:
    """x ticks of a log axis at 1, 2, 5 × 10^k (at 10^k only on an axis of more than a
    decade) with short labels: labelled on an axis shorter than a decade, never overlapping
    (scientific minor labels such as 3×10⁻¹ do)."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    lo, hi = ax.get_xlim()
    subs = (1.0,) if hi > 10 * lo else (1.0, 2.0, 5.0)
    short = FuncFormatter(_tick_label)
    ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=subs))
    ax.xaxis.set_major_formatter(short)
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def _study_panel(ax: Any, studies: list[tuple[str, Any]], xlabel: str, ylabel: str) -> None:
    for k, (method, study) in enumerate(studies):
        colour = f"C{k}"
        ax.loglog(study.h, study.errors, "o", color=colour, ms=5)
        if study.standard_errors is not None:
            ax.errorbar(
                study.h, study.errors, yerr=study.standard_errors, fmt="none", ecolor=colour, lw=0.8
            )
        hh = np.geomspace(study.h.min(), study.h.max(), 20)
        ax.loglog(
            hh,
            np.exp(study.fit.log_constant) * hh**study.observed_order,
            "-",
            color=colour,
            lw=1.2,
            label=f"{method}: slope {study.observed_order:.2f} (nominal {study.nominal:g})",
        )
        if study.nominal is not None:
            anchor = study.errors[-1] / study.h[-1] ** study.nominal
            ax.loglog(hh, anchor * hh**study.nominal, ":", color=colour, lw=1.0)
    _short_ticks(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.grid(alpha=0.3, which="both")
    # under the panel: inside, a legend as wide as a third of the page covers points
    ax.legend(
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        title="dotted: nominal slope",
        title_fontsize=7,
    )


def _panels(studies: list[tuple[str, Any]]) -> list[tuple[str, list[tuple[str, Any]]]]:
    by_parameter: dict[str, list[tuple[str, Any]]] = {}
    for method, study in studies:
        by_parameter.setdefault(study.parameter, []).append((method, study))
    return [(p, by_parameter[p]) for p in ("n", "dt", "n_particles") if p in by_parameter]


XLABEL = {"n": "h = 1 / (cells per axis)", "dt": "time step dt", "n_particles": "1 / N (particles)"}


def convergence_figure(
    case_id: str, studies: list[tuple[str, Any]], path: Path, write: Write = write_with
) -> Path:
    plt = _pyplot()
    panels = _panels(studies)
    rows = max(len(group) for _, group in panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH, 4.4 + 0.2 * rows), squeeze=False)
    for ax, (parameter, group) in zip(axes[0], panels, strict=True):
        _study_panel(ax, group, XLABEL[parameter], _error_label(parameter, group))
    fig.suptitle(f"{case_id}: error vs resolution (log–log, fitted slopes)", fontsize=11)
    fig.tight_layout()
    return _save(fig, path, write)


def work_precision_figure(
    case_id: str, studies: list[tuple[str, Any]], path: Path, write: Write = write_with
) -> Path:
    plt = _pyplot()
    panels = [(p, g) for p, g in _panels(studies) if p != "n_particles"]
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH, 3.6), squeeze=False)
    for ax, (parameter, group) in zip(axes[0], panels, strict=True):
        for k, (method, study) in enumerate(group):
            ax.loglog(study.wall_times, study.errors, "o-", color=f"C{k}", label=method)
        _short_ticks(ax)
        ax.set_xlabel("wall time per run [s]")
        ax.set_ylabel(_error_label(parameter, group), fontsize=9)
        ax.set_title("grid schemes" if parameter == "n" else "particle schemes", fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle(f"{case_id}: work–precision (lower left is better)", fontsize=11)
    fig.tight_layout()
    return _save(fig, path, write)


def _bias_panel(ax: Any, data: dict[str, Any]) -> None:

    for k, (name, row) in enumerate(data["ladder"].items()):
        eps, ks, floor = (np.asarray(row[key]) for key in ("eps", "ks", "floor"))
        colour = f"C{k}"
        slope = "" if row["slope"] is None else f", fitted slope {row['slope']:.2f}"
        ax.loglog(eps, ks, "o-", color=colour, ms=5, lw=1.2, label=f"{name}: measured KS{slope}")
        ax.loglog(eps, floor, "--", color=colour, lw=0.8, label=f"{name}: noise floor")
    if "exact" in data:
        exact = data["exact"]
        ax.loglog(exact["eps"], exact["ks"], "k-", lw=1.0, label="ULA exact bias")
        e = np.asarray(exact["eps"])
        anchor = exact["ks"][-1] / e[-1]
        ax.loglog(e, anchor * e, "k:", lw=0.8, label="slope 1 (nominal)")
    _short_ticks(ax)
    ax.set_xlabel("step size ε")
    ax.set_ylabel("KS distance of the\nsampler's law to p", fontsize=9)
    ax.set_title("bias against ε (log–log)", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="best")


def stationary_figure(
    case_id: str, data: dict[str, Any], path: Path, write: Write = write_with
) -> Path:
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 4.0))
    hist = data["histogram"]
    edges = np.asarray(hist["edges"])
    left.bar(
        edges[:-1],
        hist["empirical"],
        width=np.diff(edges),
        align="edge",
        color="C2",
        alpha=0.4,
        label=f"{data['sampler']}, ε = {data['verify']['eps']:g}",
    )
    left.step(edges, np.r_[hist["exact"], hist["exact"][-1]], "k", where="post", lw=1.0, label="p")
    left.set_xlabel("$x$")
    left.set_ylabel("density")
    left.set_title("long-run histogram against p", fontsize=10)
    left.grid(alpha=0.3)
    left.legend(fontsize=8, loc="best")
    _bias_panel(right, data)
    fig.suptitle(f"{case_id}: stationary law of the Langevin sampler", fontsize=11)
    fig.tight_layout()
    return _save(fig, path, write)
