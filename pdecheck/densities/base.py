"""The :class:`Density` interface (scipy.stats verbs plus ``box_probability`` and ``bounds``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import (
    _short,
    as_generator,
    as_points,
    check_count,
    check_finite,
)

__all__ = ["Array", "Density"]

Array = NDArray[np.float64]


class Density:
    """Interface of every density: dimension ``dim`` and the scipy-like verbs."""

    dim: int
    #: False for atomic measures (point masses), which have no pdf or score
    has_pdf: bool = True

    def pdf(self, x: ArrayLike) -> Array:
        return np.exp(self.logpdf(x))

    def logpdf(self, x: ArrayLike) -> Array:
        raise NotImplementedError

    def score(self, x: ArrayLike) -> Array:
        """∇_x log p(x), shape like x."""
        raise NotImplementedError

    def laplacian_log(self, x: ArrayLike) -> Array:
        """Δ log p(x) = ∇·∇log p(x), shape (n,): the divergence of the score (what the
        log-density of a probability-flow ODE integrates, seed eq. 12)."""
        raise NotImplementedError(f"{type(self).__name__} has no closed-form Δ log p")

    def cdf(self, x: ArrayLike) -> Array:
        """Cumulative distribution function (1-D densities only)."""
        self._require_1d("cdf")
        lo = np.full(np.shape(np.atleast_1d(x)), -np.inf)
        return self.box_probability(lo, np.atleast_1d(np.asarray(x, dtype=float)))

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        """P(lower < X <= upper) for boxes with corner arrays of shape (m, d) ((m,) in 1-D)."""
        raise NotImplementedError

    def sample(self, n: int, rng: Any) -> Array:
        """n independent samples, shape (n, d) (or (n,) in 1-D)."""
        gen = as_generator(rng)
        n = check_count("n", n)
        out = self._sample(n, gen)
        return out[:, 0] if self.dim == 1 else out

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        raise NotImplementedError

    def mean(self) -> Array:
        raise NotImplementedError

    def cov(self) -> Array:
        """Covariance matrix (d, d)."""
        raise NotImplementedError

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        """A box (lower, upper) outside which at most ``tol`` of the mass lies."""
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------
    def _points(self, x: ArrayLike, name: str = "x") -> tuple[Array, bool]:
        return as_points(name, x, self.dim)

    def _require_1d(self, what: str) -> None:
        if self.dim != 1:
            raise ValueError(
                f"{what} is defined for 1-D densities only; this one has dim={self.dim}"
            )

    def _boxes(self, lower: ArrayLike, upper: ArrayLike) -> tuple[Array, Array]:
        lo, _ = as_points("lower", lower, self.dim)
        hi, _ = as_points("upper", upper, self.dim)
        if lo.shape != hi.shape:
            raise ValueError(
                f"lower has shape {lo.shape} but upper has {hi.shape}; they must agree"
            )
        return lo, hi


def _vector(name: str, value: ArrayLike, dim: int | None = None) -> Array:
    arr = np.atleast_1d(check_finite(name, value)).astype(float)
    if arr.ndim != 1 or (dim is not None and arr.shape[0] not in (1, dim)):
        raise ValueError(f"{name}={_short(value)} must be a scalar or a vector of length {dim}")
    return arr if dim is None else np.broadcast_to(arr, (dim,)).copy()
