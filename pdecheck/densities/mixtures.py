"""Mixtures: weighted point masses (atomic data p_0) and Gaussian mixtures."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from pdecheck._validate import (
    _short,
    check_finite,
    check_positive,
)
from pdecheck.densities.base import Array, Density, _numeric
from pdecheck.densities.gaussian import Gaussian, _half_width

__all__ = ["GaussianMixture", "PointMixture"]

#: how far the weights of a mixture may sum from 1
WEIGHT_SUM_TOL = 1e-12


def check_weights(weights: ArrayLike, k: int, name: str = "weights") -> Array:
    """Mixture weights as a float array of shape (k,): real numbers (not strings or bools),
    finite, >= 0 and summing to 1 within ``WEIGHT_SUM_TOL``; anything else raises an error
    naming ``name``, its value and the rule. Shared by every mixture (``PointMixture``,
    ``GaussianMixture``, ``pdecheck.paths.Mixture``)."""
    _numeric(name, weights)
    w = np.atleast_1d(check_positive(name, weights, strict=False)).astype(float)
    if w.shape != (k,):
        raise ValueError(f"{name} has shape {w.shape}; it must be ({k},), one per component")
    total = float(w.sum())
    if not np.isclose(total, 1.0, rtol=0, atol=WEIGHT_SUM_TOL):
        raise ValueError(
            f"{name}={_short(w)} sum to {total!r}; the rule is that {name} sum to 1 "
            "(normalise them first)"
        )
    return w


def softmax_rows(log_weights: Array) -> Array:
    """Row-wise r_k = e^{l_k − max_j l_j} / Σ_j e^{l_j − max_j l_j}: the responsibilities from
    log-weights l (n, k). Shifting by the maximum is exact (the top term is e^0 = 1), whereas
    e^{l_k − logsumexp(l)} loses the log m of m tied components next to |l| ~ 1e16 (small σ_t,
    repeated points) and gave each of them r ≈ 1, a field twice too large. A row whose
    log-weights are all −∞ gives NaN."""
    with np.errstate(invalid="ignore"):
        shifted = np.exp(log_weights - np.max(log_weights, axis=1, keepdims=True))
        return shifted / np.sum(shifted, axis=1, keepdims=True)


class _Mixture(Density):
    """Shared piece of mixtures: points/means of shape (k, d) and normalised weights."""

    def _init_components(self, centres: ArrayLike, weights: ArrayLike | None, label: str) -> None:
        _numeric(label, centres)
        c = check_finite(label, centres)
        if c.ndim <= 1:
            c = c.reshape(-1, 1)
        if c.ndim != 2 or c.shape[0] == 0:
            raise ValueError(
                f"{label} has shape {np.shape(centres)}; it must be (k,) or (k, d) with k >= 1"
            )
        k = c.shape[0]
        w = np.full(k, 1.0 / k) if weights is None else check_weights(weights, k)
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
        raise TypeError(
            "PointMixture is atomic and has no pdf; use box_probability or cell averages"
        )

    def score(self, x: ArrayLike) -> Array:
        raise TypeError("PointMixture is atomic and has no score")

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        lo, hi = self._boxes(lower, upper)
        inside = np.all(
            (self.points[None, :, :] > lo[:, None, :])
            & (self.points[None, :, :] <= hi[:, None, :]),
            axis=2,
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
        """(lower, upper) with every point inside the half-open box (lower, upper]: upper is
        the largest coordinate, lower the float just below the smallest (``np.nextafter``),
        since a point on the lower face is outside (``box_probability``). It holds all the
        mass, whatever ``tol``."""
        return np.nextafter(self.points.min(axis=0), -np.inf), self.points.max(axis=0)


class GaussianMixture(_Mixture):
    """Σ_k w_k N(m_k, s_k² I): ``means`` (k,) or (k, d), ``stds`` scalar or (k,)."""

    def __init__(self, means: ArrayLike, stds: ArrayLike, weights: ArrayLike | None = None) -> None:
        self._init_components(means, weights, "means")
        _numeric("stds", stds)
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
        return softmax_rows(self._component_logpdf(pts))

    def logpdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        return np.asarray(special.logsumexp(self._component_logpdf(pts), axis=1), dtype=float)

    def score(self, x: ArrayLike) -> Array:
        pts, flat = self._points(x)
        lc = self._component_logpdf(pts)
        r = softmax_rows(lc)
        out = np.einsum("nk,nkd->nd", r / self.stds**2, self.means[None, :, :] - pts[:, None, :])
        return out[:, 0] if flat else out

    def laplacian_log(self, x: ArrayLike) -> Array:
        """Δ log p = Σ_k r_k (‖x − m_k‖²/v_k² − d/v_k) − ‖∇log p‖² with v_k = s_k² and r_k the
        responsibilities (Δp/p = Σ_k r_k Δp_k/p_k, and Δ log p = Δp/p − ‖∇log p‖²)."""
        pts, _ = self._points(x)
        lc = self._component_logpdf(pts)
        r = softmax_rows(lc)
        var = self.stds**2
        sq = np.sum((pts[:, None, :] - self.means[None, :, :]) ** 2, axis=2)
        score = np.einsum("nk,nkd->nd", r / var, self.means[None, :, :] - pts[:, None, :])
        return np.asarray(
            np.sum(r * (sq / var**2 - self.dim / var), axis=1) - np.sum(score**2, axis=1),
            dtype=float,
        )

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        """Σ_k w_k P_k(lower < X <= upper), corners checked by the density's ``_boxes``."""
        lo, hi = self._boxes(lower, upper)
        total = np.zeros(lo.shape[0])
        for m, s, w in zip(self.means, self.stds, self.weights, strict=True):
            total += w * Gaussian(m, s).box_probability(lo, hi)
        return total

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        idx = rng.choice(self.means.shape[0], size=n, p=self.weights)
        return self.means[idx] + self.stds[idx, None] * rng.standard_normal((n, self.dim))

    def mean(self) -> Array:
        return np.asarray(self.weights @ self.means, dtype=float)

    def cov(self) -> Array:
        dev = self.means - self.mean()
        between = (dev * self.weights[:, None]).T @ dev
        return np.asarray(
            between + np.eye(self.dim) * float(self.weights @ self.stds**2), dtype=float
        )

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        """The smallest box holding every component's :meth:`Gaussian.bounds` box: each
        component leaves at most tol outside it, so the mixture leaves at most Σ w_k tol = tol."""
        half = _half_width(tol, self.dim)
        lo = np.min(self.means - half * self.stds[:, None], axis=0)
        hi = np.max(self.means + half * self.stds[:, None], axis=0)
        return lo, hi
