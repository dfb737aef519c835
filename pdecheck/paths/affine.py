"""Affine paths x_t = μ_t(x_0) + σ_t x_1 with x_1 ~ prior (CATALOGUE A1–A5, G1; seed eq. 8/12/14).

- :class:`GeneralAffinePath` — any μ_t(x_0) with μ_0(x_0) = x_0 (CATALOGUE G1); an endpoint
  μ_T(x_0) ≠ 0 or σ_T ≠ 1 that misses the prior is not an error (issue 3): it is measured by
  :meth:`GeneralAffinePath.endpoint_mismatch`.
- :class:`AffinePath` — μ_t(x_0) = α_t x_0 from a :class:`~pdecheck.schedules.Schedule`; adds
  Gaussian-mixture data (CATALOGUE A4), the compiled marginal field and the score.

Conditional (seed eq. 8 and 12 with φ_t(x|x_0) = (x − μ_t(x_0))/σ_t):

    p_t(x|x_0) = σ_t^{−d} q((x − μ_t(x_0))/σ_t),   f_t(x|x_0) = μ̇_t(x_0) + (σ̇_t/σ_t)(x − μ_t(x_0)).

Marginal for data p_0 = Σ w_i δ_{x_i} (seed eq. 14, CATALOGUE A3): the mixture of the
conditionals and their responsibility-weighted field (:mod:`pdecheck.paths._field`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, as_points, check_finite
from pdecheck.densities import Density, Gaussian, GaussianMixture, PointMixture, Uniform
from pdecheck.fields import CompiledField
from pdecheck.paths._arguments import (
    check_dim,
    check_prior,
    one_point,
    point_data,
    returned,
    sigma_schedule,
)
from pdecheck.paths._densities import Mixture, ScaledShifted
from pdecheck.paths._field import MarginalField, ScoreField, Terms
from pdecheck.schedules import Schedule

__all__ = ["AffinePath", "EndpointMismatch", "GeneralAffinePath"]

Array = NDArray[np.float64]
PathFn = Callable[[float, Array], ArrayLike]

#: relative tolerance of the checks μ_0(x_0) = x_0 and dmu = ∂_t μ
MU_RTOL = 1e-6


def _probe_points(dim: int) -> Array:
    """Fixed points x_0 at which a user's μ is checked on construction."""
    grid = np.array([-1.7, -0.4, 0.0, 0.9, 2.3])
    return np.stack([np.roll(grid, j) for j in range(dim)], axis=1)


