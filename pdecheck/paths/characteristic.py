"""Trajectory families φ_t(x_t|x_0) = x_T (seed eq. 6; CATALOGUE G2).

φ_t(·|x_0) labels each trajectory by the point it reaches at T and is constant along it, so

    f_t(x|x_0) = −(∂φ/∂x)^{−1} ∂φ/∂t           (seed eq. 8)
    p_t(x|x_0) = p_T(φ_t(x|x_0)) |det ∂φ/∂x|     (seed eq. 12)

solve the continuity equation for any label density p_T (``prior``; it is p_T itself when
φ_T is the identity). Point-mass data give the marginal field of seed eq. 14.

With L = log|det ∂φ/∂x|, p_t(x|x_0) is constant-times-e^L along a trajectory, so the continuity
equation gives the divergence and eq. 12 the score of each conditional:

    ∇·f_t(x|x_0) = −(∂_t L + f·∇_x L),    ∇log p_t(x|x_0) = (∂φ/∂x)ᵀ ∇log p_T(φ) + ∇_x L,

with ∂_k L = tr((∂φ/∂x)^{−1} ∂_k(∂φ/∂x)) (Jacobi's formula) for k = t, x_1, …, x_d.

Derivatives are analytic when supplied (``jacobian``, ``dphi_dt``, ``djacobian``); otherwise
fourth-order central differences give them to about 1e-12 relative (truncation (h/ℓ)⁴ plus
round-off ε ℓ/h on a length scale ℓ), enough for PDE-residual tests at outer steps ≥ 1e-3. The
x-step is h = ε^{1/5} max(1, |x_j|) ≈ 7e-4 for each point on its own (a far-out point in a batch
does not change the others). The t-step is relative, h = ε^{1/5} |t|: paths such as Linear's
φ = (x − (1−t) x_0)/t are singular at t = 0, so t is their length scale, and the stencil
t ± 2h stays inside t > 0. Without ``djacobian``, ∂_t L and ∇_x L are the same fourth-order
differences of L: about 1e-12/h ≈ 1e-9 relative when the Jacobian is analytic, about 1e-8 when
it is itself a difference.

Public name: :class:`CharacteristicPath`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import as_points, check_finite
from pdecheck.densities import Density, PointMixture
from pdecheck.paths._arguments import check_prior, one_point, point_data
from pdecheck.paths._densities import Mixture
from pdecheck.paths._field import MarginalField, Terms

__all__ = ["CharacteristicPath"]

Array = NDArray[np.float64]
PhiFn = Callable[[float, Array, Array], ArrayLike]

#: relative finite-difference step, ε^{1/5} for a fourth-order central difference
FD_STEP = float(np.finfo(float).eps ** 0.2)


def _central4(fn: Callable[[Any], Array], h: float | Array) -> Array:
    """(−f(2h) + 8 f(h) − 8 f(−h) + f(−2h)) / 12h: fourth-order central difference; ``h`` is one
    step or one per point (n,), broadcast over the trailing axes of f."""
    diff = -fn(2 * h) + 8 * fn(h) - 8 * fn(-h) + fn(-2 * h)
    step = np.asarray(h, dtype=float)
    return np.asarray(diff / (12 * step.reshape(step.shape + (1,) * (diff.ndim - step.ndim))))


def _t_step(t: float) -> float:
    """h = ε^{1/5} |t| (ε^{1/5} at t = 0): relative to the distance from t = 0, where paths are
    singular, so t − 2h = t (1 − 2ε^{1/5}) keeps the stencil on the side of t."""
    return FD_STEP * (abs(t) if t != 0.0 else 1.0)


def _partial_x(fn: Callable[[Array], Array], x: Array, j: int) -> Array:
    """∂fn/∂x_j at the points x (n, d): fourth-order central difference with a step
    h_i = ε^{1/5} max(1, |x_ij|) for each point i, so points do not affect each other."""
    e = np.zeros(x.shape[1])
    e[j] = 1.0
    h = FD_STEP * np.maximum(1.0, np.abs(x[:, j]))
    return _central4(lambda s: fn(x + s[:, None] * e), h)


class CharacteristicPath:
    """A trajectory family ``phi(t, x, x0) -> x_T`` (x (n, d), x0 (d,)) with label density
    ``prior``; optional analytic ``jacobian(t, x, x0)`` (n, d, d) with J_ij = ∂φ_i/∂x_j,
    ``dphi_dt(t, x, x0)`` (n, d), ``djacobian(t, x, x0)`` (n, d + 1, d, d) = (∂_t J, ∂_{x_1} J,
    …, ∂_{x_d} J) for the exact divergence and score, and ``inverse(t, y, x0)`` (the x with
    φ_t(x|x0) = y, used for sampling). ``T`` is the end time."""

    def __init__(
        self,
        phi: PhiFn,
        prior: Density,
        jacobian: Callable[[float, Array, Array], ArrayLike] | None = None,
        dphi_dt: PhiFn | None = None,
        *,
        djacobian: Callable[[float, Array, Array], ArrayLike] | None = None,
        inverse: PhiFn | None = None,
        T: float = 1.0,
    ) -> None:
        for label, fn in (
            ("phi", phi),
            ("jacobian", jacobian),
            ("dphi_dt", dphi_dt),
            ("djacobian", djacobian),
            ("inverse", inverse),
        ):
            if fn is not None and not callable(fn):
                raise TypeError(f"{label}={fn!r} must be a callable (t, x, x0) -> array")
        if not callable(phi):
            raise TypeError(f"phi={phi!r} must be a callable (t, x, x0) -> array")
        self._phi, self._jac, self._dt, self._inv = phi, jacobian, dphi_dt, inverse
        self._djac = djacobian
        self.prior = check_prior(prior)
        self.dim = prior.dim
        self.T = float(check_finite("T", T))

    def __repr__(self) -> str:
        return f"CharacteristicPath({getattr(self._phi, '__name__', 'phi')}, prior={self.prior!r})"

    # -- φ and its derivatives ----------------------------------------------------------
    def phi(self, t: float, x: Array, x0: Array) -> Array:
        return np.asarray(self._phi(t, x, x0), dtype=float).reshape(x.shape)

    def jacobian(self, t: float, x: Array, x0: Array) -> Array:
        """∂φ/∂x, shape (n, d, d): analytic if given, else fourth-order central differences
        with a step per point (:func:`_partial_x`)."""
        if self._jac is not None:
            return np.asarray(self._jac(t, x, x0), dtype=float).reshape(
                x.shape[0], self.dim, self.dim
            )
        cols = [_partial_x(lambda y: self.phi(t, y, x0), x, j) for j in range(self.dim)]
        return np.stack(cols, axis=2)

    def dphi_dt(self, t: float, x: Array, x0: Array) -> Array:
        """∂φ/∂t, shape (n, d): analytic if given, else a fourth-order central difference in t
        with the relative step of :func:`_t_step`."""
        if self._dt is not None:
            return np.asarray(self._dt(t, x, x0), dtype=float).reshape(x.shape)
        return _central4(lambda s: self.phi(t + s, x, x0), _t_step(t))

    def logdet_derivatives(self, t: float, x: Array, x0: Array) -> tuple[Array, Array]:
        """(∂_t L (n,), ∇_x L (n, d)) for L = log|det ∂φ/∂x|: Jacobi's formula with
        ``djacobian`` when given, else fourth-order central differences of L."""
        if self._djac is not None:
            n, d = x.shape
            dj = np.asarray(self._djac(t, x, x0), dtype=float).reshape(n, d + 1, d, d)
            jac = np.broadcast_to(self.jacobian(t, x, x0)[:, None], dj.shape)
            traces = np.trace(np.linalg.solve(jac, dj), axis1=2, axis2=3)
            return traces[:, 0], traces[:, 1:]

        def logdet(s: float, x: Array) -> Array:
            return np.asarray(np.linalg.slogdet(self.jacobian(t + s, x, x0))[1], dtype=float)

        dt = _central4(lambda s: logdet(s, x), _t_step(t))
        grad = [_partial_x(lambda y: logdet(0.0, y), x, j) for j in range(self.dim)]
        return dt, np.stack(grad, axis=1).reshape(x.shape)

    # -- conditional (seed eq. 8, 12) ---------------------------------------------------
    def conditional_field(self, t: float, x: ArrayLike, x0: ArrayLike) -> Array:
        """f_t(x|x_0) = −(∂φ/∂x)^{−1} ∂φ/∂t (seed eq. 8)."""
        pts, flat = as_points("x", x, self.dim)
        p0 = one_point(x0, self.dim)[0]
        out = self._field(float(t), pts, p0)
        return out[:, 0] if flat else out

    def _field(self, t: float, x: Array, x0: Array) -> Array:
        jac = self.jacobian(t, x, x0)
        step = np.linalg.solve(jac, self.dphi_dt(t, x, x0)[:, :, None])[:, :, 0]
        return np.asarray(-step, dtype=float)

    def _log_conditional(self, t: float, x: Array, x0: Array) -> Array:
        _, logdet = np.linalg.slogdet(self.jacobian(t, x, x0))
        with np.errstate(divide="ignore"):
            return np.asarray(self.prior.logpdf(self.phi(t, x, x0)), dtype=float) + logdet

    def conditional_density(self, t: float, x: ArrayLike, x0: ArrayLike) -> Array:
        """p_t(x|x_0) = p_T(φ_t(x|x_0)) |det ∂φ/∂x| (seed eq. 12)."""
        pts, _ = as_points("x", x, self.dim)
        logp = self._log_conditional(float(t), pts, one_point(x0, self.dim)[0])
        return np.asarray(np.exp(logp), dtype=float)

    def conditional(self, t: float, x0: ArrayLike) -> Density:
        """p_t(·|x_0) as a density (pdf; samples when ``inverse`` was given)."""
        return _Pullback(self, float(t), one_point(x0, self.dim)[0])

    def conditional_divergence(self, t: float, x: ArrayLike, x0: ArrayLike) -> Array:
        """∇·f_t(x|x_0) = −(∂_t L + f·∇_x L), L = log|det ∂φ/∂x| (module docstring)."""
        pts, _ = as_points("x", x, self.dim)
        p0 = one_point(x0, self.dim)[0]
        return self._divergence_score(float(t), pts, p0)[0]

    def _divergence_score(self, t: float, x: Array, x0: Array) -> tuple[Array, Array]:
        """(∇·f_t(x|x_0) (n,), ∇log p_t(x|x_0) (n, d)) from ∂L and eq. 12."""
        dt, grad = self.logdet_derivatives(t, x, x0)
        div = -(dt + np.sum(self._field(t, x, x0) * grad, axis=1))
        prior_score = np.asarray(self.prior.score(self.phi(t, x, x0)), dtype=float)
        jac = self.jacobian(t, x, x0)
        score = np.einsum("nij,ni->nj", jac, prior_score.reshape(x.shape)) + grad
        return np.asarray(div, dtype=float), np.asarray(score, dtype=float)

    # -- marginal (seed eq. 14) ---------------------------------------------------------
    def marginal(self, data: Density, t: float) -> Density:
        """Σ_i w_i p_t(·|x_i) for point-mass data."""
        points = point_data(data, self)
        return Mixture([_Pullback(self, float(t), p) for p in points.points], points.weights)

    def marginal_field(self, data: Density) -> MarginalField:
        """Σ w_i f_t(x|x_i) p_t(x|x_i) / Σ w_i p_t(x|x_i) (seed eq. 14), with the divergence
        and score of :mod:`._field` from each conditional's (module docstring)."""
        points = point_data(data, self)
        return MarginalField(
            lambda t, x: self._terms(points, t, x),
            self.dim,
            name=f"marginal field of {self!r}",
            full_terms=lambda t, x: self._terms(points, t, x, full=True),
        )

    def _terms(self, data: PointMixture, t: float, x: Array, *, full: bool = False) -> Terms:
        logw = np.stack([self._log_conditional(t, x, p) for p in data.points], axis=1)
        with np.errstate(divide="ignore"):
            logw = logw + np.log(data.weights)
        velocity = np.stack([self._field(t, x, p) for p in data.points], axis=1)
        if not full:
            return Terms(logw, velocity)
        pieces = [self._divergence_score(t, x, p) for p in data.points]
        div = np.stack([p[0] for p in pieces], axis=1)
        score = np.stack([p[1] for p in pieces], axis=1)
        return Terms(logw, velocity, score, div)


class _Pullback(Density):
    """p_t(·|x_0) of a :class:`CharacteristicPath` (seed eq. 12) as a density."""

    def __init__(self, path: CharacteristicPath, t: float, x0: Array) -> None:
        self.path, self.t, self.x0 = path, t, x0
        self.dim = path.dim

    def __repr__(self) -> str:
        return f"p_t(.|x0={self.x0}) at t={self.t:g} of {self.path!r}"

    def logpdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        return self.path._log_conditional(self.t, pts, self.x0)

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        inverse: Any = self.path._inv
        if inverse is None:
            raise NotImplementedError(f"{self.path!r}: sampling needs inverse=(t, y, x0) -> x")
        y = np.asarray(self.path.prior.sample(n, rng), dtype=float).reshape(n, self.dim)
        return np.asarray(inverse(self.t, y, self.x0), dtype=float).reshape(n, self.dim)
