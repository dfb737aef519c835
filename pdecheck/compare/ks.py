"""Kolmogorov–Smirnov tests with the DKW–Massart threshold (STATISTICS.md §1).

Public names: :func:`dkw_threshold` (eps(N, alpha) = sqrt(ln(2/alpha)/(2N))),
:func:`ks_statistic` (D_N from the values u_i = F(x_i)), :func:`ks_test` (1-D samples against a
1-D density or CDF, with a declared bias budget b: reject when D_N > eps + b) and
:func:`marginal_ks_test` (every 1-D marginal of a d-dimensional sample, Bonferroni over d).

Why the threshold is provable: P(D_N > eps) <= 2 exp(−2 N eps²) for every N and every continuous
F (Massart 1990). If the sampler draws from G with sup|G − F| <= b, then D_N <= sup|F_N − G| + b,
so the test ``D_N > eps + b`` keeps its false-alarm rate <= alpha.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, as_floats, check_count
from pdecheck.compare.result import (
    CheckResult,
    check_alpha,
    check_budget,
    check_nonempty,
    minimum_n_error,
    sample_points,
)
from pdecheck.densities import Density

__all__ = [
    "dkw_threshold",
    "ks_minimum_n",
    "ks_statistic",
    "ks_test",
    "marginal_cdf",
    "marginal_ks_test",
]

Array = NDArray[np.float64]

# How far outside [0, 1] a CDF value may stray by round-off before it counts as wrong
CDF_ROUNDOFF = 1e-12


def dkw_threshold(n: int, alpha: float) -> float:
    """eps(N, alpha) = sqrt(ln(2/alpha) / (2N)): P(D_N > eps) <= alpha (DKW–Massart)."""
    alpha = check_alpha(alpha)
    n = check_count("n", n)
    return math.sqrt(math.log(2.0 / alpha) / (2.0 * n))


def ks_minimum_n(alpha: float, bias_budget: float = 0.0) -> int:
    """The least N for which eps(N, alpha) + b < 1, the largest value D_N can take."""
    alpha = check_alpha(alpha)
    b = check_budget("bias_budget", bias_budget)
    if b >= 1.0:
        raise ValueError(f"bias_budget={b!r} must be < 1: a KS distance never exceeds 1")
    return math.floor(math.log(2.0 / alpha) / (2.0 * (1.0 - b) ** 2)) + 1


def _cdf_values(name: str, u: ArrayLike, shape: tuple[int, ...] | None = None) -> Array:
    """CDF values u_i = F(x_i), flat: ``shape`` when given (one per sample), at least one,
    finite and within [0, 1] up to ``CDF_ROUNDOFF`` (clipped into [0, 1]). Anything else is
    not a CDF evaluated at the samples, and D_N computed from it would be a wrong number."""
    arr = as_floats(name, u)
    if shape is not None and arr.shape != shape:
        raise ValueError(
            f"{name} has shape {arr.shape}; the rule is one CDF value per sample, shape {shape}"
        )
    arr = check_nonempty(name, arr.ravel())
    bad = ~((arr >= -CDF_ROUNDOFF) & (arr <= 1.0 + CDF_ROUNDOFF))  # NaN included
    if np.any(bad):
        raise ValueError(
            f"{name}={_short(arr)} has {int(np.sum(bad))} value(s) that are NaN, infinite or "
            f"outside [0, 1] (first: {float(arr[bad][0])!r}); the rule is 0 <= F(x) <= 1 "
            f"(round-off up to {CDF_ROUNDOFF:g} allowed)"
        )
    return np.clip(arr, 0.0, 1.0)


def _ks_distance(u: Array) -> float:
    us = np.sort(u)
    n = us.size
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - us), np.max(us - (i - 1) / n)))


def ks_statistic(u: ArrayLike) -> float:
    """D_N = max_i max(i/N − u_(i), u_(i) − (i−1)/N) for u_i = F(x_i) (STATISTICS.md §1).

    The rule for ``u``: at least one value, each finite and in [0, 1] (up to 1e-12 round-off).
    """
    return _ks_distance(_cdf_values("u", u))


def _statistic(name: str, cdf: Callable[[Array], Array], x: Array) -> float:
    """D_N of the 1-D samples ``x`` under ``cdf``, whose values are checked under ``name``."""
    return _ks_distance(_cdf_values(name, cdf(x), x.shape))


def _cdf_of(target: Density | Callable[[Array], Array]) -> Callable[[Array], Array]:
    if isinstance(target, Density):
        if target.dim != 1:
            raise ValueError(f"target has dim={target.dim}; ks_test needs a 1-D density")
        return target.cdf
    if callable(target):
        return target
    raise TypeError(f"target={target!r} must be a 1-D Density or a CDF callable F(x)")


def _check_n(test: str, n: int, alpha: float, b: float) -> None:
    n_min = ks_minimum_n(alpha, b)
    if n < n_min:
        raise minimum_n_error(test, n, n_min, alpha, "eps(N, alpha) + bias_budget must be < 1")


def ks_test(
    samples: ArrayLike,
    target: Density | Callable[[Array], Array],
    *,
    alpha: float,
    bias_budget: float = 0.0,
) -> CheckResult:
    """1-D KS test: reject when D_N > sqrt(ln(2/alpha)/(2N)) + bias_budget.

    ``target`` is a 1-D :class:`~pdecheck.densities.Density` or a continuous CDF callable
    F(x) that maps the (n,) samples to (n,) values, each finite and in [0, 1] (up to 1e-12
    round-off; anything else raises ``ValueError`` naming ``target``); ``bias_budget`` is a
    deterministic bound b >= sup|G − F| on the sampler's own bias (time step, grid), declared
    in advance — never calibrated on the sample being tested.
    """
    alpha = check_alpha(alpha)
    b = check_budget("bias_budget", bias_budget)
    x = sample_points("samples", samples, 1)[:, 0]
    n = x.size
    _check_n("KS test", n, alpha, b)
    eps = dkw_threshold(n, alpha)
    stat = _statistic("target(samples)", _cdf_of(target), x)
    return CheckResult(
        name="KS",
        statistic=stat,
        threshold=eps + b,
        passed=stat <= eps + b,
        alpha=alpha,
        n=n,
        details={"dkw_eps": eps, "bias_budget": b},
    )


def marginal_cdf(target: Density, axis: int) -> Callable[[Array], Array]:
    """F_j(x) = P(X_j <= x), from the exact box probabilities of ``target``."""
    d = target.dim

    def cdf(x: Array) -> Array:
        x = np.asarray(x, dtype=float).ravel()
        lower = np.full((x.size, d), -np.inf)
        upper = np.full((x.size, d), np.inf)
        upper[:, axis] = x
        return target.box_probability(lower, upper)

    return cdf


def marginal_ks_test(
    samples: ArrayLike,
    target: Density,
    *,
    alpha: float,
    bias_budget: float = 0.0,
) -> CheckResult:
    """KS on each of the d marginals at alpha/d (Bonferroni): reject when any D_N,j > eps + b.

    The union bound keeps the overall false-alarm rate <= alpha; ``bias_budget`` bounds
    sup|G_j − F_j| for every marginal (a TV bound b on the joint law is one).
    """
    alpha = check_alpha(alpha)
    b = check_budget("bias_budget", bias_budget)
    if not isinstance(target, Density):
        raise TypeError(
            f"target={target!r} must be a Density (its marginals come from box_probability)"
        )
    x = sample_points("samples", samples, target.dim)
    n, d = x.shape
    _check_n(f"marginal KS test (Bonferroni over d={d})", n, alpha / d, b)
    eps = dkw_threshold(n, alpha / d)
    stats = [
        _statistic(f"marginal_cdf(target, {j})(samples[:, {j}])", marginal_cdf(target, j), x[:, j])
        for j in range(d)
    ]
    stat = max(stats)
    return CheckResult(
        name="marginal KS",
        statistic=stat,
        threshold=eps + b,
        passed=stat <= eps + b,
        alpha=alpha,
        n=n,
        details={"per_axis": stats, "dkw_eps": eps, "bias_budget": b, "alpha_per_axis": alpha / d},
    )
