"""The Gaussian N(mean, diag(std²)), isotropic or diagonal."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from pdecheck._validate import (
    _short,
    check_positive,
)
from pdecheck.densities.base import Array, Density, _numeric, _vector

__all__ = ["Gaussian"]


class Gaussian(Density):
    """N(mean, diag(std²)): isotropic when ``std`` is a scalar, diagonal when a vector.

    ``Gaussian(0.0, 1.0)`` is the standard normal in 1-D; ``Gaussian(np.zeros(2), 1.0)`` in 2-D.
    The second argument is a standard deviation (scipy's ``scale``), not a variance.
    """

    def __init__(self, mean: ArrayLike = 0.0, std: ArrayLike = 1.0) -> None:
        m = _vector("mean", mean)
        _numeric("std", std)
        s = np.atleast_1d(check_positive("std", std))
        if s.ndim != 1:
            raise ValueError(
                f"std={_short(std)} has shape {np.shape(std)}; it must be a scalar or a vector "
                "(one standard deviation per coordinate)"
            )
        self.dim = max(m.shape[0], s.shape[0]) if s.ndim == 1 else m.shape[0]
        if s.shape[0] not in (1, self.dim) or m.shape[0] not in (1, self.dim):
            raise ValueError(
                f"mean has length {m.shape[0]} and std length {s.shape[0]}; "
                "they must agree or be scalar"
            )
        self.loc = np.broadcast_to(m, (self.dim,)).copy()
        self.std = np.broadcast_to(s, (self.dim,)).copy()

    def __repr__(self) -> str:
        return f"Gaussian(mean={_short(self.loc)}, std={_short(self.std)})"

    def logpdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        z = (pts - self.loc) / self.std
        val = (
            -0.5 * np.sum(z**2, axis=1)
            - np.sum(np.log(self.std))
            - 0.5 * self.dim * math.log(2 * math.pi)
        )
        return val

    def score(self, x: ArrayLike) -> Array:
        pts, flat = self._points(x)
        out = -(pts - self.loc) / self.std**2
        return out[:, 0] if flat else out

    def laplacian_log(self, x: ArrayLike) -> Array:
        """Δ log p = −Σ_j 1/s_j², the same at every x."""
        pts, _ = self._points(x)
        return np.full(pts.shape[0], -float(np.sum(1.0 / self.std**2)))

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        lo, hi = self._boxes(lower, upper)
        zl, zh = (lo - self.loc) / self.std, (hi - self.loc) / self.std
        # difference of normal CDFs on the side where it does not cancel
        upper_side = zl > 0
        diff = np.where(
            upper_side,
            special.ndtr(-zl) - special.ndtr(-zh),
            special.ndtr(zh) - special.ndtr(zl),
        )
        return np.prod(np.clip(diff, 0.0, 1.0), axis=1)

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        return self.loc + self.std * rng.standard_normal((n, self.dim))

    def mean(self) -> Array:
        return self.loc.copy()

    def cov(self) -> Array:
        return np.diag(self.std**2)

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        """mean ± h·std with Φ(−h) = tol/(2d): each coordinate leaves tol/d outside, so the
        box leaves at most tol (union bound). h = −Φ⁻¹(exp(log tol − log 2d)) by
        ``scipy.special.ndtri_exp``, which keeps its relative accuracy for tol down to the
        smallest float (1 − tol/2d would round to 1 below 1e-16)."""
        half = _half_width(tol, self.dim)
        return self.loc - half * self.std, self.loc + half * self.std


def _half_width(tol: float, dim: int) -> float:
    """h > 0 with Φ(−h) = tol/(2·dim), Φ the standard normal CDF."""
    return -float(special.ndtri_exp(math.log(tol) - math.log(2 * dim)))
