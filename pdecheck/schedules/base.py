"""The :class:`Schedule` base class: evaluation, validation on construction, constructors.

A schedule is validated on a dense grid of [0, T]: α_0 = 1, σ_0 = 0, σ_t > 0 for t > 0 and finite
values (derivatives on (0, T]); a failure raises ``ValueError`` naming the condition, the
schedule and the offending t.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, as_floats, check_positive

if TYPE_CHECKING:
    from pdecheck.schedules.user import FunctionSchedule

__all__ = ["Array", "ScalarFn", "Schedule"]

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

    def sigma_dsigma(self, t: ArrayLike) -> Array:
        """σ_t σ'_t = ½ d(σ²)/dt, finite at t = 0 where σ' = ∞ (VP, VE): the coefficient of
        the prior's variance in the Gaussian-data field (CATALOGUE A4)."""
        return self._eval(self._sigma_dsigma, t)

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

    def _sigma_dsigma(self, t: Array) -> Array:
        """σσ' as a product; schedules whose σ' is infinite at t = 0 override it."""
        return self._sigma(t) * self._dsigma(t)

    # -- helpers ------------------------------------------------------------------------
    def _eval(self, fn: Callable[[Array], Array], t: ArrayLike) -> Array:
        """fn at t in [0, T]; a time outside (or NaN) raises: a schedule is not extrapolated."""
        tt = as_floats("t", t)
        outside = ~((tt >= 0.0) & (tt <= self.T))
        if np.any(outside):
            first = f" (first offender {float(tt[outside][0])!r})" if tt.ndim else ""
            raise ValueError(
                f"t={_short(t)} is outside the time range of schedule {self!r}{first}; the rule "
                f"is 0 <= t <= T = {self.T:g}"
            )
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
        from pdecheck.schedules.user import FunctionSchedule

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

        from pdecheck.schedules.user import FunctionSchedule

        return FunctionSchedule(
            flip(alpha),
            flip(sigma),
            flip_derivative(dalpha),
            flip_derivative(dsigma),
            T=1.0,
            name=name,
        )
