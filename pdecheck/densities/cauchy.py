"""The half-space Poisson kernel: the multivariate Cauchy prior of the Poisson-field flow."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from pdecheck._validate import (
    _short,
    as_floats,
    check_positive,
)
from pdecheck.densities.base import Array, Density, _numeric, _vector

__all__ = ["PoissonKernel"]


class PoissonKernel(Density):
    """The half-space Poisson kernel P_z(x) = C_d z / (|x − c|² + z²)^{(d+1)/2} on R^d,
    C_d = Γ((d+1)/2)/π^{(d+1)/2} (CATALOGUE P1): a multivariate Cauchy of scale z, the prior
    of the Poisson-field flow for a point charge at c. Sampled as c + z·G/|N| (Student-t, ν=1),
    whose radius law is |x|²/z² ~ BetaPrime(d/2, ½) (CATALOGUE P3). It has no mean."""

    def __init__(self, z: float, dim: int = 1, centre: ArrayLike = 0.0) -> None:
        _numeric("z", z)
        if np.ndim(z) != 0:
            raise ValueError(f"z={_short(z)} must be a scalar (the height of the kernel), > 0")
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
        """Exact mass of boxes with at most two bounded coordinates (any box for d <= 2).

        A coordinate with bounds (−∞, ∞) integrates out: the marginal of P_z on k coordinates
        is the k-dimensional P_z (the Student-t law with ν = 1 is closed under
        marginalisation). In one coordinate the law is Cauchy, P = (arctan b − arctan a)/π;
        in two, the corner mass is the solid angle of the quadrant seen from height z,
        F(x, y) = ¼ + (arctan x + arctan y + arctan(xy/√(1 + x² + y²)))/(2π) (x, y in units
        of z), and a box is F(b₁, b₂) − F(a₁, b₂) − F(b₁, a₂) + F(a₁, a₂).

        A box with upper <= lower in some coordinate is empty and has probability 0 (as for
        the other densities), and rounding is kept inside [0, 1].
        """
        lo, hi = self._boxes(lower, upper)
        full = ~np.any(hi <= lo, axis=1)
        out = np.zeros(lo.shape[0])
        if np.any(full):
            out[full] = np.clip(self._box_mass(lo[full], hi[full]), 0.0, 1.0)
        return out

    def _box_mass(self, lo: Array, hi: Array) -> Array:
        """The signed closed form of :meth:`box_probability` (boxes not checked for order)."""
        a = (lo - self.centre) / self.z
        b = (hi - self.centre) / self.z
        if self.dim == 1:
            return np.asarray((np.arctan(b[:, 0]) - np.arctan(a[:, 0])) / math.pi)
        bounded = np.isfinite(a) | np.isfinite(b)
        count = bounded.sum(axis=1)
        if np.any(count > 2):
            box = int(np.argmax(count > 2))
            raise NotImplementedError(
                f"box {box} (lower={lo[box].tolist()}, upper={hi[box].tolist()}) is bounded "
                f"in {int(count[box])} coordinates; PoissonKernel.box_probability has a closed "
                "form for boxes bounded in at most two (the others from -inf to inf)"
            )
        # the (at most) two bounded coordinates of each box first; a free one adds nothing
        order = np.argsort(~bounded, axis=1, kind="stable")[:, :2]
        a2, b2 = np.take_along_axis(a, order, axis=1), np.take_along_axis(b, order, axis=1)
        return np.asarray(
            _quadrant(b2[:, 0], b2[:, 1])
            - _quadrant(a2[:, 0], b2[:, 1])
            - _quadrant(b2[:, 0], a2[:, 1])
            + _quadrant(a2[:, 0], a2[:, 1])
        )

    def tail_probability(self, radius: ArrayLike) -> Array:
        """P(|X − c| > R) for radii R >= 0 (inf allowed), with relative accuracy far in the tail.

        The radius law (CATALOGUE P3) is u = |X − c|²/(|X − c|² + z²) ~ Beta(d/2, ½), so
        P(|X − c| > R) = 1 − I_x(d/2, ½) with x = R²/(R² + z²). By the reflection
        I_x(a, b) = 1 − I_{1−x}(b, a) (DLMF 8.17.4) this is I_y(½, d/2) with
        y = 1 − x = z²/(R² + z²), evaluated as ``betainc(½, d/2, y)``: for R ≫ z, x rounds to
        1 and the first form to 0, while y stays exact. Where q = √y < 1e-10 (y itself would
        underflow for R > 1e154 z) the leading term of I_y(a, b) = y^a (1 − y)^b
        ₂F₁(a + b, 1; a + 1; y)/(a B(a, b)) (DLMF 8.17.8) is used, 2q/B(½, d/2), whose relative
        error is O(d q²). In 1-D the tail is (2/π) arctan(z/R); in 2-D z/√(R² + z²).
        """
        r = as_floats("radius", radius)
        if np.any(np.isnan(r)) or np.any(r < 0):
            raise ValueError(f"radius={_short(radius)} must be >= 0 (a distance from the centre)")
        a, b = 0.5, self.dim / 2
        with np.errstate(over="ignore", under="ignore"):
            q = self.z / np.hypot(r, self.z)  # √y = z/√(R² + z²), no overflow of R²
            far = 2.0 * q * math.exp(-float(special.betaln(a, b)))
            return np.asarray(np.where(q < 1e-10, far, special.betainc(a, b, q * q)), dtype=float)

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        g = rng.standard_normal((n, self.dim))
        chi = np.abs(rng.standard_normal((n, 1)))
        return self.centre + self.z * g / chi

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        """The cube c ± R around the ball |x − c| <= R that holds 1 − tol, R solving
        :meth:`tail_probability` (R) = tol: I_y(½, d/2) = tol with y = z²/(R² + z²), so
        y = ``betaincinv(½, d/2, tol)`` and R = z √((1 − y)/y) (CATALOGUE P3). In 1-D
        R = z/tan(π tol/2) ≈ 2z/(π tol): 6.4e11 z for tol = 1e-12. Far out (√y < 1e-10, where
        y may underflow) the leading term of the tail, 2√y/B(½, d/2) = tol, gives
        R = z √(1 − y)/√y with relative error O(d y)."""
        a, b = 0.5, self.dim / 2
        q = 0.5 * tol * math.exp(float(special.betaln(a, b)))
        if q < 1e-10:
            radius = self.z * math.sqrt(1.0 - q * q) / q
        else:
            y = float(special.betaincinv(a, b, tol))
            radius = self.z * math.sqrt((1.0 - y) / y)
        return self.centre - radius, self.centre + radius


#: stands for ±∞ in :func:`_quadrant`: 1/_BIG is far below float64 resolution of the result,
#: and _BIG² stays finite
_BIG = 1e150


def _quadrant(x: Array, y: Array) -> Array:
    """Mass of (−∞, x] × (−∞, y] under the standard bivariate Poisson kernel (z = 1)."""
    x, y = np.clip(x, -_BIG, _BIG), np.clip(y, -_BIG, _BIG)
    corner = np.arctan(x * y / np.sqrt(1.0 + x * x + y * y))
    return np.asarray(0.25 + (np.arctan(x) + np.arctan(y) + corner) / (2 * math.pi))
