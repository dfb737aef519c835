"""The built-in linear SDEs of pdecheck.sde (CATALOGUE B.4) and their exact marginals.

Every SDE here is dx = f_t x dt + g_t dW with p(x_t|x_0) = N(a_t x_0, b_t² I):

- :class:`VPSDE` (S2), :class:`SubVPSDE` (S4), :class:`VESDE` (S3), :class:`OU` (S1),
  :class:`GeometricNoiseSDE` (S5: dx = σ^t dW), each with closed forms and a compiled kind;
- :class:`GaussianLinkSDE` (S6): any (a_t, b_t) through the link f = a'/a, g² = b²' − 2 f b²;
- :class:`MarginalScore` — the exact score of the marginals from mixture data;
- :func:`propagate` — p_0 ↦ p_t for point, Gaussian and Gaussian-mixture data;
- :func:`score_drift_params` and :func:`compiled_score_drift` — the compiled form of a
  :class:`~pdecheck.sde.ScoreDriftField`; :func:`score_drift_divergence` its exact divergence;
- :func:`linear_drift_coefficients` — the same field as A_t x + B_t on a time grid, where it is
  linear in x (the integrators' tabulated fast path).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import check_ordered_pair, check_positive
from pdecheck.densities import Density, Gaussian, GaussianMixture, PointMixture
from pdecheck.fields import CompiledField
from pdecheck.sde import LinearSDE, ScalarFn, ScoreDriftField

Array = NDArray[np.float64]


def _arr(t: ArrayLike) -> Array:
    return np.asarray(t, dtype=float)


class _LinearBetaSDE(LinearSDE):
    """Shared piece of VP and sub-VP: β(t) = β_min + (t/T)(β_max − β_min), B(t) = ∫_0^t β,
    f_t = −½β(t), a_t = e^{−B/2}."""

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0, T: float = 1.0) -> None:
        self.beta_min, self.beta_max = check_ordered_pair(
            "beta_min", beta_min, "beta_max", beta_max, strict=False, low_zero=True
        )
        super().__init__(T, name=type(self).__name__)

    def _describe(self) -> str:
        return f"beta_min={self.beta_min:g}, beta_max={self.beta_max:g}, T={self.T:g}"

    def jit_spec(self) -> tuple[int, Array] | None:
        return self.jit_kind, np.array([self.T, self.beta_min, self.beta_max])

    def beta(self, t: ArrayLike) -> Array:
        """β(t), the rate (not DDPM's per-step variance)."""
        return self.beta_min + _arr(t) / self.T * (self.beta_max - self.beta_min)

    def integrated_beta(self, t: ArrayLike) -> Array:
        """B(t) = β_min t + ½(β_max − β_min) t²/T."""
        tt = _arr(t)
        return self.beta_min * tt + 0.5 * (self.beta_max - self.beta_min) * tt**2 / self.T

    def drift_coeff(self, t: ArrayLike) -> Array:
        return -0.5 * self.beta(t)

    def mean_coeff(self, t: ArrayLike) -> Array:
        return np.exp(-0.5 * self.integrated_beta(t))


class VPSDE(_LinearBetaSDE):
    """Variance preserving (CATALOGUE S2): f = −½β(t) x, g² = β(t); p(x_t|x_0) =
    N(x_0 e^{−B/2}, 1 − e^{−B}). With β_max = 20, a_1 ≈ 0.0066: p_1 ≠ N(0, 1)."""

    jit_kind = 0

    def g2(self, t: ArrayLike) -> Array:
        return self.beta(t)

    def var(self, t: ArrayLike) -> Array:
        return -np.expm1(-self.integrated_beta(t))


class SubVPSDE(_LinearBetaSDE):
    """sub-VP (CATALOGUE S4): f = −½β x, g² = β(1 − e^{−2B}); std of p(x_t|x_0) is 1 − e^{−B}.
    g² ≈ 2β_min² t → 0 at t = 0 (degenerate diffusion)."""

    jit_kind = 1

    def g2(self, t: ArrayLike) -> Array:
        return -self.beta(t) * np.expm1(-2.0 * self.integrated_beta(t))

    def var(self, t: ArrayLike) -> Array:
        return np.expm1(-self.integrated_beta(t)) ** 2


class VESDE(LinearSDE):
    """Variance exploding (CATALOGUE S3): f = 0, σ(t) = σ_min (σ_max/σ_min)^{t/T},
    g² = dσ(t)²/dt = 2σ(t)² ln(σ_max/σ_min)/T. From a point mass the **exact** variance is
    σ(t)² − σ_min²; score_sde's N(x_0, σ(t)²) is exact only for σ_min-smoothed data."""

    jit_kind = 2

    def __init__(self, sigma_min: float = 0.01, sigma_max: float = 50.0, T: float = 1.0) -> None:
        self.sigma_min, self.sigma_max = check_ordered_pair(
            "sigma_min", sigma_min, "sigma_max", sigma_max, strict=True
        )
        self._lr = float(np.log(self.sigma_max / self.sigma_min))
        super().__init__(T, name="VESDE")

    def _describe(self) -> str:
        return f"sigma_min={self.sigma_min:g}, sigma_max={self.sigma_max:g}, T={self.T:g}"

    def jit_spec(self) -> tuple[int, Array] | None:
        return self.jit_kind, np.array([self.T, self.sigma_min, self.sigma_max])

    def sde_sigma(self, t: ArrayLike) -> Array:
        """σ(t) = σ_min (σ_max/σ_min)^{t/T} — score_sde's ``marginal_prob`` std (see class doc)."""
        return self.sigma_min * np.exp(self._lr * _arr(t) / self.T)

    def drift_coeff(self, t: ArrayLike) -> Array:
        return np.zeros_like(_arr(t))

    def g2(self, t: ArrayLike) -> Array:
        return 2.0 * self.sde_sigma(t) ** 2 * self._lr / self.T

    def mean_coeff(self, t: ArrayLike) -> Array:
        return np.ones_like(_arr(t))

    def var(self, t: ArrayLike) -> Array:
        return self.sigma_min**2 * np.expm1(2.0 * self._lr * _arr(t) / self.T)


class OU(LinearSDE):
    """Ornstein–Uhlenbeck (CATALOGUE S1): dX = −θX dt + σ dW; p(x_t|x_0) =
    N(x_0 e^{−θt}, σ²(1 − e^{−2θt})/(2θ)), stationary N(0, σ²/(2θ)). Time-homogeneous: T is
    only the nominal horizon, the marginal exists for every t >= 0."""

    jit_kind = 3
    time_homogeneous = True

    def __init__(self, theta: float = 1.0, sigma: float = 1.0, T: float = 1.0) -> None:
        self.theta = float(check_positive("theta", theta))
        self.sigma = float(check_positive("sigma", sigma))
        super().__init__(T, name="OU")

    def _describe(self) -> str:
        return f"theta={self.theta:g}, sigma={self.sigma:g}, T={self.T:g}"

    def jit_spec(self) -> tuple[int, Array] | None:
        return self.jit_kind, np.array([self.T, self.theta, self.sigma])

    def drift_coeff(self, t: ArrayLike) -> Array:
        return np.full_like(_arr(t), -self.theta)

    def g2(self, t: ArrayLike) -> Array:
        return np.full_like(_arr(t), self.sigma**2)

    def mean_coeff(self, t: ArrayLike) -> Array:
        return np.exp(-self.theta * _arr(t))

    def var(self, t: ArrayLike) -> Array:
        return -(self.sigma**2) * np.expm1(-2.0 * self.theta * _arr(t)) / (2.0 * self.theta)


class GeometricNoiseSDE(LinearSDE):
    """dx = σ^t dW (CATALOGUE S5, the score-SDE tutorial's SDE): f = 0, g² = σ^{2t},
    p(x_t|x_0) = N(x_0, (σ^{2t} − 1)/(2 ln σ)); with σ = 25 the std at t = 1 is ≈ 9.8."""

    jit_kind = 4

    def __init__(self, sigma: float = 25.0, T: float = 1.0) -> None:
        self.sigma = float(check_positive("sigma", sigma))
        self._ls = float(np.log(self.sigma))
        super().__init__(T, name="GeometricNoiseSDE")

    def _describe(self) -> str:
        return f"sigma={self.sigma:g}, T={self.T:g}"

    def jit_spec(self) -> tuple[int, Array] | None:
        return self.jit_kind, np.array([self.T, self.sigma])

    def drift_coeff(self, t: ArrayLike) -> Array:
        return np.zeros_like(_arr(t))

    def g2(self, t: ArrayLike) -> Array:
        return np.exp(2.0 * self._ls * _arr(t))

    def mean_coeff(self, t: ArrayLike) -> Array:
        return np.ones_like(_arr(t))

    def var(self, t: ArrayLike) -> Array:
        tt = _arr(t)
        return tt.copy() if self._ls == 0.0 else np.expm1(2.0 * self._ls * tt) / (2.0 * self._ls)


class GaussianLinkSDE(LinearSDE):
    """The SDE of given Gaussian transition kernels N(a_t x_0, v_t I) (CATALOGUE S6):
    f_t = a_t'/a_t and g_t² = a_t² (v_t/a_t²)' = v_t' − 2 f_t v_t (= 2 a_t b_t (b_t/a_t)' for
    v = b²). Built by :meth:`pdecheck.sde.SDE.from_gaussian_marginals` and its variants."""

    def __init__(
        self, a: ScalarFn, da: ScalarFn, v: ScalarFn, dv: ScalarFn | None, *, T: float = 1.0
    ) -> None:
        self._a, self._da, self._v = a, da, v
        self._dv = dv if dv is not None else self._dv_numeric
        super().__init__(T, name="S6 link")

    @classmethod
    def from_schedule(cls, schedule: Any) -> GaussianLinkSDE:
        """a = α, v = σ² from a :class:`~pdecheck.schedules.Schedule`, with v' = 2σσ'
        (:meth:`~pdecheck.schedules.Schedule.sigma_dsigma`, in closed form for VP and VE, where
        σ_0 = 0 and σ' ~ t^{−1/2}: VP gives v'(0) = β_min and g_0 = √β_min, not NaN).

        Where a user's schedule still gives 0·∞ there, v' is the limit, taken as the one-sided
        adaptive difference of the smooth v = σ² (``_numdiff``, relative accuracy ~1e-12)."""
        link: GaussianLinkSDE

        def dv(t: ArrayLike) -> Array:
            with np.errstate(invalid="ignore"):
                out = np.asarray(2.0 * schedule.sigma_dsigma(t), dtype=float)
            bad = ~np.isfinite(out)
            if np.any(bad):
                out = out.copy()
                out[bad] = link._dv_numeric(np.asarray(t, dtype=float)[bad])
            return out

        link = cls(
            schedule.alpha, schedule.dalpha, lambda t: schedule.sigma(t) ** 2, dv, T=schedule.T
        )
        return link

    def _dv_numeric(self, t: ArrayLike) -> Array:
        from pdecheck._numdiff import derivative as _derivative

        return _derivative(lambda s: np.asarray(self._v(s), dtype=float), _arr(t), self.T)[0]

    def drift_coeff(self, t: ArrayLike) -> Array:
        return np.asarray(self._da(t), dtype=float) / np.asarray(self._a(t), dtype=float)

    def g2(self, t: ArrayLike) -> Array:
        return np.asarray(self._dv(t), dtype=float) - 2.0 * self.drift_coeff(t) * self.var(t)

    def mean_coeff(self, t: ArrayLike) -> Array:
        return np.asarray(self._a(t), dtype=float)

    def var(self, t: ArrayLike) -> Array:
        return np.asarray(self._v(t), dtype=float)


class MarginalScore:
    """(t, x) ↦ ∇log p_t(x) for the exact marginals p_t of a linear SDE from ``data``."""

    def __init__(self, sde: LinearSDE, data: Density) -> None:
        self.sde, self.data = sde, data
        sde.marginal(data, sde.T)  # validates the data type once

    def __repr__(self) -> str:
        return f"MarginalScore({self.sde!r}, {self.data!r})"

    def __call__(self, t: float, x: ArrayLike) -> Array:
        """∇log p_t(x); NaN where p_t is atomic (point data at b_t = 0), as the compiled
        ``score_drift`` writes, so that callers flag it instead of failing."""
        pts = np.asarray(x, dtype=float)
        marginal = self.sde.marginal(self.data, t)
        if isinstance(marginal, PointMixture):
            return np.full(pts.shape, np.nan)
        out = marginal.score(pts.reshape(-1, self.data.dim))
        return np.asarray(out, dtype=float).reshape(pts.shape)

    def divergence(self, t: float, x: ArrayLike) -> Array:
        """∇·∇log p_t(x) = Δ log p_t(x), shape (n,) (``Density.laplacian_log`` of the exact
        marginal); NaN where p_t is atomic."""
        pts = np.asarray(x, dtype=float).reshape(-1, self.data.dim)
        marginal = self.sde.marginal(self.data, t)
        if isinstance(marginal, PointMixture):
            return np.full(pts.shape[0], np.nan)
        return np.asarray(marginal.laplacian_log(pts), dtype=float)


def propagate(data: Density, a: float, var: float) -> Density:
    """p_t for p_0 = ``data`` under x_t = a x_0 + √var ε (CATALOGUE B.4, "Gaussian-mixture
    data"): Σ w_k N(m_k, V_k) ↦ Σ w_k N(a m_k, a² V_k + var)."""
    if isinstance(data, PointMixture):
        if var == 0.0 and a == 1.0:
            return data
        return GaussianMixture(a * data.points, np.sqrt(var), data.weights)
    if isinstance(data, GaussianMixture):
        return GaussianMixture(a * data.means, np.sqrt(a**2 * data.stds**2 + var), data.weights)
    if isinstance(data, Gaussian):
        return Gaussian(a * data.loc, np.sqrt(a**2 * data.std**2 + var))
    raise TypeError(
        f"data={data!r} has no closed-form marginal; "
        "the rule is data a PointMixture, Gaussian or GaussianMixture"
    )


def mixture_components(data: Density) -> tuple[Array, Array, Array] | None:
    """(weights, means (k, d), variances (k,)) of isotropic mixture data, or None."""
    if isinstance(data, PointMixture):
        return data.weights, data.points, np.zeros(data.weights.size)
    if isinstance(data, GaussianMixture):
        return data.weights, data.means, data.stds**2
    if isinstance(data, Gaussian) and np.all(data.std == data.std[0]):
        return np.ones(1), data.loc.reshape(1, -1), data.std[:1] ** 2
    return None


def score_drift_divergence(field: ScoreDriftField) -> Any:
    """(t, x) ↦ ∇·f_t(x), shape (n,), for f = f_t x − λ_t ∇log p_t of a linear SDE: d f_t −
    λ_t Δ log p_t, where the score has a ``divergence`` (the exact :class:`MarginalScore`) or
    there is no score term; else None (integrators then take central differences for the
    log-density, seed eq. 12)."""
    sde, score = field.sde, field.score
    plain = score is None or (field.c_g == 0.0 and field.c_s == 0.0)
    if not isinstance(sde, LinearSDE) or not (plain or hasattr(score, "divergence")):
        return None

    def divergence(t: float, x: ArrayLike) -> Array:
        pts = np.asarray(x, dtype=float)
        n, d = (pts.shape[0], 1) if pts.ndim == 1 else pts.shape
        div = np.full(n, d * float(sde.drift_coeff(t)))
        if plain:
            return div
        laplacian: Array = np.asarray(score.divergence(t, pts), dtype=np.float64)  # type: ignore[union-attr]
        return div - field.weight(t) * laplacian

    return divergence


def score_drift_params(field: ScoreDriftField, *, reverse: bool) -> tuple[Array, int] | None:
    """The parameter vector of ``pdecheck._jit.sde.score_drift`` for this field and its
    dimension (0: any), or None when the field is outside what the kernel covers (see
    :class:`~pdecheck.sde.ScoreDriftField`). Compiles nothing."""
    sde = field.sde
    spec = sde.jit_spec() if isinstance(sde, LinearSDE) else None
    if spec is None:
        return None
    kind, params = spec
    if field.c_s != 0.0 and field.s_const is None:
        return None
    c_s = field.c_s * (field.s_const or 0.0) ** 2
    has_score = field.c_g != 0.0 or c_s != 0.0
    if has_score and not isinstance(field.score, MarginalScore):
        return None
    dim = 0
    comps: tuple[Array, Array, Array] | None = (np.zeros(0), np.zeros((0, 1)), np.zeros(0))
    if has_score:
        assert isinstance(field.score, MarginalScore)
        comps = mixture_components(field.score.data)
        dim = field.score.data.dim
    if comps is None:
        return None
    from pdecheck._jit.sde_coeffs import pack_score_drift

    w, m, v = comps
    packed = pack_score_drift(kind, params, field.c_g if has_score else 0.0, c_s, reverse, w, m, v)
    return packed, dim


def compiled_score_drift(field: ScoreDriftField, *, reverse: bool) -> CompiledField | None:
    """The kernel ``pdecheck._jit.sde.score_drift`` with this field's parameters
    (:func:`score_drift_params`), or None. A field without a score term works in every
    dimension: its ``dim`` is then 0."""
    spec = score_drift_params(field, reverse=reverse)
    if spec is None:
        return None
    from pdecheck._jit.sde import score_drift

    return CompiledField(score_drift, *spec)


def linear_drift_coefficients(
    field: ScoreDriftField, times: Array, dim: int, *, reverse: bool
) -> tuple[Array, Array] | None:
    """(A, B) with A[k] x + B[k] = f_{t_k}(x) for the compiled field
    (``pdecheck._jit.sde_coeffs.linear_drift_table``): A of shape (m,), B of shape (m, dim).
    None where the field has no compiled kernel or is not linear in x (mixture data of more
    than one component). Compiles the table only, not the field kernel."""
    spec = score_drift_params(field, reverse=reverse)
    if spec is None:
        return None
    params, field_dim = spec
    if int(params[4]) > 1 or (field_dim and field_dim != dim):
        return None
    from pdecheck._jit.sde_coeffs import linear_drift_table

    t = np.ascontiguousarray(times, dtype=float)
    A, B = np.empty(t.size), np.empty((t.size, dim))
    linear_drift_table(params, t, A, B)
    return A, B