class GeneralAffinePath:
    """x_t = μ_t(x_0) + σ_t x_1, x_1 ~ ``prior`` (CATALOGUE G1).

    ``mu(t, x0)`` and ``dmu(t, x0)`` take a float t and points x0 of shape (k, d) and return
    (k, d). ``sigma`` is a :class:`~pdecheck.schedules.Schedule` (its σ part is used) or a pair
    ``(sigma, dsigma)`` of vectorised functions of t (validated as a schedule: σ_0 = 0,
    σ_t > 0, dsigma checked against finite differences). On construction μ_0(x_0) = x_0 and
    dmu = ∂_t μ (central differences, step 1e-5 T) are checked at fixed probe points to
    relative tolerance ``MU_RTOL``; a failure raises ``ValueError`` with the mismatch. μ_T need
    not vanish: :meth:`endpoint_mismatch` reports how far p_T is from the prior.
    """

    def __init__(
        self,
        mu: PathFn,
        dmu: PathFn,
        sigma: Schedule | tuple[Callable[[Array], ArrayLike], Callable[[Array], ArrayLike] | None],
        prior: Density,
    ) -> None:
        for label, fn in (("mu", mu), ("dmu", dmu)):
            if not callable(fn):
                raise TypeError(
                    f"{label}={fn!r} must be a callable (t, x0) -> array of shape (k, d)"
                )
        self._mu_fn, self._dmu_fn = mu, dmu
        self.schedule = sigma_schedule(sigma)
        self.prior = check_prior(prior)
        self.dim = prior.dim
        self.T = self.schedule.T
        self._check_mu()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sigma={self.schedule!r}, prior={self.prior!r})"

    # -- the path ---------------------------------------------------------------------
    def mu(self, t: float, x0: ArrayLike) -> Array:
        """μ_t(x_0) for points x0 (k, d)."""
        pts, _ = as_points("x0", x0, self.dim)
        return returned("mu", t, self._mu_fn(t, pts), pts.shape)

    def dmu(self, t: float, x0: ArrayLike) -> Array:
        """∂_t μ_t(x_0) for points x0 (k, d)."""
        pts, _ = as_points("x0", x0, self.dim)
        return returned("dmu", t, self._dmu_fn(t, pts), pts.shape)

    def sigma(self, t: float) -> float:
        return float(self.schedule.sigma(t))

    def dsigma(self, t: float) -> float:
        return float(self.schedule.dsigma(t))

    def _check_mu(self) -> None:
        if isinstance(self, AffinePath):
            return  # μ = α x_0: the schedule's own validation covers it; α_T ≠ 0 is reported
        x0 = _probe_points(self.dim)
        scale = 1.0 + np.abs(x0)
        for label, t, want in (("mu(0, x0) = x0", 0.0, x0),):
            got = self.mu(t, x0)
            err = np.abs(got - want) / scale
            if not np.all(err <= MU_RTOL):
                k = int(np.argmax(np.max(np.where(np.isfinite(err), err, np.inf), axis=1)))
                raise ValueError(
                    f"path {self!r}: mu(t={t:g}, x0={_short(x0[k])}) = {_short(got[k])}; "
                    f"the rule is {label} (checked to relative tolerance {MU_RTOL:g})"
                )
        h = 1e-5 * self.T
        for t in np.linspace(0.1, 0.9, 5) * self.T:
            fd = (self.mu(t + h, x0) - self.mu(t - h, x0)) / (2 * h)
            given = self.dmu(t, x0)
            err = np.abs(given - fd)
            if not np.all(err <= MU_RTOL * np.maximum(1.0, np.abs(fd))):
                k = int(np.argmax(np.max(err, axis=1)))
                raise ValueError(
                    f"path {self!r}: dmu(t={t:g}, x0={_short(x0[k])}) = {_short(given[k])} but the "
                    f"central difference of mu gives {_short(fd[k])}; the rule is dmu = ∂mu/∂t"
                )

    def _check_t(self, t: Any, *, atomic: bool) -> float:
        """t as a float: one finite number (a scalar: one time for the whole batch x) in
        [0, T], or (0, T] for atomic data."""
        if np.ndim(t) != 0:
            raise TypeError(
                f"t={_short(t)} has shape {np.shape(t)}; the rule is one real number t (a "
                "scalar: one time for every point of x)"
            )
        tt = float(check_finite("t", t))
        low_ok = tt > 0.0 if atomic else tt >= 0.0
        if not (low_ok and tt <= self.T):
            rule = "0 < t <= T" if atomic else "0 <= t <= T"
            why = " (σ_0 = 0: atomic data make the field singular at t = 0)" if atomic else ""
            raise ValueError(
                f"t={t!r} is outside the path's time range; the rule is {rule} = {self.T:g}{why}"
            )
        return tt

    # -- conditional (seed eq. 8, 12) ---------------------------------------------------
    def conditional(self, t: float, x0: ArrayLike) -> Density:
        """p_t(·|x_0) as a density: the prior scaled by σ_t and shifted to μ_t(x_0)."""
        tt = self._check_t(t, atomic=True)
        return ScaledShifted(self.prior, self.mu(tt, one_point(x0, self.dim))[0], self.sigma(tt))

    def conditional_density(self, t: float, x: ArrayLike, x0: ArrayLike) -> Array:
        """p_t(x|x_0) = σ_t^{−d} q((x − μ_t(x_0))/σ_t) (CATALOGUE A1/A2, seed eq. 12)."""
        return np.asarray(self.conditional(t, x0).pdf(x), dtype=float)

    def conditional_field(self, t: float, x: ArrayLike, x0: ArrayLike) -> Array:
        """f_t(x|x_0) = μ̇_t(x_0) + (σ̇_t/σ_t)(x − μ_t(x_0)) (CATALOGUE A1, seed eq. 8)."""
        tt = self._check_t(t, atomic=True)
        pts, flat = as_points("x", x, self.dim)
        p0 = one_point(x0, self.dim)
        out = self.dmu(tt, p0) + self.dsigma(tt) / self.sigma(tt) * (pts - self.mu(tt, p0))
        return out[:, 0] if flat else out

    # -- marginal (seed eq. 14) ---------------------------------------------------------
    def marginal(self, data: Density, t: float) -> Density:
        """p_t for data p_0: Σ_i w_i p_t(·|x_i) for a :class:`PointMixture` (CATALOGUE A3)."""
        points = point_data(data, self)
        tt = self._check_t(t, atomic=False)
        if self.sigma(tt) == 0.0:
            return data
        mus = self.mu(tt, points.points)
        return Mixture([ScaledShifted(self.prior, m, self.sigma(tt)) for m in mus], points.weights)

    def marginal_field(self, data: Density) -> MarginalField:
        """f_t(x) = Σ w_i f_t(x|x_i) p_t(x|x_i) / Σ w_i p_t(x|x_i) (seed eq. 14)."""
        points = point_data(data, self)
        return MarginalField(
            lambda t, x: self._point_terms(points, t, x),
            self.dim,
            name=f"marginal field of {self!r} for {points!r}",
            check_t=lambda t: self._check_t(t, atomic=False),
        )

    def endpoint_mismatch(self, data: Density) -> EndpointMismatch:
        """How far p_T = Σ w_i (μ_T(x_i) + σ_T X), X ~ prior, misses the prior (point data).

        W2: the coupling (μ_T(x_i) + σ_T X, X) gives W2² ≤ Σ w_i E|μ_T(x_i) + (σ_T − 1)X|²
        = Σ w_i (|μ_i|² + 2(σ_T − 1) μ_i·m + (σ_T − 1)² E|X|²), m = E X (exact for one point and
        a Gaussian prior; inf for a prior without second moments). KL: by convexity
        KL(p_T ‖ q) ≤ Σ w_i KL(p_T(·|x_i) ‖ q), for a Gaussian prior N(m, diag S)
        ½ Σ_j (σ_T² + (μ_ij + (σ_T − 1)m_j)²/S_j − 1 − ln σ_T²) (CATALOGUE "Known traps");
        for any other prior 0 when p_T(·|x_i) = q for every i, else NaN (no closed form).
        """
        points = point_data(data, self)
        mu, s = self.mu(self.T, points.points), self.sigma(self.T)
        w = points.weights
        prior = self.prior
        exact = bool(np.all(mu == 0.0) and s == 1.0)
        try:
            m = np.asarray(prior.mean(), dtype=float).reshape(self.dim)
            second = float(np.trace(np.atleast_2d(prior.cov())) + m @ m)
            w2sq = float(w @ (np.sum(mu**2, axis=1) + 2 * (s - 1) * (mu @ m)))
            w2 = float(np.sqrt(max(w2sq + (s - 1) ** 2 * second, 0.0)))
        except (NotImplementedError, ValueError):  # no moments (Cauchy tails)
            w2 = 0.0 if exact else np.inf
        if isinstance(prior, Gaussian):
            shift = mu + (s - 1) * prior.loc[None, :]
            terms = s**2 + shift**2 / prior.std**2 - 1 - np.log(s**2)
            kl = float(w @ (0.5 * np.sum(terms, axis=1)))
        else:
            kl = 0.0 if exact else np.nan
        alpha = float(self.schedule.alpha(self.T)) if isinstance(self, AffinePath) else np.nan
        return EndpointMismatch(kl, w2, alpha, s)

    def _point_terms(self, data: PointMixture, t: float, x: Array) -> Terms:
        """Seed eq. 14 terms; at σ_t = 0 (t = 0) p_t is atomic and every point is undefined
        (NaN and flagged, as the compiled kernel does)."""
        n, d = x.shape
        s, ds = self.sigma(t), self.dsigma(t)
        mus = self.mu(t, data.points)
        if s == 0.0:
            k = mus.shape[0]
            zeros = np.zeros((n, k, d))
            return Terms(np.full((n, k), -np.inf), zeros, zeros, np.zeros(k))
        z = (x[:, None, :] - mus[None, :, :]) / s
        flat = z.reshape(-1, d)
        with np.errstate(divide="ignore"):
            logq = np.asarray(self.prior.logpdf(flat), dtype=float).reshape(n, -1)
            logw = np.log(data.weights) + logq - d * np.log(s)
        score = np.asarray(self.prior.score(flat), dtype=float).reshape(z.shape) / s
        velocity = self.dmu(t, data.points)[None, :, :] + ds / s * (x[:, None, :] - mus[None, :, :])
        return Terms(logw, velocity, score, np.full(mus.shape[0], d * ds / s))


