"""Where a convergence study of a built-in case runs in time (used by :mod:`pdecheck.studies`).

A path into point data narrows without bound as t → t_b: past the time at which the grid can
still resolve p_t every refinement level is pre-asymptotic and a fitted order measures nothing.
:func:`study_span` starts grid studies on atomic data a little later and ends every study where
p_t is still resolved (:func:`resolved_end`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["prolong", "resolved_end", "study_box", "study_span"]

Array = NDArray[np.float64]

#: a grid study on an atomic p_{t_0} starts this fraction of t_span later
ATOMIC_START = 0.1
#: studies end at the latest of these fractions of the span at which p_t is resolved
WINDOW_FRACTIONS = (1.0, 0.75, 0.5, 0.25, 0.125)
#: ... on this many cells per axis, the L1 gap between n and 2n cells within a factor of its
#: value at the start, or an absolute bound (resolved_end)
RESOLVE_CELLS = 16
RESOLVED_L1 = 0.05
RESOLVED_GROWTH = 2.0


def study_span(problem: Any, kind: str) -> tuple[float, float, Any]:
    """(t_a, t_b, p_{t_a}): the case's span, started later for grids on atomic data and ended
    where p_t is still resolved (:func:`resolved_end`)."""
    from pdecheck.densities import PointMixture

    t0, t1 = problem.t_span
    if kind == "grid" and isinstance(problem.initial, PointMixture):
        t0 = t0 + ATOMIC_START * (t1 - t0)
        return t0, resolved_end(problem, t0), problem.marginal(t0)
    return t0, resolved_end(problem, t0), problem.initial


def prolong(a: Array) -> Array:
    """Cell values on n cells per axis repeated onto 2n (piecewise constant)."""
    for axis in range(a.ndim):
        a = np.repeat(a, 2, axis=axis)
    return a


def resolved_end(problem: Any, t_a: float) -> float:
    """The latest of t_a + f (t_b − t_a), f in :data:`WINDOW_FRACTIONS`, at which the exact
    p_t is resolved on :data:`RESOLVE_CELLS` cells per axis about as well as p_{t_a}: the L1
    gap between its cell averages there and on twice as many cells is at most
    :data:`RESOLVED_GROWTH` times that of p_{t_a}, or :data:`RESOLVED_L1` (for a Gaussian of
    width σ the gap is about 0.2 h/σ: the window ends before p_t is half as wide). Paths into
    point data narrow without bound as t → t_b; past that
    time every grid level of a study is pre-asymptotic and the fitted order measures nothing
    (and the velocity ~ 1/(t_b − t) makes the CFL step vanish)."""
    from pdecheck import grid as g

    t_b = float(problem.t_span[1])
    if problem.marginal is None:
        return t_b
    start = problem.marginal(t_a) if t_a != problem.t_span[0] else problem.initial

    def gap(t: float) -> float:
        end = problem.marginal(t)
        box = study_box(problem, start, end)
        coarse, fine = g.Grid(*box, RESOLVE_CELLS), g.Grid(*box, 2 * RESOLVE_CELLS)
        diff = prolong(coarse.cell_averages(end)) - fine.cell_averages(end)
        return float(np.sum(np.abs(diff)) * fine.cell_volume)

    allowed = max(RESOLVED_L1, RESOLVED_GROWTH * gap(t_a))
    t = t_b
    for f in WINDOW_FRACTIONS:
        t = t_a + f * (t_b - t_a)
        if gap(t) <= allowed:
            return t
    return t


def study_box(problem: Any, start: Any, end: Any) -> tuple[Array, Array]:
    """The case's domain, or a box holding p at both ends of the window (10 % margin)."""
    if problem.domain is not None:
        return problem.domain
    bounds = [np.asarray(d.bounds(1e-10), dtype=float) for d in (start, end)]
    lo = np.min([b[0] for b in bounds], axis=0)
    hi = np.max([b[1] for b in bounds], axis=0)
    return lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo)
