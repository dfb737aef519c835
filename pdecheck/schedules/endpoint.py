"""How far p_T misses a standard Gaussian prior when α_T ≠ 0 (CATALOGUE "Known traps")."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pdecheck._validate import check_finite
from pdecheck.schedules.base import Schedule

__all__ = ["endpoint_kl", "endpoint_w2"]


def endpoint_kl(schedule: Schedule, x0: ArrayLike) -> float:
    """KL(p_T(·|x_0) ‖ N(0, I)) for a Gaussian prior, p_T(·|x_0) = N(α_T x_0, σ_T² I).

    KL = ½ (d σ_T² + α_T² |x_0|² − d − d ln σ_T²). Averaged over x_0 this bounds the KL of the
    marginal p_T by convexity; it is 0 iff α_T = 0 and σ_T = 1. ``x0``: data points, (n, d),
    or (n,) for n points in 1-D (a scalar is one 1-D point).
    """
    x = _points(x0)
    d = x.shape[1]
    a = float(schedule.alpha(schedule.T))
    s2 = float(schedule.sigma(schedule.T)) ** 2
    return float(np.mean(0.5 * (d * s2 + a**2 * np.sum(x**2, axis=1) - d - d * np.log(s2))))


def endpoint_w2(schedule: Schedule, x0: ArrayLike) -> float:
    """W2(p_T, N(0, I)) bound by coupling x_T = α_T x_0 + σ_T z with z:
    W2² ≤ α_T² E|x_0|² + d (σ_T − 1)² (exact for a point mass). ``x0`` as for
    :func:`endpoint_kl`."""
    x = _points(x0)
    d = x.shape[1]
    a = float(schedule.alpha(schedule.T))
    s = float(schedule.sigma(schedule.T))
    return float(np.sqrt(a**2 * np.mean(np.sum(x**2, axis=1)) + d * (s - 1.0) ** 2))


def _points(x0: ArrayLike) -> np.ndarray:
    """Data points as (n, d): a flat (n,) array is n points in 1-D, as everywhere in pdecheck
    (``np.atleast_2d`` would read it as one point in n dimensions)."""
    x = check_finite("x0", x0)
    if x.ndim <= 1:
        return x.reshape(-1, 1)
    if x.ndim != 2:
        raise ValueError(f"x0 has shape {x.shape}; the rule is (n, d) points, or (n,) in 1-D")
    return x
