"""Schedules from a user's Python functions (``Schedule.from_functions``), with derivatives
estimated or checked by adaptive finite differences (:func:`pdecheck._numdiff.derivative`)."""

from __future__ import annotations

import numpy as np

from pdecheck._numdiff import derivative
from pdecheck._validate import check_positive, scalar_of_time
from pdecheck.schedules.base import Array, ScalarFn, Schedule

__all__ = ["DERIVATIVE_RTOL", "FunctionSchedule"]

#: relative tolerance of the check of user-supplied derivatives against finite differences
DERIVATIVE_RTOL = 1e-6


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
        for label, fn in (
            ("alpha", alpha),
            ("sigma", sigma),
            ("dalpha", dalpha),
            ("dsigma", dsigma),
        ):
            if fn is not None and not callable(fn):
                raise TypeError(f"{label}={fn!r} must be a callable of t")
        self.name = name
        self._fa, self._fs = alpha, sigma
        self._fda, self._fds = dalpha, dsigma
        self.T = float(check_positive("T", T))
        self._validate()
        for label, given, fn in (("dalpha", dalpha, alpha), ("dsigma", dsigma, sigma)):
            if given is not None:
                self._checkderivative(label, given, fn)

    def _describe(self) -> str:
        return f"name={self.name!r}, T={self.T:g}"

    def _alpha(self, t: Array) -> Array:
        return _values(self._fa, t, "alpha")

    def _sigma(self, t: Array) -> Array:
        return _values(self._fs, t, "sigma")

    def _dalpha(self, t: Array) -> Array:
        if self._fda is not None:
            return _values(self._fda, t, "dalpha")
        return derivative(self._alpha, t, self.T)[0]

    def _dsigma(self, t: Array) -> Array:
        if self._fds is not None:
            return _values(self._fds, t, "dsigma")
        return derivative(self._sigma, t, self.T)[0]

    def _sigma_dsigma(self, t: Array) -> Array:
        """σσ': σ times the supplied dsigma; without one, ½ d(σ²)/dt by the adaptive difference
        of σ², which stays smooth where σ ~ √t does not (VP written as a standard deviation):
        σ times a difference of σ is then off by 36 % at t = 1e-7 and 0 at t = 0."""
        if self._fds is not None:
            return self._sigma(t) * _values(self._fds, t, "dsigma")

        def variance(tt: Array) -> Array:
            return self._sigma(tt) ** 2

        return 0.5 * derivative(variance, t, self.T)[0]

    def _checkderivative(self, label: str, given: ScalarFn, fn: ScalarFn) -> None:
        t = np.linspace(0.0, self.T, 33)[1:-1]

        def value(tt: Array) -> Array:
            return _values(fn, tt, label[1:])

        estimate, error = derivative(value, t, self.T)
        supplied = _values(given, t, label)
        allowed = DERIVATIVE_RTOL * np.maximum(1.0, np.abs(estimate)) + 10.0 * error
        mismatch = np.abs(supplied - estimate)
        if np.any(mismatch > allowed):
            k = int(np.argmax(mismatch - allowed))
            raise ValueError(
                f"schedule {self!r}: the supplied {label}(t) = {supplied[k]:.10g} "
                f"at t = {t[k]:.6g} "
                f"but a finite-difference estimate gives {estimate[k]:.10g} (mismatch "
                f"{mismatch[k]:.3e} > allowed {allowed[k]:.3e}); the rule is that {label} is the "
                "derivative of the schedule"
            )


def _values(fn: ScalarFn, t: Array, name: str) -> Array:
    """fn at every t, shaped like t: one vectorised call, or, for a function of one number
    (``math.cos``, which refuses arrays with TypeError), one call per t, each checked to be a
    real number."""
    try:
        out = np.asarray(fn(t), dtype=float)
    except TypeError:
        one = scalar_of_time(fn, name)
        out = np.array([one(float(s)) for s in np.ravel(t)]).reshape(np.shape(t))
    return np.broadcast_to(out, np.shape(t))
