"""Deterministic bias budgets: how far displacements of size δ_i can move a statistic.

A computed sample X_i differs from an exact sample Y_i (the exact flow of the same initial point
and noise) by |X_i − Y_i| <= δ_i per axis (:mod:`pdecheck.verify._particles`). Then:

- :func:`ks_displacement_budget` — sup_x |F_N^X(x) − F_N^Y(x)| <= max_x #{i: |X_i − x| <= δ_i}/N:
  the empirical CDFs differ at x only through particles that can sit on either side of x.
  This is the b of the DKW test with a bias budget (STATISTICS.md §1): D_N(X) <= D_N(Y) + b.
- :func:`cell_displacement_budget` — a particle farther than δ_i from every cell face is in the
  same cell as Y_i; the share of the others, m/N, bounds the TV between the two binned samples,
  so binned L1 moves by at most 2m/N (the 2b of STATISTICS.md §2).
- :func:`proportion_interval` — Hoeffding with a union bound over k cells: P(max_k |c_k/N − w_k|
  > sqrt(ln(2k/α)/(2N))) <= α, for multinomial counts; the nearest-data-point proportions of
  issue 6 item 7.

Public (package-private) names: the three functions above.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["cell_displacement_budget", "ks_displacement_budget", "proportion_interval"]

Array = NDArray[np.float64]


def ks_displacement_budget(x: Array, delta: Array) -> float:
    """max_x #{i: x ∈ [x_i − δ_i, x_i + δ_i]} / N for 1-D points x and radii δ (a sweep)."""
    x = np.asarray(x, dtype=float).ravel()
    delta = np.asarray(delta, dtype=float).ravel()
    if x.size == 0:
        return 0.0
    events = np.concatenate([x - delta, x + delta])
    kind = np.concatenate([np.ones(x.size), -np.ones(x.size)])
    order = np.lexsort((-kind, events))  # at equal positions open before close (closed intervals)
    return float(np.max(np.cumsum(kind[order]))) / x.size


def cell_displacement_budget(x: Array, delta: Array, edges: Sequence[Array]) -> float:
    """Share of points within δ (per axis) of a finite cell face of the product cells (0 for
    no points)."""
    x = np.asarray(x, dtype=float).reshape(-1, len(edges))
    delta = np.asarray(delta, dtype=float).reshape(x.shape)
    near = np.zeros(x.shape[0], dtype=bool)
    for j, e in enumerate(edges):
        faces = np.asarray(e, dtype=float)
        faces = faces[np.isfinite(faces)]
        if faces.size == 0:
            continue
        pos = np.searchsorted(faces, x[:, j])
        left = faces[np.clip(pos - 1, 0, faces.size - 1)]
        right = faces[np.clip(pos, 0, faces.size - 1)]
        gap = np.minimum(np.abs(x[:, j] - left), np.abs(x[:, j] - right))
        near |= gap <= delta[:, j]
    return float(np.count_nonzero(near)) / max(x.shape[0], 1)


def proportion_interval(n: int, k: int, alpha: float) -> float:
    """Half-width h with P(max_j |c_j/N − w_j| > h) <= α over k multinomial cells (Hoeffding
    per cell at α/k, union bound)."""
    return math.sqrt(math.log(2.0 * k / alpha) / (2.0 * n))