class AffinePath(GeneralAffinePath):
    """x_t = α_t x_0 + σ_t x_1 with (α, σ) from ``schedule`` and x_1 ~ ``prior`` (CATALOGUE B.2).

    Data may be a :class:`PointMixture` (any prior with a pdf) or a :class:`GaussianMixture`
    (Gaussian prior: then p_t is the Gaussian mixture of CATALOGUE A4).
    """

    def __init__(self, schedule: Schedule, prior: Density) -> None:
        if not isinstance(schedule, Schedule):
            raise TypeError(f"schedule={schedule!r} must be a pdecheck.schedules.Schedule")
        super().__init__(
            lambda t, x0: schedule.alpha(t) * x0,
            lambda t, x0: schedule.dalpha(t) * x0,
            schedule,
            prior,
        )

    def __repr__(self) -> str:
        return f"AffinePath({self.schedule!r}, prior={self.prior!r})"

    def alpha(self, t: float) -> float:
        return float(self.schedule.alpha(t))

    def dalpha(self, t: float) -> float:
        return float(self.schedule.dalpha(t))

    def marginal(self, data: Density, t: float) -> Density:
        """p_t: a mixture of scaled, shifted priors for point data (A3); for Gaussian-mixture data
        and a Gaussian prior N(μ_q, diag s²), Σ_k w_k N(α m_k + σ μ_q, α² V_k + σ² s²) (A4)."""
        if not isinstance(data, GaussianMixture):
            return super().marginal(data, t)
        prior = self._gaussian_prior(data)
        tt = self._check_t(t, atomic=False)
        centres, var = self._gaussian_moments(data, prior, tt)
        if np.all(prior.std == prior.std[0]):
            return GaussianMixture(centres, np.sqrt(var[:, 0]), data.weights)
        return Mixture(
            [Gaussian(m, np.sqrt(v)) for m, v in zip(centres, var, strict=True)], data.weights
        )

    def marginal_field(self, data: Density) -> MarginalField:
        """Seed eq. 14 (point data) or CATALOGUE A4 (Gaussian-mixture data, Gaussian prior), with
        a compiled kernel when the schedule has a ``jit_spec`` and the prior is Gaussian or
        Uniform."""
        if isinstance(data, GaussianMixture):
            prior = self._gaussian_prior(data)
            return MarginalField(
                lambda t, x: self._gaussian_terms(data, prior, t, x),
                self.dim,
                name=f"marginal field of {self!r} for {data!r}",
                compiled=lambda: self._compiled(data),
                check_t=lambda t: self._check_t(t, atomic=False),
            )
        field = super().marginal_field(data)
        field._compiled_factory = lambda: self._compiled(data)
        return field

    def score(self, data: Density) -> ScoreField:
        """(t, x) -> ∇log p_t(x) for a Gaussian prior (the smooth case where the score exists)."""
        if not isinstance(self.prior, Gaussian):
            raise ValueError(
                f"prior={self.prior!r}: the score of the marginal exists everywhere only for a "
                "Gaussian prior; the rule is prior = Gaussian(...)"
            )
        return ScoreField(self.marginal_field(data))

    # -- Gaussian-mixture data (CATALOGUE A4) -------------------------------------------
    def _gaussian_prior(self, data: GaussianMixture) -> Gaussian:
        if not isinstance(self.prior, Gaussian):
            raise ValueError(
                f"data={data!r} with prior={self.prior!r}: Gaussian-mixture data need a Gaussian "
                "prior (CATALOGUE A4); use PointMixture data for other priors"
            )
        check_dim(data, self)
        return self.prior

    def _gaussian_moments(
        self, data: GaussianMixture, prior: Gaussian, t: float
    ) -> tuple[Array, Array]:
        a, s = self.alpha(t), self.sigma(t)
        centres = a * data.means + s * prior.loc
        var = a**2 * data.stds[:, None] ** 2 + s**2 * prior.std[None, :] ** 2
        return centres, var

    def _gaussian_terms(self, data: GaussianMixture, prior: Gaussian, t: float, x: Array) -> Terms:
        """a_k = α' m_k + σ' μ_q + c_k (x − M_k), c_k = (αα'V_k + σσ's²)/(α²V_k + σ²s²) (A4)."""
        a, da, ds = self.alpha(t), self.dalpha(t), self.dsigma(t)
        sds = float(self.schedule.sigma_dsigma(t))  # finite at t = 0 where σ' = ∞ (VP, VE)
        centres, var = self._gaussian_moments(data, prior, t)
        dev = x[:, None, :] - centres[None, :, :]
        logw = np.log(data.weights) - 0.5 * np.sum(dev**2 / var + np.log(2 * np.pi * var), axis=2)
        slope = (a * da * data.stds[:, None] ** 2 + sds * prior.std[None, :] ** 2) / var
        with np.errstate(invalid="ignore"):  # σ' μ_q: 0 for μ_q = 0, ∞ or NaN at σ'_0 = ∞
            mean_speed = np.where(prior.loc == 0.0, 0.0, ds * prior.loc)
        velocity = (da * data.means + mean_speed)[None, :, :] + slope[None, :, :] * dev
        return Terms(logw, velocity, -dev / var, np.sum(slope, axis=1))

    def _compiled(self, data: Density) -> CompiledField | None:
        spec = self.schedule.jit_spec()
        if spec is None or not isinstance(self.prior, (Gaussian, Uniform)):
            return None
        from pdecheck._jit.affine import marginal_kernel, pack_params, prior_variant
        from pdecheck._jit.affine_block import isotropic_block

        params = pack_params(spec, self.prior, data)
        variant = prior_variant(self.prior)
        block = isotropic_block if variant == "isotropic" else None
        return CompiledField(marginal_kernel(variant), params, self.dim, block=block)


@dataclass(frozen=True)
class EndpointMismatch:
    """KL(p_T ‖ prior) (a convexity bound for mixtures; NaN where no closed form) and
    W2(p_T, prior) (a coupling bound), with α_T (NaN for a general μ) and σ_T."""

    kl: float
    w2: float
    alpha_T: float
    sigma_T: float
