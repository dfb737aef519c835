"""Argument checks of the particle integrators (DESIGN.md, "Bad input").

:func:`check_times` (a strictly monotone grid), :func:`check_points` (initial particles),
:func:`save_indices` (``save_at`` as indices into the grid), :func:`check_domain` (a box).
Every failure is a ``ValueError``/``TypeError`` naming the argument, its value and the rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, as_floats, check_finite

Array = NDArray[np.float64]


def check_times(times: ArrayLike) -> Array:
    """A 1-D finite grid of at least two times, strictly increasing or strictly decreasing."""
    t = np.ascontiguousarray(check_finite("times", times), dtype=float)
    if t.ndim != 1 or t.size < 2:
        raise ValueError(f"times={_short(times)} must be a 1-D array of at least two step times")
    dt = np.diff(t)
    if not (np.all(dt > 0) or np.all(dt < 0)):
        k = int(np.argmax(np.sign(dt) != np.sign(dt[0]))) if np.any(dt != 0) else 0
        raise ValueError(
            f"times={_short(times)} is not strictly monotone (times[{k}]={t[k]!r}, "
            f"times[{k + 1}]={t[k + 1]!r}); the grid must strictly increase or strictly decrease"
        )
    return t


def check_points(x0: ArrayLike, dim: int | None = None) -> tuple[Array, bool]:
    """Initial particles as a C-contiguous (N, d) array with N >= 1; a flat (N,) array is 1-D.

    The second value says whether the input was flat (answers are then flat as well).
    ``dim`` None or 0 (a compiled field that works in every dimension) accepts any d.
    """
    x = check_finite("x0", x0)
    flat = x.ndim == 1
    if flat:
        x = x.reshape(-1, 1)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"x0 has shape {np.shape(x0)}; it must be (N, d) (or (N,) in 1-D) with N >= 1"
        )
    if dim and x.shape[1] != dim:
        raise ValueError(
            f"x0 has dimension {x.shape[1]} but the field has dim={dim}; they must agree"
        )
    return np.ascontiguousarray(x, dtype=float), flat


def save_indices(save_at: ArrayLike | None, times: Array) -> NDArray[np.int64]:
    """Indices k with times[k] = save_at (each to within 1e-12 of the grid's scale), sorted in
    the direction of integration; None saves the first and the last time."""
    if save_at is None:
        return np.array([0, times.size - 1], dtype=np.int64)
    wanted = np.atleast_1d(check_finite("save_at", save_at))
    if wanted.ndim != 1 or wanted.size == 0:
        raise ValueError(f"save_at={_short(save_at)} must be a non-empty 1-D array of times")
    tol = 1e-12 * max(1.0, float(np.max(np.abs(times))))
    gap = np.abs(wanted[:, None] - times[None, :])
    idx = np.argmin(gap, axis=1)
    missing = wanted[gap[np.arange(wanted.size), idx] > tol]
    if missing.size:
        raise ValueError(
            f"save_at contains {_short(missing)}, which is not on the time grid; every save time "
            "must be one of `times` (add it to the grid)"
        )
    return np.unique(idx).astype(np.int64)


def check_domain(domain: Any, dim: int) -> tuple[Array, Array, bool]:
    """``domain = (lower, upper)`` as two (d,) arrays with lower < upper; None means R^d."""
    if domain is None:
        return np.full(dim, -np.inf), np.full(dim, np.inf), False
    try:
        lower, upper = domain
    except (TypeError, ValueError):
        raise ValueError(f"domain={domain!r} must be a pair (lower, upper)") from None
    bounds = []
    for name, value in (("lower", lower), ("upper", upper)):
        arr = as_floats(f"domain {name}", value)
        if arr.ndim > 1 or arr.size not in (1, dim):
            raise ValueError(
                f"domain={_short(domain)}: {name}={_short(value)} must be a number (every "
                f"coordinate) or a vector of length {dim} (the particles' dimension)"
            )
        bounds.append(np.broadcast_to(arr.reshape(-1), (dim,)).copy())
    lo, hi = bounds
    if np.any(np.isnan(lo)) or np.any(np.isnan(hi)) or not np.all(lo < hi):
        raise ValueError(f"domain={domain!r} must have lower < upper in every coordinate")
    return lo, hi, True
