"""Densities built from other densities: the shapes that marginals of affine paths take.

- :class:`ScaledShifted` — the law of ``shift + scale · X`` with X ~ ``base``:
  ``p(x) = base((x − shift)/scale) / scale^d``, the conditional density of CATALOGUE A1/A2
  (seed eq. 12 with φ = (x − μ_t)/σ_t).
- :class:`Mixture` — ``Σ_k w_k p_k``: the marginal of point-mass data, CATALOGUE A3 (seed
  eq. 14's denominator), with exact pdf, cdf (1-D), box_probability and sampling whenever the
  components have them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from pdecheck._validate import _short, as_floats, check_positive
from pdecheck.densities import Density
from pdecheck.densities.base import _numeric, _vector
from pdecheck.densities.mixtures import check_weights, softmax_rows

__all__ = ["Mixture", "ScaledShifted"]

Array = NDArray[np.float64]


class ScaledShifted(Density):
    """The law of ``shift + scale · X``, X ~ ``base`` (scale > 0 a scalar, shift a d-vector)."""

    def __init__(self, base: Density, shift: ArrayLike, scale: float) -> None:
        if not isinstance(base, Density):
            raise TypeError(f"base={base!r} must be a pdecheck Density")
        _numeric("scale", scale)
        if np.ndim(scale) != 0:
            raise ValueError(f"scale={_short(scale)} must be a scalar > 0")
        self.scale = float(check_positive("scale", scale))
        self.base = base
        self.dim = base.dim
        self.shift = _vector("shift", shift, self.dim)

    def __repr__(self) -> str:
        return f"ScaledShifted({self.base!r}, shift={self.shift}, scale={self.scale:.6g})"

    def _z(self, x: ArrayLike) -> tuple[Array, bool]:
        pts, flat = self._points(x)
        return (pts - self.shift) / self.scale, flat

    def logpdf(self, x: ArrayLike) -> Array:
        z, _ = self._z(x)
        return np.asarray(self.base.logpdf(z), dtype=float) - self.dim * np.log(self.scale)

    def pdf(self, x: ArrayLike) -> Array:
        z, _ = self._z(x)
        return np.asarray(self.base.pdf(z), dtype=float) / self.scale**self.dim

    def score(self, x: ArrayLike) -> Array:
        z, flat = self._z(x)
        out = np.asarray(self.base.score(z), dtype=float).reshape(z.shape) / self.scale
        return out[:, 0] if flat else out

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        lo, hi = self._boxes(lower, upper)
        return self.base.box_probability(
            (lo - self.shift) / self.scale, (hi - self.shift) / self.scale
        )

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        z = np.asarray(self.base.sample(n, rng), dtype=float).reshape(n, self.dim)
        return self.shift + self.scale * z

    def mean(self) -> Array:
        return self.shift + self.scale * self.base.mean()

    def cov(self) -> Array:
        return self.scale**2 * self.base.cov()

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        lo, hi = self.base.bounds(tol)
        return self.shift + self.scale * lo, self.shift + self.scale * hi


class Mixture(Density):
    """Σ_k w_k p_k for component densities of one dimension and weights summing to 1.

    The weights are checked as those of :class:`~pdecheck.densities.GaussianMixture` and
    :class:`~pdecheck.densities.PointMixture` are: finite, >= 0 and summing to 1 within 1e-12
    (otherwise box_probability(-inf, inf) would not be 1)."""

    def __init__(self, components: Sequence[Density], weights: ArrayLike) -> None:
        self.components = list(components)
        _numeric("weights", weights)
        w = as_floats("weights", weights).reshape(-1)
        if not self.components or len(self.components) != w.size:
            raise ValueError(
                f"{len(self.components)} components and {w.size} weights; "
                "the rule is one weight per component, at least one component"
            )
        self.weights = check_weights(w, len(self.components))
        dims = {c.dim for c in self.components}
        if len(dims) != 1:
            raise ValueError(f"components have dimensions {sorted(dims)}; they must share one")
        self.dim = dims.pop()
        self.has_pdf = all(c.has_pdf for c in self.components)

    def __repr__(self) -> str:
        return f"Mixture(k={len(self.components)}, dim={self.dim})"

    def _component_logpdf(self, x: ArrayLike) -> Array:
        """log w_k p_k(x), shape (n, k)."""
        with np.errstate(divide="ignore"):
            logw = np.log(self.weights)
            cols = [np.asarray(c.logpdf(x), dtype=float).reshape(-1) for c in self.components]
        return np.stack(cols, axis=1) + logw

    def logpdf(self, x: ArrayLike) -> Array:
        lc = self._component_logpdf(x)
        top = np.max(lc, axis=1)
        out = np.full(lc.shape[0], -np.inf)
        ok = np.isfinite(top)
        out[ok] = special.logsumexp(lc[ok], axis=1)
        return out

    def pdf(self, x: ArrayLike) -> Array:
        cols = [np.asarray(c.pdf(x), dtype=float).reshape(-1) for c in self.components]
        return np.asarray(np.stack(cols, axis=1) @ self.weights, dtype=float)

    def score(self, x: ArrayLike) -> Array:
        """Σ_k r_k ∇log p_k with r_k = w_k p_k / p (components with r_k = 0 do not count)."""
        pts, flat = self._points(x)
        lc = self._component_logpdf(pts)
        top = np.max(lc, axis=1, keepdims=True)
        out = np.full(pts.shape, np.nan)
        ok = np.isfinite(top[:, 0])
        r = np.zeros_like(lc)
        r[ok] = softmax_rows(lc[ok])
        acc = np.zeros(pts.shape)
        for k, c in enumerate(self.components):
            active = r[:, k] > 0
            if np.any(active):
                acc[active] += r[active, k, None] * np.asarray(c.score(pts[active])).reshape(
                    -1, self.dim
                )
        out[ok] = acc[ok]
        return out[:, 0] if flat else out

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        cols = [np.asarray(c.box_probability(lower, upper), dtype=float) for c in self.components]
        return np.asarray(np.stack(cols, axis=1) @ self.weights, dtype=float)

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        idx = rng.choice(len(self.components), size=n, p=self.weights)
        out = np.empty((n, self.dim))
        for k, c in enumerate(self.components):
            sel = idx == k
            if np.any(sel):
                out[sel] = np.asarray(c.sample(int(sel.sum()), rng), dtype=float).reshape(
                    -1, self.dim
                )
        return out

    def mean(self) -> Array:
        return np.asarray(
            sum(w * c.mean() for w, c in zip(self.weights, self.components, strict=True))
        )

    def cov(self) -> Array:
        m = self.mean()
        second: Any = 0.0
        for w, c in zip(self.weights, self.components, strict=True):
            mk = c.mean()
            second = second + w * (c.cov() + np.outer(mk, mk))
        return np.asarray(second - np.outer(m, m), dtype=float)

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        boxes = [c.bounds(tol) for c in self.components]
        return np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)
