"""Grid vs exact distances and particles vs grid."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import pdecheck as pc
from pdecheck.compare import GridDistances, grid_distances, samples_vs_grid


def test_exact_cell_averages_have_zero_distance():
    """Cell averages of a uniform box are 1/|box| exactly; mass 1, no mass outside."""
    edges = [np.linspace(0.0, 2.0, 9), np.linspace(-1.0, 1.0, 5)]
    values = np.full((8, 4), 1 / 4)
    dist = grid_distances(values, edges, pc.Uniform([0.0, -1.0], [2.0, 1.0]))
    assert dist.l1 == pytest.approx(0.0, abs=1e-15) and dist.linf == pytest.approx(0.0, abs=1e-15)
    assert dist.mass == pytest.approx(1.0, rel=1e-15) and dist.exact_outside == pytest.approx(0.0)
    assert not dist.negative and isinstance(dist.to_dict()["l1"], float)


def test_midpoint_values_differ_from_cell_averages_by_h2_over_24():
    """Midpoint value − cell average = −h² p''/24 + O(h⁴), so L1 / h² → ∫|p''| / 24 = phi(1)/6
    for the standard normal (∫|(x² − 1) phi| = 4 phi(1)); checked over 5 refinements."""
    target = pc.Gaussian(0.0, 1.0)
    limit = stats.norm.pdf(1.0) / 6
    ratios = []
    for n in (80, 160, 320, 640, 1280):
        edges = np.linspace(-8.0, 8.0, n + 1)
        mid = 0.5 * (edges[1:] + edges[:-1])
        h = 16.0 / n
        dist = grid_distances(target.pdf(mid), [edges], target)
        ratios.append(dist.l1 / h**2)
        second = np.abs(mid**2 - 1) * stats.norm.pdf(mid)  # |p''| at the midpoints
        assert dist.linf == pytest.approx(h**2 / 24 * second.max(), rel=h**2)  # next term O(h⁴)
    assert abs(ratios[-1] - limit) < abs(ratios[0] - limit)
    assert ratios[-1] == pytest.approx(limit, rel=1e-3)


def test_negative_density_and_mass_error_are_reported():
    """Cells of width 1/4: mass = 3.25/4, L1 = (0.5 + 1.25)/4, L∞ = 1.25 against p = 1."""
    edges = [np.linspace(0.0, 1.0, 5)]
    values = np.array([1.5, -0.25, 1.0, 1.0])
    dist = grid_distances(values, edges, pc.Uniform(0.0, 1.0))
    assert isinstance(dist, GridDistances)
    assert dist.negative and dist.min_density == -0.25
    assert dist.mass == pytest.approx(0.8125) and dist.mass_error == pytest.approx(-0.1875)
    assert dist.l1 == pytest.approx(0.4375) and dist.linf == pytest.approx(1.25)
    with pytest.raises(ValueError, match="negative cell averages"):
        samples_vs_grid(np.full(100, 0.5), values, edges, alpha=0.01)


def test_gaussian_tail_outside_the_grid_is_counted():
    dist = grid_distances(np.zeros(4), [np.linspace(-1.0, 1.0, 5)], pc.Gaussian(0.0, 1.0))
    assert dist.exact_outside == pytest.approx(2 * stats.norm.sf(1.0), rel=1e-12)
    assert dist.mass_error == pytest.approx(-(1 - 2 * stats.norm.sf(1.0)), rel=1e-12)


def test_particles_against_a_grid_density():
    """A coarse grid holding the exact cell averages accepts exact samples; a grid of the wrong
    width (std 1.2) is rejected. Its L1 error from grid_distances is the declared budget."""
    target = pc.Gaussian(np.zeros(2), 1.0)
    axis = np.linspace(-4.0, 4.0, 9)
    lower = np.stack(np.meshgrid(axis[:-1], axis[:-1], indexing="ij"), -1).reshape(-1, 2)
    upper = np.stack(np.meshgrid(axis[1:], axis[1:], indexing="ij"), -1).reshape(-1, 2)

    def averages(density):
        return density.box_probability(lower, upper).reshape(8, 8)

    gen = np.random.default_rng(8)
    x = target.sample(20_000, gen)
    exact = averages(target)
    assert samples_vs_grid(x, exact, [axis, axis], alpha=1e-3).passed
    wrong = averages(pc.Gaussian(np.zeros(2), 1.2))
    assert not samples_vs_grid(x, wrong, [axis, axis], alpha=1e-3).passed
    error = grid_distances(wrong, [axis, axis], target).l1
    budgeted = samples_vs_grid(x, wrong, [axis, axis], alpha=1e-3, grid_error=error)
    assert budgeted.passed and budgeted.details["quadrature_budget"] == error


def test_bad_grid_input():
    with pytest.raises(ValueError, match=r"values has shape \(3,\)"):
        grid_distances(np.zeros(3), [np.linspace(0, 1, 5)], pc.Uniform(0.0, 1.0))
    with pytest.raises(ValueError, match="strictly increasing"):
        grid_distances(np.zeros(1), [np.array([1.0, 0.0])], pc.Uniform(0.0, 1.0))
    with pytest.raises(TypeError, match="dimension 1"):
        grid_distances(np.zeros(4), [np.linspace(0, 1, 5)], pc.Uniform([0, 0], [1, 1]))
