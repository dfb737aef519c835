"""Linear transport with exact Gaussian(-mixture) solutions (CATALOGUE B.7): L1–L4.

For dx/dt = A x a Gaussian N(m, C) stays Gaussian: m_t = e^{At} m, C_t = e^{At} C e^{Aᵀt}
(CATALOGUE L1 with G = 0). L1 uses a spiral A, L2 the rotation A = ω[[0, −1], [1, 0]] applied
to a two-component mixture (p_t(x) = p_0(R_{−ωt}x)), L3 the shear A = [[0, γ], [0, 0]]
(p_t = p_0(x − γty, y)); L4 is the 1-D Burgers-like scaling f = a x/(1 + a t), s_t = 1 + a t.

All four fields are :class:`LinearField` f_t(x) = A x/(1 + c t), with the compiled kernel
:func:`pdecheck._jit.linear.linear_field` (c = 0 for L1–L3, A = c = a for L4).

Public names: :class:`FullGaussian` (a Gaussian with full covariance), :class:`LinearField`,
:class:`LinearFlow`, cases L1–L4.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg, special, stats

from pdecheck._validate import _short, check_finite
from pdecheck.cases import Case, Problem, register
from pdecheck.densities import Density, Gaussian
from pdecheck.exact._domain import domain_over
from pdecheck.fields import CompiledField

__all__ = ["FullGaussian", "LinearField", "LinearFlow"]

Array = NDArray[np.float64]
#: a covariance may be asymmetric by this much relative to its largest entry (round-off)
SYMMETRY_RTOL = 1e-12


class FullGaussian(Density):
    """N(mean, cov) with a full covariance; box probabilities by scipy's multivariate normal
    CDF (Genz's bivariate algorithm in 2-D, accurate to about 1e-15).

    ``mean`` must be finite and ``cov`` a finite (d, d) matrix, symmetric to
    :data:`SYMMETRY_RTOL` relative to max|cov| and positive definite (see
    :func:`_check_covariance`); the score (through cov⁻¹) and the pdf (scipy, which reads one
    triangle) then describe the same law."""

    def __init__(self, mean: ArrayLike, cov: ArrayLike) -> None:
        self.loc = check_finite("mean", mean).reshape(-1)
        self.dim = self.loc.size
        if self.dim == 0:
            raise ValueError("mean=[] is empty; it must have one entry per coordinate")
        self.covariance = _check_covariance(cov, self.dim)
        self._law = stats.multivariate_normal(self.loc, self.covariance)
        self._precision = np.linalg.inv(self.covariance)

    def __repr__(self) -> str:
        return f"FullGaussian(mean={self.loc}, cov={self.covariance.tolist()})"

    def logpdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        return np.atleast_1d(np.asarray(self._law.logpdf(pts), dtype=float))

    def score(self, x: ArrayLike) -> Array:
        pts, flat = self._points(x)
        out = -(pts - self.loc) @ self._precision
        return out[:, 0] if flat else out

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        lo, hi = self._boxes(lower, upper)
        vals = [self._law.cdf(h, lower_limit=low) for low, h in zip(lo, hi, strict=True)]
        return np.clip(np.asarray(vals, dtype=float), 0.0, 1.0)

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        return rng.multivariate_normal(self.loc, self.covariance, size=n)

    def mean(self) -> Array:
        return self.loc.copy()

    def cov(self) -> Array:
        return self.covariance.copy()

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        half = float(special.ndtri(1.0 - tol / (2 * self.dim))) * np.sqrt(np.diag(self.covariance))
        return self.loc - half, self.loc + half


def _check_covariance(cov: ArrayLike, dim: int) -> Array:
    """``cov`` as a (dim, dim) float array, symmetrised, or ``ValueError`` naming it: finite,
    |cov − covᵀ| <= SYMMETRY_RTOL · max|cov| entrywise, and every eigenvalue above
    1e6 · machine ε times the largest (scipy's cutoff below which it calls a covariance
    singular)."""
    c = check_finite("cov", cov)
    if c.size != dim * dim:
        raise ValueError(
            f"cov has shape {c.shape}; it must be ({dim}, {dim}) for mean of size {dim}"
        )
    c = c.reshape(dim, dim)
    asym = float(np.max(np.abs(c - c.T)))
    if asym > SYMMETRY_RTOL * float(np.max(np.abs(c))):
        raise ValueError(
            f"cov={_short(c)} is not symmetric (max |cov − covᵀ| = {asym:.3g}); the rule is "
            f"cov = covᵀ to {SYMMETRY_RTOL:g} relative to max|cov|"
        )
    c = 0.5 * (c + c.T)
    eig = np.linalg.eigvalsh(c)
    cutoff = 1e6 * np.finfo(float).eps * float(np.max(np.abs(eig)))
    if not eig[0] > cutoff:
        raise ValueError(
            f"cov={_short(c)} is not positive definite (smallest eigenvalue {eig[0]:.3g}, "
            f"largest {eig[-1]:.3g}); the rule is every eigenvalue > {cutoff:.3g} "
            "(1e6 · machine ε times the largest)"
        )
    return c


class LinearField:
    """f_t(x) = A x/(1 + c t) (``rate`` c = 0: a constant matrix), with a compiled kernel.
    Where 1 + c t = 0 the field is undefined: NaN in both the NumPy and the compiled path."""

    def __init__(self, A: ArrayLike, rate: float = 0.0) -> None:
        self.A = np.asarray(A, dtype=float)
        self.rate = float(rate)
        self.dim = self.A.shape[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(A={self.A.tolist()}, rate={self.rate:g})"

    def __call__(self, t: float, x: Array) -> Array:
        """f(t, x) = A x/(1 + c t)."""
        scale = 1.0 + self.rate * float(t)
        y = np.asarray(x, dtype=float) @ self.A.T
        return np.full_like(y, np.nan) if scale == 0.0 else y / scale

    def compiled(self) -> CompiledField:
        """:func:`pdecheck._jit.linear.linear_field` with [c, A]."""
        from pdecheck._jit.linear import linear_field, pack_linear

        return CompiledField(linear_field, pack_linear(self.A, self.rate), self.dim)


class LinearFlow(LinearField):
    """f(x) = A x with p_0 = Σ_k w_k N(m_k, C_k): p_t = Σ_k w_k N(e^{At}m_k, e^{At}C_k e^{Aᵀt})."""

    def __init__(self, A: ArrayLike, means: ArrayLike, covs: ArrayLike, weights: ArrayLike) -> None:
        super().__init__(A)
        self.means = np.asarray(means, dtype=float)
        self.covs = np.asarray(covs, dtype=float)
        self.weights = np.asarray(weights, dtype=float)

    def marginal(self, t: float) -> Density:
        from pdecheck.paths import Mixture

        prop = linalg.expm(self.A * t)
        parts = [
            FullGaussian(prop @ m, prop @ c @ prop.T)
            for m, c in zip(self.means, self.covs, strict=True)
        ]
        return parts[0] if len(parts) == 1 else Mixture(parts, self.weights)


def _linear_problem(flow: LinearFlow, span: tuple[float, float]) -> Problem:
    return Problem(
        drift=flow,
        initial=flow.marginal(span[0]),
        t_span=span,
        marginal=flow.marginal,
        score=lambda t, x: flow.marginal(t).score(x),
        domain=domain_over(flow.marginal, span),
        notes={"A": flow.A},
    )


L1_FLOW = LinearFlow([[-0.5, -1.0], [1.0, -0.2]], [[1.0, 0.5]], [[[0.3, 0.1], [0.1, 0.2]]], [1.0])
L2_OMEGA = 2.0
L2_FLOW = LinearFlow(
    [[0.0, -L2_OMEGA], [L2_OMEGA, 0.0]],
    [[1.0, 0.0], [-0.5, 0.8]],
    [np.eye(2) * 0.09, np.eye(2) * 0.04],
    [0.6, 0.4],
)
L3_SHEAR = 1.5
L3_FLOW = LinearFlow([[0.0, L3_SHEAR], [0.0, 0.0]], [[0.0, 0.5]], [np.eye(2) * 0.25], [1.0])

L4_RATE = -0.8
L4_INITIAL = (0.5, 0.4)


def _l4_scale(t: float) -> float:
    """s_t = exp∫a = 1 + a t for a(t) = a/(1 + a t) (CATALOGUE L4)."""
    return 1.0 + L4_RATE * t


#: f = a x/(1 + a t) (CATALOGUE L4)
L4_FIELD = LinearField([[L4_RATE]], rate=L4_RATE)


def _l4_marginal(t: float) -> Density:
    """p_t(x) = p_0(x/s_t)/s_t with p_0 = N(0.5, 0.4²)."""
    s = _l4_scale(t)
    return Gaussian(L4_INITIAL[0] * s, L4_INITIAL[1] * s)


def _build_l4() -> Problem:
    span = (0.0, 1.0)
    return Problem(
        drift=L4_FIELD,
        initial=_l4_marginal(0.0),
        t_span=span,
        marginal=_l4_marginal,
        score=lambda t, x: _l4_marginal(t).score(x),
        domain=domain_over(_l4_marginal, span),
        notes={"a": L4_RATE},
    )


def _builder(flow: LinearFlow, span: tuple[float, float]) -> Any:
    return lambda: _linear_problem(flow, span)


for _case in (
    Case(
        "L1",
        "linear spiral drift f = A x on a correlated Gaussian, 2-D",
        "rotation with contraction: off-diagonal covariance",
        "continuity",
        2,
        _builder(L1_FLOW, (0.0, 2.0)),
    ),
    Case(
        "L2",
        "rotation f = ω(−y, x) of a two-component mixture, 2-D",
        "phase error of transport; velocities are not unique (compare densities)",
        "continuity",
        2,
        _builder(L2_FLOW, (0.0, 1.0)),
    ),
    Case(
        "L3",
        "shear f = (γy, 0) of a Gaussian, 2-D",
        "filaments: gradients grow like γt",
        "continuity",
        2,
        _builder(L3_FLOW, (0.0, 2.0)),
    ),
    Case(
        "L4",
        "1-D scaling f = a x/(1 + a t), a = −0.8 (Burgers-like collapse)",
        "the density collapses to δ at t = 1/|a| = 1.25: steep, narrow at t = 1",
        "continuity",
        1,
        _build_l4,
    ),
):
    register(_case)
