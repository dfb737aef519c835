"""Endpoint mismatch: how far the claimed p_T is from the declared prior (CATALOGUE "Known
traps": α_T ≠ 0 leaves p_T ≠ N(0, I)).

:func:`gelbrich_w2` is the Gelbrich lower bound W2(μ, ν)² >= |m_μ − m_ν|² + B(Σ_μ, Σ_ν)² with
B² = tr Σ_μ + tr Σ_ν − 2 tr (Σ_ν^{1/2} Σ_μ Σ_ν^{1/2})^{1/2} (Gelbrich 1990), which is W2 itself
for two Gaussians; :func:`binned_tv` is the total variation between the two laws on the cells of
a grid, exact from their box probabilities (a lower bound on the TV of the laws).

Public (package-private) names: :func:`gelbrich_w2`, :func:`binned_tv`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import linalg

from pdecheck.densities import Density

__all__ = ["binned_tv", "gelbrich_w2"]


def gelbrich_w2(a: Density, b: Density) -> float | None:
    """The Gelbrich lower bound on W2(a, b); None when a moment is not available."""
    try:
        ma, mb = np.asarray(a.mean(), dtype=float), np.asarray(b.mean(), dtype=float)
        ca, cb = np.atleast_2d(a.cov()), np.atleast_2d(b.cov())
    except (NotImplementedError, AttributeError, TypeError, ValueError):  # no moments (Cauchy)
        return None
    root_b = np.real(linalg.sqrtm(cb))
    cross = np.real(linalg.sqrtm(root_b @ ca @ root_b))
    bures2 = max(0.0, float(np.trace(ca) + np.trace(cb) - 2.0 * np.trace(cross)))
    return math.sqrt(float(np.sum((ma - mb) ** 2)) + bures2)


def binned_tv(a: Density, b: Density, grid: Any) -> float | None:
    """½ Σ_C |P_a(C) − P_b(C)| over the grid's cells plus the outside cell, less what the
    cubature error of a density known only by its pdf can explain (never below 0)."""
    lo, hi = grid.boxes()
    try:
        (pa, ea), (pb, eb) = _masses(a, lo, hi), _masses(b, lo, hi)
    except (NotImplementedError, TypeError):
        return None
    outside = abs((1.0 - pa.sum()) - (1.0 - pb.sum()))
    tv = 0.5 * float(np.sum(np.abs(pa - pb)) + outside)
    return max(0.0, tv - float(np.sum(ea) + np.sum(eb)))


def _masses(d: Density, lo: Any, hi: Any) -> tuple[Any, Any]:
    with_error = getattr(d, "box_probability_with_error", None)
    if with_error is not None:
        return with_error(lo, hi)
    return np.asarray(d.box_probability(lo, hi), dtype=float), np.zeros(1)
