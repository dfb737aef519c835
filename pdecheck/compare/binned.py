"""Binned L1 (total variation on a partition) with a provable threshold (STATISTICS.md §2).

Public names: :func:`expected_l1` (exact E L1 by De Moivre's binomial mean absolute deviation),
:func:`l1_threshold` (tau = E L1 + sqrt(2 ln(1/alpha)/N) + 2b + q), :func:`binned_l1` (counts in
given cells against given exact cell probabilities — also particles against a grid, whose cell
masses are the probabilities and whose own error is the quadrature budget q),
:func:`equal_probability_edges` (product cells from the target's marginal quantiles) and
:func:`binned_l1_test` (samples against a density on those cells).

Why the threshold is provable, for every N and every number of cells K: with counts c_k and
exact probabilities p_k, L1 = Σ_k |c_k/N − p_k| changes by at most 2/N when one particle moves,
so McDiarmid gives P(L1 >= E L1 + t) <= exp(−N t²/2); t = sqrt(2 ln(1/alpha)/N) makes that
alpha. E L1 is exact (De Moivre) or bounded by sqrt((K−1)/N) (Jensen, Cauchy–Schwarz). A
sampler law G with TV(G, F) <= b moves E L1 by at most 2b; cell probabilities q_k known only up
to Σ|q_k − p_k| <= q move L1 by at most q. Asymptotic chi-square is deliberately not offered: with
sparse cells its false-alarm rate was 30–110 times nominal (STATISTICS.md §2).

Why product cells: for targets with independent coordinates (the diagonal Gaussians and uniform
boxes of :mod:`pdecheck.densities`) cells cut at the marginal quantiles j/m have p_k = 1/K
exactly — the whitening/Rosenblatt choice of STATISTICS.md §2 for these laws; for any other
target the p_k are still exact (from ``box_probability``), only no longer equal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from pdecheck._validate import check_count
from pdecheck.compare.ks import marginal_cdf
from pdecheck.compare.result import (
    CheckResult,
    check_alpha,
    check_budget,
    minimum_n_error,
    sample_points,
)
from pdecheck.densities import Density

__all__ = [
    "binned_l1",
    "binned_l1_test",
    "equal_probability_edges",
    "expected_l1",
    "l1_threshold",
]

Array = NDArray[np.float64]


def expected_l1(probabilities: ArrayLike, n: int) -> float:
    """E Σ_k |c_k/N − p_k| for multinomial counts, exactly.

    De Moivre: E|c − Np| = 2 (m+1)(1−p) Binom(N, p).pmf(m+1) with m = floor(Np). ``n`` must
    be a positive integer.
    """
    n = check_count("n", n)
    p = np.clip(np.asarray(probabilities, dtype=float).ravel(), 0.0, 1.0)
    m = np.floor(n * p)
    mad = np.empty_like(p)
    # m = 0 (Np < 1): 2·(1−p)·N p (1−p)^{N−1} = 2 N p (1−p)^N, in logs — scipy's binomial pmf
    # overflows for p near the smallest normal doubles
    small = m == 0
    mad[small] = 2.0 * n * p[small] * np.exp(n * np.log1p(-p[small]))
    big = ~small
    mad[big] = 2.0 * (m[big] + 1) * (1.0 - p[big]) * stats.binom.pmf(m[big] + 1, n, p[big])
    return float(np.sum(mad) / n)


def l1_threshold(
    probabilities: ArrayLike,
    n: int,
    alpha: float,
    *,
    bias_budget: float = 0.0,
    quadrature_budget: float = 0.0,
    exact_mean: bool = True,
) -> float:
    """tau = E L1 + sqrt(2 ln(1/alpha)/N) + 2 b + q, with E L1 exact or <= sqrt((K−1)/N).

    The rules: ``n`` a positive integer, ``alpha`` in (0, 1), the bias budget b and the
    quadrature budget q finite and >= 0 (a negative budget would lower tau below what the
    sample size alone allows, and the false-alarm rate would exceed alpha).
    """
    alpha = check_alpha(alpha)
    n = check_count("n", n)
    b = check_budget("bias_budget", bias_budget)
    q = check_budget("quadrature_budget", quadrature_budget)
    p = np.asarray(probabilities, dtype=float).ravel()
    mean = expected_l1(p, n) if exact_mean else math.sqrt((p.size - 1) / n)
    return mean + math.sqrt(2.0 * math.log(1.0 / alpha) / n) + 2.0 * b + q


def _check_edges(edges: Sequence[ArrayLike], dim: int) -> list[Array]:
    if len(edges) != dim:
        raise ValueError(
            f"edges has {len(edges)} axes but the samples have d={dim}; "
            "give one edge array per axis"
        )
    out = []
    for j, e in enumerate(edges):
        arr = np.asarray(e, dtype=float)
        if arr.ndim != 1 or arr.size < 2 or np.any(np.isnan(arr)) or np.any(np.diff(arr) <= 0):
            raise ValueError(f"edges[{j}] must be a strictly increasing 1-D array of >= 2 edges")
        out.append(arr)
    return out


def _cell_counts(x: Array, edges: list[Array]) -> tuple[Array, int]:
    """Counts per cell (lower < x <= upper, the ``box_probability`` convention) and outside."""
    shape = tuple(e.size - 1 for e in edges)
    idx = np.empty(x.shape, dtype=np.int64)
    inside = np.ones(x.shape[0], dtype=bool)
    for j, e in enumerate(edges):
        idx[:, j] = np.searchsorted(e, x[:, j], side="left") - 1
        inside &= (idx[:, j] >= 0) & (idx[:, j] < shape[j])
    flat = np.ravel_multi_index(tuple(idx[inside].T), shape)
    counts = np.bincount(flat, minlength=math.prod(shape)).astype(float)
    return counts, int(np.count_nonzero(~inside))


def binned_l1(
    samples: ArrayLike,
    edges: Sequence[ArrayLike],
    probabilities: ArrayLike,
    *,
    alpha: float,
    bias_budget: float = 0.0,
    quadrature_budget: float = 0.0,
) -> CheckResult:
    """Binned L1 test on the product cells given by ``edges`` (one edge array per axis).

    ``probabilities`` has shape (K_1, ..., K_d): the exact mass of each cell (outer edges may be
    ±inf); whatever mass they leave out forms one more cell, "outside". ``bias_budget`` b bounds
    TV(sampler law, target); ``quadrature_budget`` q bounds Σ|given p_k − exact p_k| (for a grid
    as the reference: its L1 error). Reject when L1 > tau (:func:`l1_threshold`).
    """
    alpha = check_alpha(alpha)
    b = check_budget("bias_budget", bias_budget)
    q = check_budget("quadrature_budget", quadrature_budget)
    x = sample_points("samples", samples, len(edges))
    axes = _check_edges(edges, x.shape[1])
    shape = tuple(e.size - 1 for e in axes)
    p = np.asarray(probabilities, dtype=float)
    if p.shape != shape or np.any(~np.isfinite(p)) or np.any(p < 0):
        raise ValueError(
            f"probabilities has shape {p.shape}; it must be {shape} (one per cell), finite and >= 0"
        )
    excess = float(p.sum()) - 1.0
    roundoff = 4.0 * p.size * np.finfo(float).eps
    if excess > q + roundoff:
        raise ValueError(
            f"probabilities sum to {1.0 + excess!r}; "
            f"the rule is sum <= 1 + quadrature_budget ({q:g})"
        )
    counts, outside = _cell_counts(x, axes)
    n = x.shape[0]
    cells = np.append(p.ravel(), max(0.0, -excess))
    freq = np.append(counts, outside) / n
    tau = l1_threshold(cells, n, alpha, bias_budget=b, quadrature_budget=q)
    largest = 2.0 * (1.0 - float(cells.min()))  # all N samples in the least likely cell
    if tau >= largest:
        room = largest - 2.0 * b - q
        if room <= 0:
            raise ValueError(
                f"bias_budget={b:g} and quadrature_budget={q:g} leave no room: "
                f"2 bias_budget + quadrature_budget must be < {largest:g}"
            )
        # the sqrt((K-1)/N) bound on E L1 gives a sufficient N
        spread = math.sqrt(cells.size - 1) + math.sqrt(2 * math.log(1 / alpha))
        n_min = math.ceil((spread / room) ** 2)
        raise minimum_n_error("binned L1 test", n, n_min, alpha, f"tau must be < {largest:g}")
    stat = float(np.sum(np.abs(freq - cells)))
    return CheckResult(
        name="binned L1",
        statistic=stat,
        threshold=tau,
        passed=stat <= tau,
        alpha=alpha,
        n=n,
        details={
            "cells": int(cells.size),
            "expected_l1": expected_l1(cells, n),
            "concentration": math.sqrt(2.0 * math.log(1.0 / alpha) / n),
            "bias_budget": b,
            "quadrature_budget": q,
            "outside_fraction": outside / n,
        },
    )


def equal_probability_edges(target: Density, cells_per_axis: int) -> list[Array]:
    """Per-axis edges at the marginal quantiles j/m, j = 1..m−1, with ±inf outer edges.

    Quantiles are found by bisection on the exact marginal CDF; their accuracy only affects how
    equal the cells are, never the exactness of the cell probabilities.
    """
    m = int(cells_per_axis)
    if m < 2 or m != cells_per_axis:
        raise ValueError(f"cells_per_axis={cells_per_axis!r} must be an integer >= 2")
    levels = np.arange(1, m) / m
    lo_box, hi_box = target.bounds(1.0 / (4.0 * m))
    edges = []
    for j in range(target.dim):
        cdf = marginal_cdf(target, j)
        lo = np.full(m - 1, float(lo_box[j]))
        hi = np.full(m - 1, float(hi_box[j]))
        for _ in range(64):  # each halving gains a bit; 64 reach the float spacing of the box
            mid = 0.5 * (lo + hi)
            below = cdf(mid) < levels
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        cuts = np.unique(0.5 * (lo + hi))  # atoms can merge quantiles
        edges.append(np.concatenate(([-np.inf], cuts, [np.inf])))
    return edges


def binned_l1_test(
    samples: ArrayLike,
    target: Density,
    *,
    alpha: float,
    cells_per_axis: int = 6,
    bias_budget: float = 0.0,
) -> CheckResult:
    """Samples against a density: binned L1 on the product cells of
    :func:`equal_probability_edges`, with exact p_k from ``target.box_probability``.

    ``cells_per_axis`` sets the resolution (STATISTICS.md §2 plans with 4–8): detectable TV grows
    like sqrt(K/N), and the threshold follows K, N and alpha whatever is chosen.
    """
    if not isinstance(target, Density):
        raise TypeError(f"target={target!r} must be a Density with box_probability")
    edges = equal_probability_edges(target, cells_per_axis)
    lower = np.stack(np.meshgrid(*[e[:-1] for e in edges], indexing="ij"), axis=-1)
    upper = np.stack(np.meshgrid(*[e[1:] for e in edges], indexing="ij"), axis=-1)
    shape = lower.shape[:-1]
    p = target.box_probability(lower.reshape(-1, target.dim), upper.reshape(-1, target.dim))
    return binned_l1(samples, edges, p.reshape(shape), alpha=alpha, bias_budget=bias_budget)
