"""Probability densities used as data p_0 and priors p_T.

Public names: :class:`Density` (the interface), :class:`Gaussian` (isotropic or diagonal),
:class:`Uniform` (a box), :class:`PointMixture` (weighted point masses — atomic: it has no pdf),
:class:`GaussianMixture` and :class:`PoissonKernel` (the multivariate Cauchy prior of the
Poisson-field flow, CATALOGUE P1).

The verbs follow scipy.stats: ``pdf``, ``logpdf``, ``score`` (∇ log p), ``cdf`` (1-D only),
``sample(n, rng)`` with ``rng`` a ``numpy.random.Generator`` or an integer seed, plus
``box_probability(lower, upper)`` — the exact mass of axis-aligned boxes, which is what grid
cell averages and binned statistical tests compare against — and ``bounds(tol)``, a box that
holds all but ``tol`` of the mass.

Points are ``(n, d)`` arrays; in 1-D a flat ``(n,)`` array is accepted and answers are flat.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from pdecheck._validate import (
    _short,
    as_generator,
    as_points,
    check_finite,
    check_positive,
)

__all__ = ["Density", "Gaussian", "GaussianMixture", "PointMixture", "PoissonKernel", "Uniform"]

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

    def cdf(self, x: ArrayLike) -> Array:
        """Cumulative distribution function (1-D densities only)."""
        self._require_1d("cdf")
        lo = np.full(np.shape(np.atleast_1d(x)), -np.inf)
        return self.box_probability(lo, np.atleast_1d(np.asarray(x, dtype=float)))

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        """P(lower < X <= upper) for boxes given by corner arrays of shape (m, d) (or (m,) in 1-D)."""
        raise NotImplementedError

    def sample(self, n: int, rng: Any) -> Array:
        """n independent samples, shape (n, d) (or (n,) in 1-D)."""
        gen = as_generator(rng)
        n = _check_n(n)
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
            raise ValueError(f"{what} is defined for 1-D densities only; this one has dim={self.dim}")

    def _boxes(self, lower: ArrayLike, upper: ArrayLike) -> tuple[Array, Array]:
        lo, _ = as_points("lower", lower, self.dim)
        hi, _ = as_points("upper", upper, self.dim)
        if lo.shape != hi.shape:
            raise ValueError(f"lower has shape {lo.shape} but upper has {hi.shape}; they must agree")
        return lo, hi


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"n={n!r} must be a positive integer number of samples")
    return int(n)


def _vector(name: str, value: ArrayLike, dim: int | None = None) -> Array:
    arr = np.atleast_1d(check_finite(name, value)).astype(float)
    if arr.ndim != 1 or (dim is not None and arr.shape[0] not in (1, dim)):
        raise ValueError(f"{name}={_short(value)} must be a scalar or a vector of length {dim}")
    return arr if dim is None else np.broadcast_to(arr, (dim,)).copy()


class Gaussian(Density):
    """N(mean, diag(std²)): isotropic when ``std`` is a scalar, diagonal when a vector.

    ``Gaussian(0.0, 1.0)`` is the standard normal in 1-D; ``Gaussian(np.zeros(2), 1.0)`` in 2-D.
    The second argument is a standard deviation (scipy's ``scale``), not a variance.
    """

    def __init__(self, mean: ArrayLike = 0.0, std: ArrayLike = 1.0) -> None:
        m = _vector("mean", mean)
        s = np.atleast_1d(check_positive("std", std))
        self.dim = max(m.shape[0], s.shape[0]) if s.ndim == 1 else m.shape[0]
        if s.shape[0] not in (1, self.dim) or m.shape[0] not in (1, self.dim):
            raise ValueError(
                f"mean has length {m.shape[0]} and std length {s.shape[0]}; they must agree or be scalar"
            )
        self.loc = np.broadcast_to(m, (self.dim,)).copy()
        self.std = np.broadcast_to(s, (self.dim,)).copy()

    def __repr__(self) -> str:
        return f"Gaussian(mean={_short(self.loc)}, std={_short(self.std)})"

    def logpdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        z = (pts - self.loc) / self.std
        val = -0.5 * np.sum(z**2, axis=1) - np.sum(np.log(self.std)) - 0.5 * self.dim * math.log(2 * math.pi)
        return val

    def score(self, x: ArrayLike) -> Array:
        pts, flat = self._points(x)
        out = -(pts - self.loc) / self.std**2
        return out[:, 0] if flat else out

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
        half = float(special.ndtri(1.0 - tol / (2 * self.dim)))
        return self.loc - half * self.std, self.loc + half * self.std


class Uniform(Density):
    """The uniform density on the box [low, high] (scalars give a 1-D interval)."""

    def __init__(self, low: ArrayLike = 0.0, high: ArrayLike = 1.0) -> None:
        lo = _vector("low", low)
        hi = _vector("high", high)
        self.dim = max(lo.shape[0], hi.shape[0])
        if lo.shape[0] not in (1, self.dim) or hi.shape[0] not in (1, self.dim):
            raise ValueError(f"low has length {lo.shape[0]} and high {hi.shape[0]}; they must agree")
        self.low = np.broadcast_to(lo, (self.dim,)).copy()
        self.high = np.broadcast_to(hi, (self.dim,)).copy()
        if np.any(self.high <= self.low):
            raise ValueError(f"Uniform box low={_short(self.low)}, high={_short(self.high)}: need high > low")
        self.volume = float(np.prod(self.high - self.low))

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


class _Mixture(Density):
    """Shared piece of mixtures: points/means of shape (k, d) and normalised weights."""

    def _init_components(self, centres: ArrayLike, weights: ArrayLike | None, label: str) -> None:
        c = check_finite(label, centres)
        if c.ndim <= 1:
            c = c.reshape(-1, 1)
        if c.ndim != 2 or c.shape[0] == 0:
            raise ValueError(f"{label} has shape {np.shape(centres)}; it must be (k,) or (k, d) with k >= 1")
        k = c.shape[0]
        if weights is None:
            w = np.full(k, 1.0 / k)
        else:
            w = np.atleast_1d(check_positive("weights", weights, strict=False)).astype(float)
            if w.shape != (k,):
                raise ValueError(f"weights has shape {w.shape}; it must be ({k},), one per component")
            total = float(w.sum())
            if not np.isclose(total, 1.0, rtol=0, atol=1e-12):
                raise ValueError(
                    f"weights={_short(w)} sum to {total!r}; the rule is that weights sum to 1 "
                    "(normalise them first)"
                )
        self.centres = c
        self.weights = w
        self.dim = c.shape[1]


class PointMixture(_Mixture):
    """p_0 = Σ_i w_i δ(x − x_i). Repeated points add their weights (the seed's example
    ``PointMixture([0.5, 0.5, 1.2, 1.7])`` puts ½ on 0.5). Weights default to equal."""

    has_pdf = False

    def __init__(self, points: ArrayLike, weights: ArrayLike | None = None) -> None:
        self._init_components(points, weights, "points")
        self.points = self.centres

    def __repr__(self) -> str:
        return f"PointMixture(points={_short(self.points[:, 0] if self.dim == 1 else self.points)})"

    def unique(self) -> tuple[Array, Array]:
        """Distinct points and their summed weights."""
        pts, inverse = np.unique(self.points, axis=0, return_inverse=True)
        w = np.zeros(pts.shape[0])
        np.add.at(w, inverse.ravel(), self.weights)
        return pts, w

    def logpdf(self, x: ArrayLike) -> Array:
        raise TypeError("PointMixture is atomic and has no pdf; use box_probability or cell averages")

    def score(self, x: ArrayLike) -> Array:
        raise TypeError("PointMixture is atomic and has no score")

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        lo, hi = self._boxes(lower, upper)
        inside = np.all(
            (self.points[None, :, :] > lo[:, None, :]) & (self.points[None, :, :] <= hi[:, None, :]), axis=2
        )
        return np.asarray(inside @ self.weights, dtype=float)

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        idx = rng.choice(self.points.shape[0], size=n, p=self.weights)
        return self.points[idx].copy()

    def mean(self) -> Array:
        return np.asarray(self.weights @ self.points, dtype=float)

    def cov(self) -> Array:
        dev = self.points - self.mean()
        return np.asarray((dev * self.weights[:, None]).T @ dev, dtype=float)

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        return self.points.min(axis=0), self.points.max(axis=0)


class GaussianMixture(_Mixture):
    """Σ_k w_k N(m_k, s_k² I): ``means`` (k,) or (k, d), ``stds`` scalar or (k,)."""

    def __init__(self, means: ArrayLike, stds: ArrayLike, weights: ArrayLike | None = None) -> None:
        self._init_components(means, weights, "means")
        s = np.atleast_1d(check_positive("stds", stds)).astype(float)
        k = self.centres.shape[0]
        if s.shape[0] not in (1, k) or s.ndim != 1:
            raise ValueError(f"stds has shape {np.shape(stds)}; it must be a scalar or ({k},)")
        self.means = self.centres
        self.stds = np.broadcast_to(s, (k,)).copy()

    def __repr__(self) -> str:
        return f"GaussianMixture(k={self.means.shape[0]}, dim={self.dim})"

    def _component_logpdf(self, pts: Array) -> Array:
        """log w_k N(x; m_k, s_k² I), shape (n, k)."""
        sq = np.sum((pts[:, None, :] - self.means[None, :, :]) ** 2, axis=2)
        var = self.stds**2
        with np.errstate(divide="ignore"):
            logw = np.log(self.weights)
        return logw - 0.5 * sq / var - 0.5 * self.dim * np.log(2 * np.pi * var)

    def responsibilities(self, x: ArrayLike) -> Array:
        """r_k(x) = w_k N_k(x) / Σ_j w_j N_j(x), shape (n, k)."""
        pts, _ = self._points(x)
        lc = self._component_logpdf(pts)
        return np.exp(lc - special.logsumexp(lc, axis=1, keepdims=True))

    def logpdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        return np.asarray(special.logsumexp(self._component_logpdf(pts), axis=1), dtype=float)

    def score(self, x: ArrayLike) -> Array:
        pts, flat = self._points(x)
        lc = self._component_logpdf(pts)
        r = np.exp(lc - special.logsumexp(lc, axis=1, keepdims=True))
        out = np.einsum("nk,nkd->nd", r / self.stds**2, self.means[None, :, :] - pts[:, None, :])
        return out[:, 0] if flat else out

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        total = np.zeros(np.asarray(lower, dtype=float).reshape(-1, self.dim).shape[0])
        for m, s, w in zip(self.means, self.stds, self.weights, strict=True):
            total += w * Gaussian(m, s).box_probability(lower, upper)
        return total

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        idx = rng.choice(self.means.shape[0], size=n, p=self.weights)
        return self.means[idx] + self.stds[idx, None] * rng.standard_normal((n, self.dim))

    def mean(self) -> Array:
        return np.asarray(self.weights @ self.means, dtype=float)

    def cov(self) -> Array:
        dev = self.means - self.mean()
        between = (dev * self.weights[:, None]).T @ dev
        return np.asarray(between + np.eye(self.dim) * float(self.weights @ self.stds**2), dtype=float)

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        half = float(special.ndtri(1.0 - tol / (2 * self.dim)))
        lo = np.min(self.means - half * self.stds[:, None], axis=0)
        hi = np.max(self.means + half * self.stds[:, None], axis=0)
        return lo, hi


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
        self.log_cd = float(special.gammaln((self.dim + 1) / 2) - (self.dim + 1) / 2 * math.log(math.pi))

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
        return np.asarray(special.betaincc(self.dim / 2, 0.5, r**2 / (r**2 + self.z**2)), dtype=float)

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        g = rng.standard_normal((n, self.dim))
        chi = np.abs(rng.standard_normal((n, 1)))
        return self.centre + self.z * g / chi

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        # radius R with P(|X| > R) = tol, from the Beta radius law
        u = float(special.betainccinv(self.dim / 2, 0.5, tol))
        radius = self.z * math.sqrt(u / (1.0 - u)) if u < 1.0 else math.inf
        return self.centre - radius, self.centre + radius

