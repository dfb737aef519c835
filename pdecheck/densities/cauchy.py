"""The half-space Poisson kernel: the multivariate Cauchy prior of the Poisson-field flow."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from pdecheck._validate import (
    check_positive,
)
from pdecheck.densities.base import Array, Density, _vector

__all__ = ["PoissonKernel"]


class PoissonKernel(Density):
    """The half-space Poisson kernel P_z(x) = C_d z / (|x − c|² + z²)^{(d+1)/2} on R^d,
    C_d = Γ((d+1)/2)/π^{(d+1)/2} (CATALOGUE P1): a multivariate Cauchy of scale z, the prior
    of the Poisson-field flow for a point charge at c. Sampled as c + z·G/|N| (Student-t, ν=1),
    whose radius law is |x|²/z² ~ BetaPrime(d/2, ½) (CATALOGUE P3). It has no mean."""

    def __init__(self, z: float, dim: int = 1, centre: ArrayLike = 0.0) -> None:
        self.z = float(check_positive("z", z))
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
            raise ValueError(f"dim={dim!r} must be a positive integer")
        self.dim = int(dim)
        self.centre = _vector("centre", centre, self.dim)
        self.log_cd = float(
            special.gammaln((self.dim + 1) / 2) - (self.dim + 1) / 2 * math.log(math.pi)
        )

    def __repr__(self) -> str:
        return f"PoissonKernel(z={self.z:g}, dim={self.dim})"

    def logpdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        r2 = np.sum((pts - self.centre) ** 2, axis=1)
        return self.log_cd + math.log(self.z) - 0.5 * (self.dim + 1) * np.log(r2 + self.z**2)

    def score(self, x: ArrayLike) -> Array:
        pts, flat = self._points(x)
        dev = pts - self.centre
        out = -(self.dim + 1) * dev / (np.sum(dev**2, axis=1, keepdims=True) + self.z**2)
        return out[:, 0] if flat else out

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        if self.dim != 1:
            raise NotImplementedError("PoissonKernel.box_probability has a closed form in 1-D only")
        lo, hi = self._boxes(lower, upper)
        a = (lo[:, 0] - self.centre[0]) / self.z
        b = (hi[:, 0] - self.centre[0]) / self.z
        return (np.arctan(b) - np.arctan(a)) / math.pi

    def tail_probability(self, radius: ArrayLike) -> Array:
        """P(|X − c| > R) = 1 − I_{R²/(R²+z²)}(d/2, ½) (CATALOGUE P3)."""
        r = np.asarray(radius, dtype=float)
        return np.asarray(
            special.betaincc(self.dim / 2, 0.5, r**2 / (r**2 + self.z**2)), dtype=float
        )

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        g = rng.standard_normal((n, self.dim))
        chi = np.abs(rng.standard_normal((n, 1)))
        return self.centre + self.z * g / chi

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        # radius R with P(|X| > R) = tol, from the Beta radius law
        u = float(special.betainccinv(self.dim / 2, 0.5, tol))
        radius = self.z * math.sqrt(u / (1.0 - u)) if u < 1.0 else math.inf
        return self.centre - radius, self.centre + radius
