"""Built-in schedules: Linear, Cosine, VP, sub-VP and VE (CATALOGUE B.2, B.4), with exact
derivatives and a ``jit_spec`` for compiled kernels (``pdecheck._jit.schedule``)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pdecheck._validate import check_ordered_pair
from pdecheck.schedules.base import Array, Schedule

__all__ = ["VE", "VP", "Cosine", "Linear", "SubVP"]


class Linear(Schedule):
    """Rectified-flow / straight path: α_t = 1 − t/T, σ_t = t/T (seed eq. "simplest-x1")."""

    name = "linear"
    jit_kind = 0

    def _alpha(self, t: Array) -> Array:
        return 1.0 - t / self.T

    def _dalpha(self, t: Array) -> Array:
        return np.full_like(t, -1.0 / self.T)

    def _sigma(self, t: Array) -> Array:
        return t / self.T

    def _dsigma(self, t: Array) -> Array:
        return np.full_like(t, 1.0 / self.T)


class Cosine(Schedule):
    """Trigonometric path α_t = cos(πt/2T), σ_t = sin(πt/2T) (CATALOGUE G1 examples)."""

    name = "cosine"
    jit_kind = 1

    def _alpha(self, t: Array) -> Array:
        return np.cos(0.5 * np.pi * t / self.T)

    def _dalpha(self, t: Array) -> Array:
        return -0.5 * np.pi / self.T * np.sin(0.5 * np.pi * t / self.T)

    def _sigma(self, t: Array) -> Array:
        return np.sin(0.5 * np.pi * t / self.T)

    def _dsigma(self, t: Array) -> Array:
        return 0.5 * np.pi / self.T * np.cos(0.5 * np.pi * t / self.T)


class _LinearBeta(Schedule):
    """Shared piece of VP and sub-VP: β(t) = β_min + (t/T)(β_max − β_min), B(t) = ∫_0^t β."""

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0, T: float = 1.0) -> None:
        self.beta_min, self.beta_max = check_ordered_pair(
            "beta_min", beta_min, "beta_max", beta_max, strict=False, low_zero=True
        )
        super().__init__(T)

    def _describe(self) -> str:
        return f"beta_min={self.beta_min:g}, beta_max={self.beta_max:g}, T={self.T:g}"

    def _jit_params(self) -> list[float]:
        return [self.T, self.beta_min, self.beta_max]

    def beta(self, t: ArrayLike) -> Array:
        """β(t), the rate of the VP SDE (CATALOGUE S2)."""
        tt = np.asarray(t, dtype=float)
        return self.beta_min + tt / self.T * (self.beta_max - self.beta_min)

    def integrated_beta(self, t: ArrayLike) -> Array:
        """B(t) = β_min t + ½(β_max − β_min) t²/T."""
        tt = np.asarray(t, dtype=float)
        return self.beta_min * tt + 0.5 * (self.beta_max - self.beta_min) * tt**2 / self.T

    def _alpha(self, t: Array) -> Array:
        return np.exp(-0.5 * self.integrated_beta(t))

    def _dalpha(self, t: Array) -> Array:
        return -0.5 * self.beta(t) * self._alpha(t)


class VP(_LinearBeta):
    """Variance-preserving schedule (CATALOGUE S2): α = e^{−B/2}, σ = √(1 − e^{−B}).

    With the usual β_max = 20, α_1 = e^{−5.025} ≈ 0.0066 ≠ 0: p_1 misses N(0, I) by a small,
    reported amount (:func:`endpoint_kl`). dσ/dt ~ 1/(2√t) is singular at t = 0.
    """

    name = "vp"
    jit_kind = 2

    def _sigma(self, t: Array) -> Array:
        return np.sqrt(-np.expm1(-self.integrated_beta(t)))

    def _dsigma(self, t: Array) -> Array:
        with np.errstate(divide="ignore"):
            return self._sigma_dsigma(t) / self._sigma(t)

    def _sigma_dsigma(self, t: Array) -> Array:
        """σσ' = ½ d(1 − e^{−B})/dt = ½ β e^{−B}."""
        return 0.5 * self.beta(t) * np.exp(-self.integrated_beta(t))


class SubVP(_LinearBeta):
    """sub-VP schedule (CATALOGUE S4): α = e^{−B/2}, σ = 1 − e^{−B}."""

    name = "subvp"
    jit_kind = 3

    def _sigma(self, t: Array) -> Array:
        return -np.expm1(-self.integrated_beta(t))

    def _dsigma(self, t: Array) -> Array:
        return self.beta(t) * np.exp(-self.integrated_beta(t))


class VE(Schedule):
    """Variance-exploding schedule from a point mass (CATALOGUE S3): α = 1 and
    σ_t = σ_min √(r^{2t/T} − 1), r = σ_max/σ_min — the *exact* std of the VE SDE from δ data.

    score_sde's ``marginal_prob`` std σ_min r^{t} is exact only for σ_min-smoothed data; the
    schedule here is the one whose σ_0 = 0.
    """

    name = "ve"
    jit_kind = 4

    def __init__(self, sigma_min: float = 0.01, sigma_max: float = 50.0, T: float = 1.0) -> None:
        self.sigma_min, self.sigma_max = check_ordered_pair(
            "sigma_min", sigma_min, "sigma_max", sigma_max, strict=True
        )
        super().__init__(T)

    def _describe(self) -> str:
        return f"sigma_min={self.sigma_min:g}, sigma_max={self.sigma_max:g}, T={self.T:g}"

    def _jit_params(self) -> list[float]:
        return [self.T, self.sigma_min, self.sigma_max]

    @property
    def _log_ratio(self) -> float:
        return float(np.log(self.sigma_max / self.sigma_min))

    def sde_sigma(self, t: ArrayLike) -> Array:
        """score_sde's σ(t) = σ_min (σ_max/σ_min)^{t/T}; g² = dσ(t)²/dt."""
        return self.sigma_min * np.exp(self._log_ratio * np.asarray(t, dtype=float) / self.T)

    def _alpha(self, t: Array) -> Array:
        return np.ones_like(t)

    def _dalpha(self, t: Array) -> Array:
        return np.zeros_like(t)

    def _sigma(self, t: Array) -> Array:
        return self.sigma_min * np.sqrt(np.expm1(2.0 * self._log_ratio * t / self.T))

    def _dsigma(self, t: Array) -> Array:
        with np.errstate(divide="ignore"):
            return self._sigma_dsigma(t) / self._sigma(t)

    def _sigma_dsigma(self, t: Array) -> Array:
        """σσ' = ½ d(σ_min² (r^{2t/T} − 1))/dt = σ_min² r^{2t/T} ln r / T."""
        lr = self._log_ratio
        return self.sigma_min**2 * np.exp(2.0 * lr * t / self.T) * lr / self.T
