"""Comparisons with thresholds derived from N, the grid and a false-alarm rate alpha.

Grid vs exact (deterministic distances):
    :func:`grid_distances` → :class:`GridDistances` (L1, L∞ on cell averages, mass, min density).
Particles vs exact (statistical tests → :class:`CheckResult`):
    :func:`ks_test` (1-D, DKW threshold sqrt(ln(2/alpha)/(2N)) + bias budget),
    :func:`marginal_ks_test` (each marginal, Bonferroni over d),
    :func:`binned_l1_test` / :func:`binned_l1` (d >= 2: binned L1 with a McDiarmid threshold),
    :func:`mean_test`, :func:`variance_test` (moments with exact target moments),
    :func:`sample_test` (the gate: KS in 1-D; binned L1 + marginal KS in d >= 2).
Particles vs grid:
    :func:`samples_vs_grid` (binned L1 on the grid's cells, the grid's error as a budget).
Thresholds on their own:
    :func:`dkw_threshold`, :func:`l1_threshold`, :func:`expected_l1`, :func:`ks_minimum_n`.

Derivations and measured false-alarm rates: STATISTICS.md §1–3.
"""

from __future__ import annotations

from pdecheck.compare.binned import (
    binned_l1,
    binned_l1_test,
    equal_probability_edges,
    expected_l1,
    l1_threshold,
)
from pdecheck.compare.distances import GridDistances, cell_volumes, grid_distances, samples_vs_grid
from pdecheck.compare.ks import (
    dkw_threshold,
    ks_minimum_n,
    ks_statistic,
    ks_test,
    marginal_cdf,
    marginal_ks_test,
)
from pdecheck.compare.moments import central_moments, mean_test, variance_test
from pdecheck.compare.result import CheckResult
from pdecheck.compare.samples import sample_test

__all__ = [
    "CheckResult",
    "GridDistances",
    "binned_l1",
    "binned_l1_test",
    "cell_volumes",
    "central_moments",
    "dkw_threshold",
    "equal_probability_edges",
    "expected_l1",
    "grid_distances",
    "ks_minimum_n",
    "ks_statistic",
    "ks_test",
    "l1_threshold",
    "marginal_cdf",
    "marginal_ks_test",
    "mean_test",
    "sample_test",
    "samples_vs_grid",
    "variance_test",
]
