"""Stochastic differential equations dx = f_t(x) dt + g_t dW with scalar noise g_t I.

Their densities solve the Fokker–Planck equation ∂_t p = −∇·(f_t p) + ½ g_t² Δp (DESIGN.md).

Public names:

- :class:`SDE` — ``SDE(drift, diffusion, T=1.0)`` with a field ``drift(t, x)`` and a scalar
  ``diffusion(t)``; ``same_marginal(score, s)`` (CATALOGUE F1), ``probability_flow(score)``
  (F3), ``reverse(score, s=None)`` (F2, integrated from T down to 0), ``in_reverse_time()``;
  constructors ``SDE.from_gaussian_marginals(a, b)`` (S6, b a standard deviation),
  ``SDE.from_gaussian_marginals_variance(a, v)`` and ``SDE.from_schedule(schedule)``.
- :class:`LinearSDE` — f_t(x) = f_t x with p(x_t|x_0) = N(a_t x_0, b_t² I): ``mean_coeff``,
  ``std``, ``var``, ``marginal(data, t)``, ``score(data)``; built-ins :class:`VPSDE`,
  :class:`SubVPSDE`, :class:`VESDE`, :class:`OU`, :class:`GeometricNoiseSDE` (S1–S5) in
  :mod:`pdecheck._sde_linear`, re-exported here.
- :class:`ScoreDriftField` — the field f_t(x) − λ_t ∇log p_t(x) behind F1–F3, with a compiled
  kernel for built-in linear SDEs and exact mixture scores, and ``linear_coefficients(t, dim)``
  — (A_t, B_t) with f_t(x) = A_t x + B_t where it is linear in x (no score term, or data of one
  component), which integrators tabulate instead of calling the kernel.

**A name clash to keep apart** (CATALOGUE S6): DDPM's β_t is a *per-step variance*; the b_t of
p(x_t|x_0) = N(a_t x_0, b_t² I) here is a *standard deviation*; VP's β(t) is a *rate*
(g_t² = β(t)). The link is f_t = a_t'/a_t and g_t² = 2 a_t b_t (b_t/a_t)' for a standard
deviation b_t, or g_t² = a_t² (v_t/a_t²)' for a variance v_t. The naive g² = (b²)' is wrong
unless a_t is constant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import check_finite, check_positive
from pdecheck.densities import Density
from pdecheck.fields import CompiledField

if TYPE_CHECKING:
    from pdecheck._sde_linear import MarginalScore

__all__ = [
    "OU",
    "SDE",
    "VESDE",
    "VPSDE",
    "GeometricNoiseSDE",
    "LinearSDE",
    "MarginalScore",
    "ScoreDriftField",
    "SubVPSDE",
]

Array = NDArray[np.float64]
Field = Callable[[float, Array], Any]
ScalarFn = Callable[[Any], Any]

#: number of points of (0, T] at which diffusion coefficients are checked on construction
N_VALIDATE = 257


def _values(fn: ScalarFn, t: ArrayLike) -> Array:
    """fn at every t; a function written for scalars only is called point by point."""
    tt = np.asarray(t, dtype=float)
    try:
        out = np.asarray(fn(tt), dtype=float)
        if out.shape == tt.shape:
            return out
    except (TypeError, ValueError):
        pass
    flat = [float(fn(float(s))) for s in tt.ravel()]
    return np.asarray(flat, dtype=float).reshape(tt.shape)


def _check_nonneg_function(name: str, fn: Any, T: float) -> None:
    """A diffusion-like coefficient must be callable, finite and >= 0 on (0, T]."""
    if not callable(fn):
        raise TypeError(f"{name}={fn!r} must be a callable of t (a scalar function g(t))")
    t = np.linspace(0.0, T, N_VALIDATE)[1:]
    with np.errstate(all="ignore"):
        v = _values(fn, t)
    bad = ~np.isfinite(v) | (v < 0)
    if np.any(bad):
        k = int(np.argmax(bad))
        raise ValueError(
            f"{name}(t) = {float(v[k])!r} at t = {t[k]:.6g}; "
            f"the rule is {name}(t) finite and >= 0 on (0, T]"
        )


class SDE:
    """dx = f_t(x) dt + g_t dW on [0, T]; ``direction`` −1 means it is integrated from T down to
    0 (dx = f dt + g dW̄ with dt < 0, a reverse-time SDE)."""

    direction: int = 1

    def __init__(
        self, drift: Field, diffusion: ScalarFn, T: float = 1.0, *, name: str = "sde"
    ) -> None:
        if not callable(drift):
            raise TypeError(f"drift={drift!r} must be a field f(t, x) mapping (n, d) to (n, d)")
        self.T = float(check_positive("T", T))
        _check_nonneg_function("diffusion", diffusion, self.T)
        self.drift = drift
        self._g = diffusion
        self.name = name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()})"

    def _describe(self) -> str:
        return f"name={self.name!r}, T={self.T:g}"

    def diffusion(self, t: ArrayLike) -> Array:
        """g_t (vectorised)."""
        return _values(self._g, t)

    def g2(self, t: ArrayLike) -> Array:
        """g_t², the coefficient of ½ Δp in the Fokker–Planck equation."""
        return self.diffusion(t) ** 2

    # -- constructors (CATALOGUE S6) --------------------------------------------------------
    @staticmethod
    def from_gaussian_marginals(
        a: ScalarFn,
        b: ScalarFn,
        da: ScalarFn | None = None,
        db: ScalarFn | None = None,
        *,
        T: float = 1.0,
    ) -> LinearSDE:
        """The linear SDE with p(x_t|x_0) = N(a_t x_0, b_t² I), **b_t a standard deviation**:
        f_t = a_t'/a_t, g_t² = 2 a_t b_t (b_t/a_t)' (CATALOGUE S6). a_0 = 1, b_0 = 0 are
        required (a transition kernel starts at δ); missing derivatives are computed as in
        :meth:`pdecheck.schedules.Schedule.from_functions`, supplied ones are checked."""
        from pdecheck._sde_linear import GaussianLinkSDE
        from pdecheck.schedules import Schedule

        return GaussianLinkSDE.from_schedule(
            Schedule.from_functions(a, b, da, db, T=T, name="S6 link")
        )

    @staticmethod
    def from_gaussian_marginals_variance(
        a: ScalarFn,
        v: ScalarFn,
        da: ScalarFn | None = None,
        dv: ScalarFn | None = None,
        *,
        T: float = 1.0,
    ) -> LinearSDE:
        """As :meth:`from_gaussian_marginals` with a **variance** v_t = b_t² (DDPM's 1 − ᾱ_t):
        g_t² = a_t² (v_t/a_t²)' = v_t' − 2 f_t v_t (CATALOGUE S6)."""
        from pdecheck._sde_linear import GaussianLinkSDE
        from pdecheck.schedules import Schedule

        def std(t: Array) -> Array:
            return np.sqrt(np.asarray(v(t), dtype=float))

        def dstd(t: Array) -> Array:
            assert dv is not None
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.asarray(dv(t), dtype=float) / (2.0 * std(t))

        schedule = Schedule.from_functions(
            a, std, da, None if dv is None else dstd, T=T, name="S6 link"
        )
        return GaussianLinkSDE(schedule.alpha, schedule.dalpha, v, dv, T=T)

    @staticmethod
    def from_schedule(schedule: Any) -> LinearSDE:
        """The linear SDE whose transition kernel is N(α_t x_0, σ_t² I) for a
        :class:`~pdecheck.schedules.Schedule` (S6 with a = α, b = σ)."""
        from pdecheck._sde_linear import GaussianLinkSDE

        return GaussianLinkSDE.from_schedule(schedule)

    # -- the same-marginal family (CATALOGUE F1–F3) -----------------------------------------
    def same_marginal(self, score: Field, s: float | ScalarFn) -> SDE:
        """dx = [f_t − ½(g_t² − s_t²)∇log p_t] dt + s_t dW has the marginals p_t of this SDE for
        **any** s_t >= 0 (CATALOGUE F1; no bound s_t <= g_t is needed)."""
        s_fn, s_const = _noise("s", s)
        drift = ScoreDriftField(
            self, _check_score(score), c_g=0.5, s=s_fn, c_s=-0.5, s_const=s_const
        )
        return SDE(drift, s_fn, self.T, name=f"same-marginal({self.name})")

    def probability_flow(self, score: Field) -> ScoreDriftField:
        """The probability-flow ODE field f_t − ½ g_t² ∇log p_t (CATALOGUE F3, s = 0)."""
        return ScoreDriftField(self, _check_score(score), c_g=0.5)

    def reverse(self, score: Field, s: float | ScalarFn | None = None) -> SDE:
        """dx = [f_t − ½(g_t² + s_t²)∇log p_t] dt + s_t dW̄, integrated from T down to 0,
        reproduces p_t for any s_t >= 0 (CATALOGUE F2); s = None means s = g, the classical
        reverse SDE dx = (f − g²∇log p) dt + g dW̄. The result has ``direction`` = −1; its
        ``in_reverse_time()`` is a forward SDE in τ = T − t."""
        if s is None:
            drift = ScoreDriftField(self, _check_score(score), c_g=1.0)
            out = SDE(drift, self._g, self.T, name=f"reverse({self.name})")
        else:
            s_fn, s_const = _noise("s", s)
            drift = ScoreDriftField(
                self, _check_score(score), c_g=0.5, s=s_fn, c_s=0.5, s_const=s_const
            )
            out = SDE(drift, s_fn, self.T, name=f"reverse({self.name}, s)")
        out.direction = -1
        return out

    def in_reverse_time(self) -> SDE:
        """The same law written in τ = T − t: drift −f_{T−τ}(x), diffusion g_{T−τ}. For a
        reverse SDE (``direction`` −1) this is a forward SDE whose Fokker–Planck equation in τ is
        that of p_{T−τ} (CATALOGUE F2, "treated as a forward PDE in τ")."""
        drift = TimeReversedField(self.drift, self.T)
        out = SDE(drift, lambda tau: self.diffusion(self.T - np.asarray(tau, dtype=float)), self.T)
        out.name = f"{self.name} in reverse time"
        out.direction = -self.direction
        return out


def _check_score(score: Any) -> Field:
    if not callable(score):
        raise TypeError(
            f"score={score!r} must be a callable (t, x) -> grad log p_t(x) of shape (n, d)"
        )
    return score


def _noise(name: str, s: Any) -> tuple[ScalarFn, float | None]:
    """A noise level s_t >= 0 given as a number (constant) or a function of t."""
    if callable(s):
        return s, None
    if isinstance(s, bool) or not isinstance(s, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name}={s!r} must be a number >= 0 or a callable of t")
    value = float(check_positive(name, s, strict=False))
    return (lambda t: np.full(np.shape(t), value) if np.ndim(t) else value), value


class ScoreDriftField:
    """f_t(x) − λ_t ∇log p_t(x) with λ_t = c_g g_t² + c_s s_t² (CATALOGUE F1–F3).

    ``compiled()`` exists when the SDE is a built-in linear SDE, the score is the exact
    :class:`MarginalScore` of point or Gaussian-mixture data (or there is no score term) and s
    is a constant; otherwise it returns None and the NumPy path is used.
    """

    def __init__(
        self,
        sde: SDE,
        score: Field | None = None,
        *,
        c_g: float = 0.0,
        s: ScalarFn | None = None,
        c_s: float = 0.0,
        s_const: float | None = None,
    ) -> None:
        self.sde, self.score = sde, score
        self.c_g, self.c_s, self.s, self.s_const = float(c_g), float(c_s), s, s_const
        from pdecheck._sde_linear import score_drift_divergence

        #: ∇·f, (t, x) -> (n,), where closed-form (``_sde_linear.score_drift_divergence``)
        self.divergence = score_drift_divergence(self)

    def __repr__(self) -> str:
        return f"ScoreDriftField({self.sde!r}, c_g={self.c_g:g}, c_s={self.c_s:g})"

    def weight(self, t: float) -> float:
        """λ_t = c_g g_t² + c_s s_t²."""
        lam = self.c_g * float(self.sde.g2(t)) if self.c_g else 0.0
        if self.c_s and self.s is not None:
            lam += self.c_s * float(_values(self.s, t)) ** 2
        return lam

    def __call__(self, t: float, x: ArrayLike) -> Array:
        pts = np.asarray(x, dtype=float)
        if isinstance(self.sde, LinearSDE) and self.sde.drift is self:  # f_t x itself
            return float(self.sde.drift_coeff(t)) * pts
        base = np.asarray(self.sde.drift(t, pts), dtype=float)
        if self.score is None or (self.c_g == 0.0 and self.c_s == 0.0):
            return base
        lam = self.weight(t)  # λ_t = 0 (g_0 = 0, sub-VP) times an undefined score stays NaN
        grad = np.asarray(self.score(t, pts), dtype=float).reshape(base.shape)
        return np.asarray(base - lam * grad, dtype=float)

    def compiled(self) -> CompiledField | None:
        from pdecheck._sde_linear import compiled_score_drift

        return compiled_score_drift(self, reverse=False)

    def linear_coefficients(self, t: ArrayLike, dim: int) -> tuple[Array, Array] | None:
        """(A, B) with f_{t_k}(x) = A[k] x + B[k] at the times t (A (m,), B (m, dim)) where
        the compiled field is linear in x — no score term (bit for bit the kernel's values) or
        data of one component (to round-off) — else None. Integrators use the table instead of
        calling the kernel (``pdecheck._sde_linear.linear_drift_coefficients``)."""
        from pdecheck._sde_linear import linear_drift_coefficients

        return linear_drift_coefficients(self, np.asarray(t, dtype=float), dim, reverse=False)


class TimeReversedField:
    """τ ↦ −f_{T−τ}(x): a field written in reverse time τ = T − t."""

    def __init__(self, field: Field, T: float) -> None:
        self.field, self.T = field, float(T)
        forward = getattr(field, "divergence", None)
        #: ∇·(−f_{T−τ}) = −(∇·f)_{T−τ} where the field has an exact divergence, else None
        self.divergence: Callable[[float, ArrayLike], Array] | None = (
            None if forward is None else lambda tau, x: -forward(self.T - float(tau), x)
        )

    def __call__(self, tau: float, x: ArrayLike) -> Array:
        pts = np.asarray(x, dtype=float)
        out: Array = np.asarray(self.field(self.T - float(tau), pts), dtype=np.float64)
        return -out

    def compiled(self) -> CompiledField | None:
        if not isinstance(self.field, ScoreDriftField):
            return None
        from pdecheck._sde_linear import compiled_score_drift

        return compiled_score_drift(self.field, reverse=True)

    def linear_coefficients(self, t: ArrayLike, dim: int) -> tuple[Array, Array] | None:
        """As :meth:`ScoreDriftField.linear_coefficients`, for −f_{T−τ}."""
        if not isinstance(self.field, ScoreDriftField):
            return None
        from pdecheck._sde_linear import linear_drift_coefficients

        return linear_drift_coefficients(self.field, np.asarray(t, dtype=float), dim, reverse=True)


class LinearSDE(SDE):
    """dx = f_t x dt + g_t dW, with p(x_t|x_0) = N(a_t x_0, b_t² I) (CATALOGUE B.4).

    Subclasses give ``drift_coeff`` f_t, ``g2`` g_t², ``mean_coeff`` a_t and ``var`` b_t².
    """

    #: kind of the compiled evaluation (``pdecheck._jit.sde.linear_sde_coeffs``); −1: none
    jit_kind: int = -1
    #: coefficients independent of t (OU): T is then only a nominal horizon and the marginals
    #: exist for every t >= 0
    time_homogeneous: bool = False

    def __init__(self, T: float = 1.0, *, name: str = "linear") -> None:
        super().__init__(ScoreDriftField(self), self._diffusion, T, name=name)

    def _diffusion(self, t: ArrayLike) -> Array:
        return np.sqrt(self.g2(t))

    def drift_coeff(self, t: ArrayLike) -> Array:
        raise NotImplementedError

    def g2(self, t: ArrayLike) -> Array:
        raise NotImplementedError

    def mean_coeff(self, t: ArrayLike) -> Array:
        """a_t, the mean of p(x_t|x_0) is a_t x_0."""
        raise NotImplementedError

    def var(self, t: ArrayLike) -> Array:
        """b_t², the variance per coordinate of p(x_t|x_0)."""
        raise NotImplementedError

    def std(self, t: ArrayLike) -> Array:
        """b_t, the standard deviation of p(x_t|x_0)."""
        return np.sqrt(self.var(t))

    def jit_spec(self) -> tuple[int, Array] | None:
        """(kind, parameters) of the compiled coefficients, or None."""
        return None

    def marginal(self, data: Density, t: float) -> Density:
        """The exact p_t for point, Gaussian or Gaussian-mixture data p_0 (B.4: p_0 = Σ w_k
        N(m_k, V_k) gives p_t = Σ w_k N(a_t m_k, a_t² V_k + b_t²)); p_0 itself at t = 0.
        t lies in [0, T], or in [0, ∞) for a time-homogeneous SDE."""
        from pdecheck._sde_linear import propagate

        tt = float(check_finite("t", t))
        if self.time_homogeneous and tt < 0.0:
            raise ValueError(f"t={t!r} must lie in [0, inf) (a time-homogeneous SDE)")
        if not self.time_homogeneous and not 0.0 <= tt <= self.T:
            raise ValueError(f"t={t!r} must lie in [0, T] = [0, {self.T:g}]")
        return propagate(data, float(self.mean_coeff(tt)), float(self.var(tt)))

    def score(self, data: Density) -> MarginalScore:
        """The exact score (t, x) ↦ ∇log p_t(x) of the marginals from ``data``."""
        from pdecheck._sde_linear import MarginalScore

        return MarginalScore(self, data)


from pdecheck._sde_linear import (  # noqa: E402
    OU,
    VESDE,
    VPSDE,
    GeometricNoiseSDE,
    MarginalScore,
    SubVPSDE,
)
