"""The :class:`Density` interface (scipy.stats verbs plus ``box_probability`` and ``bounds``)."""

from __future__ import annotations

import functools
import inspect
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import (
    _short,
    as_generator,
    as_points,
    check_count,
    check_finite,
    check_probability,
)

__all__ = ["Array", "Density"]

Array = NDArray[np.float64]


class Density:
    """Interface of every density: dimension ``dim`` and the scipy-like verbs."""

    dim: int
    #: False for atomic measures (point masses), which have no pdf or score
    has_pdf: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every subclass's ``bounds`` checks its ``tol`` first (0 < tol < 1), so no
        implementation has to, and none turns tol = 0, 3 or ``'a'`` into ±inf, NaN or a bare
        TypeError."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("bounds")
        if callable(own) and not getattr(own, "_checks_tol", False):
            cls.bounds = _checking_tol(own)  # type: ignore[method-assign]

    def pdf(self, x: ArrayLike) -> Array:
        return np.exp(self.logpdf(x))

    def logpdf(self, x: ArrayLike) -> Array:
        raise NotImplementedError

    def score(self, x: ArrayLike) -> Array:
        """∇_x log p(x), shape like x."""
        raise NotImplementedError

    def laplacian_log(self, x: ArrayLike) -> Array:
        """Δ log p(x) = ∇·∇log p(x), shape (n,): the divergence of the score (what the
        log-density of a probability-flow ODE integrates, seed eq. 12)."""
        raise NotImplementedError(f"{type(self).__name__} has no closed-form Δ log p")

    def cdf(self, x: ArrayLike) -> Array:
        """Cumulative distribution function (1-D densities only)."""
        self._require_1d("cdf")
        lo = np.full(np.shape(np.atleast_1d(x)), -np.inf)
        return self.box_probability(lo, np.atleast_1d(np.asarray(x, dtype=float)))

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        """P(lower < X <= upper) for boxes with corner arrays of shape (m, d) ((m,) in 1-D)."""
        raise NotImplementedError

    def sample(self, n: int, rng: Any) -> Array:
        """n independent samples, shape (n, d) (or (n,) in 1-D)."""
        gen = as_generator(rng)
        n = check_count("n", n)
        out = self._sample(n, gen)
        return out[:, 0] if self.dim == 1 else out

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        raise NotImplementedError

    def mean(self) -> Array:
        raise NotImplementedError

    def cov(self) -> Array:
        """Covariance matrix (d, d)."""
        raise NotImplementedError

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        """A box (lower, upper) outside which at most ``tol`` of the mass lies, read with the
        half-open convention of :meth:`box_probability`: ``box_probability(*bounds(tol))``
        is at least 1 − tol. ``tol`` must lie in the open interval (0, 1); subclasses get
        that check without writing it (see ``__init_subclass__``)."""
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------
    def _points(self, x: ArrayLike, name: str = "x") -> tuple[Array, bool]:
        return as_points(name, x, self.dim)

    def _require_1d(self, what: str) -> None:
        if self.dim != 1:
            raise ValueError(
                f"{what} is defined for 1-D densities only; this one has dim={self.dim}"
            )

    def _boxes(self, lower: ArrayLike, upper: ArrayLike) -> tuple[Array, Array]:
        lo, _ = as_points("lower", lower, self.dim)
        hi, _ = as_points("upper", upper, self.dim)
        if lo.shape != hi.shape:
            raise ValueError(
                f"lower has shape {lo.shape} but upper has {hi.shape}; they must agree"
            )
        return lo, hi


def _checking_tol(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` (a ``bounds``) with its ``tol`` checked by ``check_probability`` first; the
    signature, default and docstring stay those of ``method``."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def bounds(self: Density, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        if "tol" in bound.arguments:
            bound.arguments["tol"] = check_probability("tol", bound.arguments["tol"])
        return method(*bound.args, **bound.kwargs)

    bounds._checks_tol = True  # type: ignore[attr-defined]
    return bounds


def _numeric(name: str, value: Any) -> None:
    """Refuse a parameter that is not made of real numbers before NumPy would convert it:
    a string (``'2.0'``), a bool, None or an array of them raises ``TypeError`` naming it.
    Ints, floats, NumPy numbers and arrays of them pass (as in ``check_real``, for whole
    arrays)."""
    try:
        arr = np.asarray(value)
    except ValueError:  # a ragged sequence: as_floats names it
        return
    kind = arr.dtype.kind
    if kind == "O":
        ok = all(
            isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in arr.flat
        )
    else:
        ok = kind in "iuf"
    if not ok:
        raise TypeError(
            f"{name}={_short(value)} must be a real number or an array of real numbers "
            f"(ints or floats), not {type(value).__name__}"
            + (f" of {arr.dtype}" if isinstance(value, (list, tuple, np.ndarray)) else "")
        )


def _vector(name: str, value: ArrayLike, dim: int | None = None) -> Array:
    _numeric(name, value)
    arr = np.atleast_1d(check_finite(name, value)).astype(float)
    if arr.ndim != 1 or (dim is not None and arr.shape[0] not in (1, dim)):
        raise ValueError(f"{name}={_short(value)} must be a scalar or a vector of length {dim}")
    return arr if dim is None else np.broadcast_to(arr, (dim,)).copy()
