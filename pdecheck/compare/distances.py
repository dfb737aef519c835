"""Grid answers against exact densities, and particles against grids.

Public names: :class:`GridDistances` and :func:`grid_distances` (L1 and L∞ between cell
averages and the exact cell averages, mass, mass error, minimum density) and
:func:`samples_vs_grid` (particles against a grid density through the binned L1 test of
:mod:`pdecheck.compare.binned`, with the grid's own error as the quadrature budget).

A grid is given by its cell averages ``values`` (shape (K_1, ..., K_d)) and its cell edges (one
strictly increasing finite array per axis, or any object with an ``edges`` attribute holding
them). The exact cell average of p over cell C is P(C)/|C| from ``box_probability``, so the
comparison carries no quadrature error of its own: L1 = Σ_C |u_C − P(C)/|C|| |C| is the L1
distance between the piecewise-constant grid density and the exact cell averages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import check_finite
from pdecheck.compare.binned import binned_l1
from pdecheck.compare.result import CheckResult, check_budget
from pdecheck.densities import Density

__all__ = ["GridDistances", "cell_volumes", "grid_distances", "samples_vs_grid"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class GridDistances:
    """Distances between a grid density u and the exact density p on the grid's cells.

    ``l1`` = Σ |u_C − p̄_C| |C|, ``linf`` = max |u_C − p̄_C| (p̄_C the exact cell average),
    ``mass`` = Σ u_C |C|, ``mass_error`` = mass − P(box), ``exact_outside`` = 1 − P(box) (the
    mass the exact density carries outside the grid), ``min_density`` = min u_C (negative means
    the scheme produced negative density).
    """

    l1: float
    linf: float
    mass: float
    mass_error: float
    exact_outside: float
    min_density: float

    @property
    def negative(self) -> bool:
        """True when some cell average is negative."""
        return self.min_density < 0.0

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def _edges_of(grid: Any) -> list[Array]:
    raw = grid.edges if hasattr(grid, "edges") else grid
    if not isinstance(raw, Sequence) or len(raw) == 0:
        raise TypeError(f"edges={grid!r} must be a sequence of edge arrays (one per axis)")
    out = []
    for j, e in enumerate(raw):
        arr = check_finite(f"edges[{j}]", e)
        if arr.ndim != 1 or arr.size < 2 or np.any(np.diff(arr) <= 0):
            raise ValueError(f"edges[{j}] must be a strictly increasing 1-D array of >= 2 edges")
        out.append(arr)
    return out


def cell_volumes(edges: Any) -> Array:
    """|C| for every cell of the product grid, shape (K_1, ..., K_d)."""
    widths = [np.diff(e) for e in _edges_of(edges)]
    vol = widths[0]
    for w in widths[1:]:
        vol = np.multiply.outer(vol, w)
    return np.asarray(vol, dtype=float)


def _cell_values(values: ArrayLike, axes: list[Array]) -> Array:
    shape = tuple(e.size - 1 for e in axes)
    u = check_finite("values", values)
    if u.shape != shape:
        raise ValueError(f"values has shape {u.shape}; the edges give {shape} cells")
    return u


def grid_distances(values: ArrayLike, edges: Any, exact: Density) -> GridDistances:
    """L1, L∞, mass and minimum density of grid cell averages against ``exact``."""
    axes = _edges_of(edges)
    u = _cell_values(values, axes)
    if not isinstance(exact, Density) or exact.dim != len(axes):
        raise TypeError(f"exact={exact!r} must be a Density of dimension {len(axes)}")
    lower = np.stack(np.meshgrid(*[e[:-1] for e in axes], indexing="ij"), axis=-1)
    upper = np.stack(np.meshgrid(*[e[1:] for e in axes], indexing="ij"), axis=-1)
    d = len(axes)
    prob = exact.box_probability(lower.reshape(-1, d), upper.reshape(-1, d)).reshape(u.shape)
    vol = cell_volumes(axes)
    diff = u - prob / vol
    mass = float(np.sum(u * vol))
    inside = float(np.sum(prob))
    return GridDistances(
        l1=float(np.sum(np.abs(diff) * vol)),
        linf=float(np.max(np.abs(diff))),
        mass=mass,
        mass_error=mass - inside,
        exact_outside=1.0 - inside,
        min_density=float(np.min(u)),
    )


def samples_vs_grid(
    samples: ArrayLike,
    values: ArrayLike,
    edges: Any,
    *,
    alpha: float,
    grid_error: float = 0.0,
    bias_budget: float = 0.0,
) -> CheckResult:
    """Particles against a grid density by binned L1 on the grid's own cells.

    The reference probabilities are the grid's cell masses u_C |C| (negative cells are an error:
    report them with :func:`grid_distances` first). ``grid_error`` bounds the grid's L1 distance
    to the exact law (for example from a convergence study or :func:`grid_distances`) and enters
    as the quadrature budget; ``bias_budget`` bounds TV(particle law, exact law). Grid cells are
    not equal-probability, so prefer coarse grids (or a grid restricted to K cells) here: the
    threshold grows like sqrt(K/N).
    """
    axes = _edges_of(edges)
    u = _cell_values(values, axes)
    q = check_budget("grid_error", grid_error)
    if np.any(u < 0):
        raise ValueError(
            f"values has {int(np.sum(u < 0))} negative cell averages; a density must be >= 0"
        )
    mass = u * cell_volumes(axes)
    return binned_l1(samples, axes, mass, alpha=alpha, bias_budget=bias_budget, quadrature_budget=q)
