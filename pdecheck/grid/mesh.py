"""Uniform cell-centred grids on boxes in 1, 2 or 3 dimensions.

Public names: :class:`Grid` — the box ``[lower, upper]`` cut into ``n`` equal cells per axis,
with its faces (``edges``), cell centres, widths ``h``, ``cell_volume``, ``points()`` and
``cell_averages(density)`` (the exact cell averages (1/|C|)∫_C p of a density, by
``box_probability``, with a Gauss–Legendre fallback); :meth:`Grid.for_density` sizes a box that
holds a density's mass to a tolerance.

Finite-volume solvers evolve cell averages, so errors are always measured against exact cell
averages, never against point values (which differ by O(h²)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, as_real, check_finite, check_probability
from pdecheck.densities import Density

__all__ = ["Grid"]

Array = NDArray[np.float64]

#: Gauss–Legendre nodes per axis for the quadrature fallback of ``cell_averages``
_QUADRATURE_NODES = 4


class Grid:
    """The box ``[lower, upper]`` (scalars in 1-D) with ``n`` equal cells per axis.

    Attributes: ``dim``, ``lower``, ``upper``, ``shape``, ``h`` (cell widths per axis),
    ``edges`` (face coordinates per axis, n_k + 1 each), ``centers`` (n_k each),
    ``cell_volume``.
    """

    def __init__(self, lower: ArrayLike, upper: ArrayLike, n: int | Sequence[int]) -> None:
        lo = np.atleast_1d(check_finite("lower", lower)).astype(float)
        hi = np.atleast_1d(check_finite("upper", upper)).astype(float)
        if lo.ndim != 1 or hi.ndim != 1 or lo.shape != hi.shape or not 1 <= lo.size <= 3:
            raise ValueError(
                f"lower={_short(lower)} and upper={_short(upper)} must be scalars or vectors "
                "of the "
                "same length 1, 2 or 3 (the dimension)"
            )
        if np.any(hi <= lo):
            raise ValueError(f"upper={_short(hi)} must exceed lower={_short(lo)} on every axis")
        dim = lo.size
        counts = np.atleast_1d(np.asarray(n))
        if (
            counts.ndim != 1
            or counts.size not in (1, dim)
            or not np.issubdtype(counts.dtype, np.integer)
        ):
            raise ValueError(f"n={n!r} must be an integer or {dim} integers (cells per axis)")
        counts = np.broadcast_to(counts, (dim,))
        if np.any(counts < 2):
            raise ValueError(f"n={n!r}: every axis needs at least 2 cells")
        _check_widths(lo, hi, counts)
        self.dim = dim
        self.lower = lo
        self.upper = hi
        self.shape: tuple[int, ...] = tuple(int(c) for c in counts)
        self.h: Array = (hi - lo) / counts
        self.edges: tuple[Array, ...] = tuple(
            np.linspace(lo[k], hi[k], self.shape[k] + 1) for k in range(dim)
        )
        self.centers: tuple[Array, ...] = tuple(0.5 * (e[1:] + e[:-1]) for e in self.edges)
        self.cell_volume = float(np.prod(self.h))

    def __repr__(self) -> str:
        return f"Grid(lower={_short(self.lower)}, upper={_short(self.upper)}, n={self.shape})"

    @property
    def size(self) -> int:
        """Number of cells."""
        return int(np.prod(self.shape))

    def points(self) -> Array:
        """Cell centres as an (N, d) array, in C order of ``shape``."""
        mesh = np.meshgrid(*self.centers, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1)

    def boxes(self) -> tuple[Array, Array]:
        """Lower and upper corners of every cell, (N, d) each, in C order of ``shape``."""
        lo = np.meshgrid(*(e[:-1] for e in self.edges), indexing="ij")
        hi = np.meshgrid(*(e[1:] for e in self.edges), indexing="ij")
        return np.stack([m.ravel() for m in lo], axis=1), np.stack([m.ravel() for m in hi], axis=1)

    def mass(self, p: ArrayLike) -> float:
        """∫p ≈ Σ p_i |C_i| for cell averages p of shape ``shape``."""
        return float(np.sum(p) * self.cell_volume)

    def cell_averages(self, density: Density) -> Array:
        """(1/|C|) ∫_C p for every cell C, array of shape ``shape``.

        Exact via ``density.box_probability``; when a density does not provide it, a tensor
        Gauss–Legendre rule with 4 nodes per axis on each cell (error O(h⁸ p⁽⁸⁾)).
        """
        self._check_dim(density, "density")
        lo, hi = self.boxes()
        try:
            mass = np.asarray(density.box_probability(lo, hi), dtype=float)
        except NotImplementedError:
            mass = self._quadrature(density, lo, hi)
        return np.clip(mass, 0.0, None).reshape(self.shape) / self.cell_volume

    def _quadrature(self, density: Density, lo: Array, hi: Array) -> Array:
        nodes, weights = np.polynomial.legendre.leggauss(_QUADRATURE_NODES)
        grids = np.meshgrid(*([np.arange(_QUADRATURE_NODES)] * self.dim), indexing="ij")
        total = np.zeros(lo.shape[0])
        for idx in zip(*(g.ravel() for g in grids), strict=True):
            x = lo + 0.5 * (hi - lo) * (1.0 + nodes[list(idx)])
            w = float(np.prod(weights[list(idx)])) / 2.0**self.dim
            total += w * density.pdf(x[:, 0] if self.dim == 1 else x)
        return total * self.cell_volume

    def _check_dim(self, density: Density, name: str) -> None:
        dim = getattr(density, "dim", None)
        if dim != self.dim:
            raise ValueError(
                f"{name}={density!r} has dim={dim!r}; the rule is the grid's dimension, "
                f"dim={self.dim}"
            )

    def outside_mass(self, density: Density) -> float:
        """Mass of ``density`` outside the box."""
        inside = float(density.box_probability(self.lower[None, :], self.upper[None, :])[0])
        return max(0.0, 1.0 - inside)

    def check_holds(self, density: Density, tol: float = 1e-10, name: str = "p0") -> None:
        """Raise ``ValueError`` when more than ``tol`` of the mass of ``density`` lies outside
        (or when it is a density of another dimension)."""
        self._check_dim(density, name)
        lost = self.outside_mass(density)
        if lost > tol + 4 * np.finfo(float).eps:  # 1 − P(inside) carries ~eps round-off
            raise ValueError(
                f"{name}={density!r} puts mass {lost:.3e} outside the grid box "
                f"[{_short(self.lower)}, {_short(self.upper)}]; the rule is at most tol={tol:g} "
                "(widen the box, e.g. Grid.for_density)"
            )

    @classmethod
    def for_density(
        cls,
        density: Density | Sequence[Density],
        n: int | Sequence[int],
        tol: float = 1e-10,
        *,
        pad: float = 0.0,
    ) -> Grid:
        """The smallest box from ``Density.bounds(tol)`` that holds every density given (for
        example p_t at the first and last time), widened by ``pad`` times its width."""
        items: list[Any] = list(density) if isinstance(density, (list, tuple)) else [density]
        if not items:
            raise ValueError("density=[] must name at least one density")
        if not all(isinstance(d, Density) for d in items):
            raise TypeError(f"density={density!r} must be a Density or a list of them")
        check_probability("tol", tol)
        pad = as_real("pad", pad)
        if not (np.isfinite(pad) and pad >= 0):
            raise ValueError(f"pad={pad!r} must be finite and >= 0 (a fraction of the box width)")
        lows, highs = zip(*(np.asarray(d.bounds(tol), dtype=float) for d in items), strict=True)
        lo, hi = np.min(lows, axis=0), np.max(highs, axis=0)
        width = hi - lo
        return cls(lo - pad * width, hi + pad * width, n)


#: the narrowest cell, relative to the box's largest coordinate: a cell then spans >= 4500
#: floating-point numbers, so its edges, centre and faces stay distinct and ordered
_MIN_RELATIVE_WIDTH = 1e-12


def _check_widths(lower: Array, upper: Array, counts: NDArray[np.int64]) -> None:
    """Refuse a box whose cells are not finite, resolvable numbers: a width that overflows
    (lower=-1e308, upper=1e308), cells narrower than 1e-12 of the largest coordinate (a box one
    ulp wide), or a cell volume that under- or overflows."""
    with np.errstate(over="ignore", under="ignore"):
        h = (upper - lower) / counts
        volume = np.prod(h)
    scale = np.maximum(np.abs(lower), np.abs(upper))
    box = f"lower={lower.tolist()}, upper={upper.tolist()}, n={counts.tolist()}"
    cells = f"cells of width {h.tolist()} (volume {volume:g})"
    if not np.all(np.isfinite(h)) or not np.isfinite(volume):
        raise ValueError(f"{box} give {cells}: the rule is a finite width and volume")
    if np.any(h < _MIN_RELATIVE_WIDTH * scale) or volume <= 0:
        raise ValueError(
            f"{box} give {cells}: the rule is a width of at least {_MIN_RELATIVE_WIDTH:g} of "
            "the largest |coordinate| and a volume above 0"
        )
