"""The uniform density on a box [low, high]."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pdecheck._validate import (
    _short,
)
from pdecheck.densities.base import Array, Density, _vector

__all__ = ["Uniform"]


class Uniform(Density):
    """The uniform density on the box [low, high] (scalars give a 1-D interval)."""

    def __init__(self, low: ArrayLike = 0.0, high: ArrayLike = 1.0) -> None:
        lo = _vector("low", low)
        hi = _vector("high", high)
        self.dim = max(lo.shape[0], hi.shape[0])
        if lo.shape[0] not in (1, self.dim) or hi.shape[0] not in (1, self.dim):
            raise ValueError(
                f"low has length {lo.shape[0]} and high {hi.shape[0]}; they must agree"
            )
        self.low = np.broadcast_to(lo, (self.dim,)).copy()
        self.high = np.broadcast_to(hi, (self.dim,)).copy()
        if np.any(self.high <= self.low):
            raise ValueError(
                f"Uniform box low={_short(self.low)}, high={_short(self.high)}: need high > low"
            )
        with np.errstate(over="ignore", under="ignore"):
            widths = self.high - self.low
            volume = float(np.prod(widths))
        if not (np.all(np.isfinite(widths)) and np.isfinite(volume) and volume > 0):
            raise ValueError(
                f"Uniform box low={_short(self.low)}, high={_short(self.high)} has widths "
                f"{_short(widths)} and volume {volume!r}; the rule is a finite volume "
                "prod(high - low) > 0 (the density is 1/volume)"
            )
        self.volume = volume

    def __repr__(self) -> str:
        return f"Uniform(low={_short(self.low)}, high={_short(self.high)})"

    def pdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        inside = np.all((pts >= self.low) & (pts <= self.high), axis=1)
        return inside / self.volume

    def logpdf(self, x: ArrayLike) -> Array:
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def score(self, x: ArrayLike) -> Array:
        """0 inside the box, NaN outside (where log p = −∞ has no gradient)."""
        pts, flat = self._points(x)
        inside = np.all((pts >= self.low) & (pts <= self.high), axis=1)
        out = np.where(inside[:, None], 0.0, np.nan) * np.ones_like(pts)
        return out[:, 0] if flat else out

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        lo, hi = self._boxes(lower, upper)
        overlap = np.clip(np.minimum(hi, self.high) - np.maximum(lo, self.low), 0.0, None)
        return np.prod(overlap / (self.high - self.low), axis=1)

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        return self.low + (self.high - self.low) * rng.random((n, self.dim))

    def mean(self) -> Array:
        return 0.5 * (self.low + self.high)

    def cov(self) -> Array:
        return np.diag((self.high - self.low) ** 2 / 12.0)

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        return self.low.copy(), self.high.copy()
