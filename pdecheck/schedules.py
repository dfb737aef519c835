"""Noise schedules (α_t, σ_t) of affine paths x_t = α_t x_0 + σ_t x_1, with exact derivatives.

Public names: :class:`Schedule` (base and ``Schedule.from_functions`` for a user's own
schedule, ``Schedule.from_noise_to_data`` for the flow-matching convention), the built-ins
:class:`Linear`, :class:`Cosine`, :class:`VP`, :class:`SubVP`, :class:`VE`, and
:func:`endpoint_kl` / :func:`endpoint_w2`, which measure how far p_T misses a standard Gaussian
prior when α_T ≠ 0 (CATALOGUE "Known traps").

Conventions (CATALOGUE "Conventions"): t runs from 0 (data) to T (prior); α_0 = 1, σ_0 = 0 and
σ_t > 0 for t > 0. Every schedule is validated on construction on a dense grid of [0, T]; a
failure raises ``ValueError`` naming the condition, the schedule and the offending t.

Each built-in also exposes ``jit_spec()``: an integer kind and a parameter vector with which
compiled kernels evaluate the same schedule (``pdecheck._jit.schedule``). A schedule built from
Python functions has none and runs on the slow (vectorised NumPy) path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import check_finite, check_positive

__all__ = [
    "VE",
    "VP",
    "Cosine",
    "Linear",
    "Schedule",
    "SubVP",
    "endpoint_kl",
    "endpoint_w2",
]

Array = NDArray[np.float64]
ScalarFn = Callable[[Array], ArrayLike]

#: number of points of [0, T] at which a schedule is validated on construction
N_VALIDATE = 257
#: relative tolerance of the check of user-supplied derivatives against finite differences
DERIVATIVE_RTOL = 1e-6


class Schedule:
    """A schedule (α_t, σ_t) on [0, T] with exact derivatives.

    Subclasses implement ``_alpha``, ``_dalpha``, ``_sigma``, ``_dsigma`` on float arrays; the
    public methods accept scalars or arrays and return the same shape.
    """

    name: str = "schedule"
    #: integer id of the compiled evaluation (``pdecheck._jit.schedule``); -1 means none
    jit_kind: ClassVar[int] = -1

    def __init__(self, T: float = 1.0) -> None:
        self.T = float(check_positive("T", T))
        self._validate()

    # -- public, vectorised -------------------------------------------------------------
    def alpha(self, t: ArrayLike) -> Array:
        """α_t, the weight of the data x_0."""
        return self._eval(self._alpha, t)

    def dalpha(self, t: ArrayLike) -> Array:
        """dα/dt."""
        return self._eval(self._dalpha, t)

    def sigma(self, t: ArrayLike) -> Array:
        """σ_t, the scale of the prior sample x_1."""
        return self._eval(self._sigma, t)

    def dsigma(self, t: ArrayLike) -> Array:
        """dσ/dt."""
        return self._eval(self._dsigma, t)

    def jit_spec(self) -> tuple[int, Array] | None:
        """(kind, parameters) for compiled kernels, or None when only the NumPy path exists."""
        if self.jit_kind < 0:
            return None
        return self.jit_kind, np.asarray(self._jit_params(), dtype=float)

    def _jit_params(self) -> list[float]:
        return [self.T]

    # -- to be implemented ----------------------------------------------------------------
    def _alpha(self, t: Array) -> Array:
        raise NotImplementedError

    def _dalpha(self, t: Array) -> Array:
        raise NotImplementedError

    def _sigma(self, t: Array) -> Array:
        raise NotImplementedError

    def _dsigma(self, t: Array) -> Array:
        raise NotImplementedError

    # -- helpers ------------------------------------------------------------------------
    @staticmethod
    def _eval(fn: Callable[[Array], Array], t: ArrayLike) -> Array:
        tt = np.asarray(t, dtype=float)
        return np.asarray(fn(tt), dtype=float)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()})"

    def _describe(self) -> str:
        return f"T={self.T:g}"

    def _validate(self) -> None:
        """Boundary conditions and finiteness (DESIGN.md "Path designs")."""
        t = np.linspace(0.0, self.T, N_VALIDATE)
        inner = t[1:]
        a0 = float(self.alpha(0.0))
        s0 = float(self.sigma(0.0))
        if not np.isclose(a0, 1.0, rtol=0.0, atol=1e-12):
            raise ValueError(f"schedule {self!r}: alpha(0) = {a0:.10g} but the rule is alpha_0 = 1")
        if not abs(s0) <= 1e-12:
            raise ValueError(f"schedule {self!r}: sigma(0) = {s0:.10g} but the rule is sigma_0 = 0")
        for label, values, grid in (
            ("alpha", self.alpha(t), t),
            ("sigma", self.sigma(t), t),
            ("dalpha", self.dalpha(inner), inner),
            ("dsigma", self.dsigma(inner), inner),
        ):
            bad = ~np.isfinite(values)
            if np.any(bad):
                raise ValueError(
                    f"schedule {self!r}: {label}(t) is not finite at t = {grid[bad][0]:.6g}; "
                    "the rule is finite values on [0, T] (derivatives on (0, T])"
                )
        s = self.sigma(inner)
        if np.any(s <= 0):
            raise ValueError(
                f"schedule {self!r}: sigma(t) = {s[s <= 0][0]:.6g} at t = {inner[s <= 0][0]:.6g}; "
                "the rule is sigma_t > 0 for t > 0"
            )

    # -- constructors -------------------------------------------------------------------
    @staticmethod
    def from_functions(
        alpha: ScalarFn,
        sigma: ScalarFn,
        dalpha: ScalarFn | None = None,
        dsigma: ScalarFn | None = None,
        *,
        T: float = 1.0,
        name: str = "user",
    ) -> FunctionSchedule:
        """A schedule from the user's vectorised functions of t.

        Missing derivatives are computed by ``scipy.differentiate.derivative`` (adaptive
        central differences with Richardson extrapolation, one-sided within a step of the
        ends; its error estimate is typically 1e-10 relative for smooth schedules). Supplied
        derivatives are checked against that estimate at construction and rejected, with the
        mismatch shown, when they differ by more than ``DERIVATIVE_RTOL`` relative.
        """
        return FunctionSchedule(alpha, sigma, dalpha, dsigma, T=T, name=name)

    @staticmethod
    def from_noise_to_data(
        alpha: ScalarFn,
        sigma: ScalarFn,
        dalpha: ScalarFn | None = None,
        dsigma: ScalarFn | None = None,
        *,
        name: str = "noise-to-data",
    ) -> FunctionSchedule:
        """Adapter for libraries that run time from noise (t = 0) to data (t = 1).

        flow_matching / torchcfm write X_t = α_t X_1 + σ_t X_0 with X_1 the data; ours is
        α^{ours}_t = α^{fm}_{1−t}, σ^{ours}_t = σ^{fm}_{1−t} (CATALOGUE, "Other libraries'
        conventions"), so derivatives change sign. Their velocity u maps to f_t(x) = −u_{1−t}(x).
        """

        def flip(fn: ScalarFn) -> ScalarFn:
            return lambda t: fn(1.0 - np.asarray(t, dtype=float))

        def flip_derivative(fn: ScalarFn | None) -> ScalarFn | None:
            if fn is None:
                return None
            return lambda t: -np.asarray(fn(1.0 - np.asarray(t, dtype=float)), dtype=float)

        return FunctionSchedule(
            flip(alpha), flip(sigma), flip_derivative(dalpha), flip_derivative(dsigma), T=1.0, name=name
        )


class FunctionSchedule(Schedule):
    """A schedule from Python callables (see :meth:`Schedule.from_functions`)."""

    def __init__(
        self,
        alpha: ScalarFn,
        sigma: ScalarFn,
        dalpha: ScalarFn | None,
        dsigma: ScalarFn | None,
        *,
        T: float = 1.0,
        name: str = "user",
    ) -> None:
        for label, fn in (("alpha", alpha), ("sigma", sigma), ("dalpha", dalpha), ("dsigma", dsigma)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{label}={fn!r} must be a callable of t")
        self.name = name
        self._fa, self._fs = alpha, sigma
        self._fda, self._fds = dalpha, dsigma
        self.T = float(check_positive("T", T))
        self._validate()
        for label, given, fn in (("dalpha", dalpha, alpha), ("dsigma", dsigma, sigma)):
            if given is not None:
                self._check_derivative(label, given, fn)

    def _describe(self) -> str:
        return f"name={self.name!r}, T={self.T:g}"

    def _alpha(self, t: Array) -> Array:
        return np.broadcast_to(np.asarray(self._fa(t), dtype=float), t.shape)

    def _sigma(self, t: Array) -> Array:
        return np.broadcast_to(np.asarray(self._fs(t), dtype=float), t.shape)

    def _dalpha(self, t: Array) -> Array:
        if self._fda is not None:
            return np.broadcast_to(np.asarray(self._fda(t), dtype=float), t.shape)
        return _derivative(self._alpha, t, self.T)[0]

    def _dsigma(self, t: Array) -> Array:
        if self._fds is not None:
            return np.broadcast_to(np.asarray(self._fds(t), dtype=float), t.shape)
        return _derivative(self._sigma, t, self.T)[0]

    def _check_derivative(self, label: str, given: ScalarFn, fn: ScalarFn) -> None:
        t = np.linspace(0.0, self.T, 33)[1:-1]

        def value(tt: Array) -> Array:
            return np.broadcast_to(np.asarray(fn(tt), dtype=float), tt.shape)

        estimate, error = _derivative(value, t, self.T)
        supplied = np.broadcast_to(np.asarray(given(t), dtype=float), t.shape)
        allowed = DERIVATIVE_RTOL * np.maximum(1.0, np.abs(estimate)) + 10.0 * error
        mismatch = np.abs(supplied - estimate)
        if np.any(mismatch > allowed):
            k = int(np.argmax(mismatch - allowed))
            raise ValueError(
                f"schedule {self!r}: the supplied {label}(t) = {supplied[k]:.10g} at t = {t[k]:.6g} "
                f"but a finite-difference estimate gives {estimate[k]:.10g} (mismatch "
                f"{mismatch[k]:.3e} > allowed {allowed[k]:.3e}); the rule is that {label} is the "
                "derivative of the schedule"
            )


def _derivative(fn: Callable[[Array], Array], t: Array, T: float) -> tuple[Array, Array]:
    """d fn/dt by scipy.differentiate.derivative, one-sided near 0 and T."""
    from scipy.differentiate import derivative

    tt = np.atleast_1d(np.asarray(t, dtype=float))
    step0 = 1e-2 * T
    direction = np.where(tt < 2 * step0, 1, np.where(tt > T - 2 * step0, -1, 0))
    res = derivative(fn, tt, initial_step=step0, step_direction=direction, tolerances={"rtol": 1e-12})
    df = np.asarray(res.df, dtype=float).reshape(np.shape(t))
    err = np.asarray(res.error, dtype=float).reshape(np.shape(t))
    return df, err


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
        self.beta_min = float(check_positive("beta_min", beta_min))
        self.beta_max = float(check_positive("beta_max", beta_max))
        if self.beta_max < self.beta_min:
            raise ValueError(
                f"beta_max={beta_max!r} < beta_min={beta_min!r}; the rule is beta_max >= beta_min"
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
            return 0.5 * self.beta(t) * np.exp(-self.integrated_beta(t)) / self._sigma(t)


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
        self.sigma_min = float(check_positive("sigma_min", sigma_min))
        self.sigma_max = float(check_positive("sigma_max", sigma_max))
        if self.sigma_max <= self.sigma_min:
            raise ValueError(
                f"sigma_max={sigma_max!r} <= sigma_min={sigma_min!r}; the rule is sigma_max > sigma_min"
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
        # σσ' = σ_min² r^{2t/T} ln r / T
        with np.errstate(divide="ignore"):
            return (
                self.sigma_min**2 * np.exp(2.0 * self._log_ratio * t / self.T) * self._log_ratio / self.T
            ) / self._sigma(t)


def endpoint_kl(schedule: Schedule, x0: ArrayLike) -> float:
    """KL(p_T(·|x_0) ‖ N(0, I)) for a Gaussian prior, p_T(·|x_0) = N(α_T x_0, σ_T² I).

    KL = ½ (d σ_T² + α_T² |x_0|² − d − d ln σ_T²). Averaged over x_0 this bounds the KL of the
    marginal p_T by convexity; it is 0 iff α_T = 0 and σ_T = 1.
    """
    x = np.atleast_2d(check_finite("x0", x0))
    d = x.shape[1]
    a = float(schedule.alpha(schedule.T))
    s2 = float(schedule.sigma(schedule.T)) ** 2
    return float(np.mean(0.5 * (d * s2 + a**2 * np.sum(x**2, axis=1) - d - d * np.log(s2))))


def endpoint_w2(schedule: Schedule, x0: ArrayLike) -> float:
    """W2(p_T, N(0, I)) bound by coupling x_T = α_T x_0 + σ_T z with z:
    W2² ≤ α_T² E|x_0|² + d (σ_T − 1)² (exact for a point mass)."""
    x = np.atleast_2d(check_finite("x0", x0))
    d = x.shape[1]
    a = float(schedule.alpha(schedule.T))
    s = float(schedule.sigma(schedule.T))
    return float(np.sqrt(a**2 * np.mean(np.sum(x**2, axis=1)) + d * (s - 1.0) ** 2))
