"""Bias budgets from displacements: the bounds hold against brute force."""

from __future__ import annotations

import numpy as np

from pdecheck.verify._budget import (
    cell_displacement_budget,
    ks_displacement_budget,
    proportion_interval,
)


def _ks(a, b):
    grid = np.sort(np.concatenate([a, b]))
    fa = np.searchsorted(np.sort(a), grid, side="right") / a.size
    fb = np.searchsorted(np.sort(b), grid, side="right") / b.size
    return np.max(np.abs(fa - fb))


def test_ks_budget_bounds_any_displacement_within_delta(rng):
    """sup|F_N^X − F_N^Y| <= max overlap of [x_i − δ_i, x_i + δ_i] for every Y with
    |Y_i − X_i| <= δ_i; checked for the extreme moves ±δ_i and random ones."""
    x = rng.normal(size=500)
    delta = 0.02 * rng.random(500)
    bound = ks_displacement_budget(x, delta)
    for move in (delta, -delta, delta * rng.uniform(-1, 1, 500)):
        assert _ks(x, x + move) <= bound + 1e-15
    assert ks_displacement_budget(x, np.zeros(500)) == 1 / 500  # a closed point interval
    # brute force of the overlap count on a fine lattice
    lattice = np.linspace(-4, 4, 20001)
    count = np.max(np.sum(np.abs(x[None, :] - lattice[:, None]) <= delta[None, :], axis=1))
    assert count / 500 <= bound


def test_cell_budget_counts_points_that_can_change_cell(rng):
    x = rng.random((1000, 2))
    delta = 0.01 * np.ones((1000, 2))
    edges = [np.array([-np.inf, 0.5, np.inf]), np.array([-np.inf, 0.25, 0.75, np.inf])]
    share = cell_displacement_budget(x, delta, edges)
    near = (np.abs(x[:, 0] - 0.5) <= 0.01) | (
        np.min(np.abs(x[:, 1:2] - [0.25, 0.75]), axis=1) <= 0.01
    )
    assert share == np.count_nonzero(near) / 1000
    # moving every point by at most delta changes the cell of no point outside that share
    moved = x + delta * rng.uniform(-1, 1, x.shape)
    cell = lambda p: (np.searchsorted(edges[0], p[:, 0]), np.searchsorted(edges[1], p[:, 1]))  # noqa: E731
    changed = (cell(x)[0] != cell(moved)[0]) | (cell(x)[1] != cell(moved)[1])
    assert np.count_nonzero(changed) / 1000 <= share


def test_proportion_interval_false_alarm_rate(rng):
    """Multinomial shares exceed the Hoeffding half-width at α = 0.05 in at most α of the
    repetitions: 2000 repetitions, one-sided binomial bound (P(X >= 130 | p = 0.05) < 1e-3)."""
    w = np.array([0.5, 0.25, 0.25])
    h = proportion_interval(400, 3, 0.05)
    counts = rng.multinomial(400, w, size=2000) / 400
    alarms = np.count_nonzero(np.max(np.abs(counts - w), axis=1) > h)
    assert alarms < 130


def test_cell_budget_of_no_points_is_zero():
    edges = [np.linspace(0.0, 1.0, 5), np.linspace(0.0, 1.0, 5)]
    assert cell_displacement_budget(np.empty((0, 2)), np.empty((0, 2)), edges) == 0.0
