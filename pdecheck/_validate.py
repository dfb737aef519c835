"""Argument checks shared by every public entry point.

Each helper raises ``ValueError`` or ``TypeError`` whose message names the argument, the value
and the rule that it breaks (DESIGN.md, "Bad input").
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "as_floats",
    "as_generator",
    "as_points",
    "as_real",
    "check_count",
    "check_finite",
    "check_ordered_pair",
    "check_positive",
    "check_probability",
    "check_real",
    "check_seed",
    "choose",
    "scalar_of_time",
]


def _short(value: Any) -> str:
    """A compact repr for error messages."""
    try:
        text = (
            np.array2string(np.asarray(value), threshold=6, precision=6)
            if np.ndim(value)
            else repr(value)
        )
    except ValueError:  # a ragged sequence has no array form
        text = repr(value)
    text = " ".join(text.split())  # one line: rows of an array run on
    return text if len(text) < 120 else text[:117] + "..."


def as_real(name: str, value: Any) -> float:
    """A scalar argument as a float; a value that is not a real number raises an error of the
    same class as ``float``'s (ValueError for a string, TypeError for None) naming it."""
    try:
        if np.iscomplexobj(value):
            raise TypeError("complex")
        return float(value)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{name}={_short(value)} must be a real number") from None


def check_real(name: str, value: Any) -> float:
    """A scalar argument that must already be a number (int, float or a NumPy real): a string,
    a bool, None or an array raises ``TypeError`` naming it. For arguments where ``"2"`` is a
    slip, not an input (an order of convergence, a tolerance)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name}={_short(value)} must be a real number (an int or a float), "
            f"not {type(value).__name__}"
        )
    return float(value)


def scalar_of_time(func: Callable[..., Any], name: str) -> Callable[[float], float]:
    """t -> float(func(t)), refusing a value that is not one real number (an array, None, a
    complex number) with an error naming ``name``, t and the value."""

    def value(t: float) -> float:
        raw = func(t)
        if np.ndim(raw) != 0:
            raise TypeError(
                f"{name}(t={t!r}) returned {_short(raw)}; the rule is one real number for a "
                "scalar t"
            )
        return as_real(f"{name}(t={t!r})", raw)

    return value


def as_floats(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """An array argument as a float array; entries that are not real numbers (complex ones
    included: NumPy would drop their imaginary parts with only a warning), or a ragged
    sequence, raise an error of the class NumPy raises, naming the argument."""
    try:
        if np.iscomplexobj(value):
            raise TypeError("complex")
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise type(error)(
            f"{name}={_short(value)} must be a real number or a (rectangular) array of real numbers"
        ) from None


def choose(name: str, value: Any, known: Mapping[str, Any] | Sequence[str]) -> Any:
    """``known[value]`` (a mapping) or ``value`` (a sequence of names) for an option given by
    name; anything else (another name, a list, None) raises ``ValueError`` listing the names."""
    if not isinstance(value, str) or value not in known:
        raise ValueError(f"{name}={value!r} is not known; the known ones are {sorted(known)}")
    return known[value] if isinstance(known, Mapping) else value


def check_finite(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """Return ``value`` as a float array, or raise if any entry is NaN or infinite."""
    arr = as_floats(name, value)
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)]
        raise ValueError(
            f"{name}={_short(value)} contains {bad.size} non-finite value(s); it must be finite"
        )
    return arr


def check_positive(name: str, value: ArrayLike, *, strict: bool = True) -> NDArray[np.float64]:
    """Return ``value`` as a finite float array whose entries are > 0 (or >= 0 if not strict)."""
    arr = check_finite(name, value)
    ok = np.all(arr > 0) if strict else np.all(arr >= 0)
    if not ok:
        rule = "> 0" if strict else ">= 0"
        raise ValueError(f"{name}={_short(value)} must be {rule}")
    return arr


def check_count(name: str, value: Any) -> int:
    """A number of samples, steps or cells: a positive integer (bool is rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) <= 0:
        raise ValueError(f"{name}={value!r} must be a positive integer")
    return int(value)


def check_ordered_pair(
    low_name: str, low: Any, high_name: str, high: Any, *, strict: bool, low_zero: bool = False
) -> tuple[float, float]:
    """Two positive bounds with low < high (strict) or low <= high, e.g. (sigma_min, sigma_max);
    ``low_zero`` lets low be 0 (a rate β_min = 0), high stays > 0."""
    lo = float(check_positive(low_name, low, strict=not low_zero))
    hi = float(check_positive(high_name, high))
    if hi < lo or (strict and hi == lo):
        rule = ">" if strict else ">="
        raise ValueError(
            f"{high_name}={high!r} and {low_name}={low!r}; "
            f"the rule is {high_name} {rule} {low_name}"
        )
    return lo, hi


def check_probability(name: str, value: float) -> float:
    """A false-alarm rate or any other probability strictly inside (0, 1)."""
    if not isinstance(value, numbers.Real) or not 0.0 < float(value) < 1.0:
        raise ValueError(f"{name}={value!r} must be a probability in the open interval (0, 1)")
    return float(value)


def check_seed(name: str, value: Any) -> int:
    """A seed must be a non-negative integer (bool is rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise TypeError(f"{name}={value!r} must be a non-negative integer seed")
    return int(value)


def as_generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """Accept a ``numpy.random.Generator`` or an integer seed (scipy.stats' ``random_state``)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        raise TypeError(f"{name}=None: pass a numpy.random.Generator or an integer seed")
    return np.random.default_rng(check_seed(name, rng))


def as_points(name: str, x: ArrayLike, dim: int) -> tuple[NDArray[np.float64], bool]:
    """Points as an ``(n, dim)`` float array.

    In one dimension a flat ``(n,)`` array (or a scalar) is accepted; the second return value
    says whether the caller should flatten its answer back.
    """
    arr = as_floats(name, x)
    if dim == 1 and arr.ndim <= 1:
        return arr.reshape(-1, 1), True
    if arr.ndim == 1 and arr.shape[0] == dim:
        return arr.reshape(1, dim), False
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(
            f"{name} has shape {arr.shape}; it must be (n, {dim}) for a {dim}-D density"
        )
    return arr, False
