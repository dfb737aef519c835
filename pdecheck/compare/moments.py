"""Moment tests with exact target moments (STATISTICS.md §3).

Public names: :func:`mean_test` (CLT interval |x̄_j − mu_j| <= z sigma_j/sqrt(N)),
:func:`variance_test` (CLT interval with the exact fourth central moment, or the exact law
(N−1)s²/sigma² ~ chi²_{N−1} for Gaussian targets) and :func:`central_moments` (exact mean,
variance and fourth central moment per coordinate of the built-in densities).

Both tests take every coordinate at alpha/d (Bonferroni) and use the *exact* sigma and mu4 of the
target: plug-in fourth moments are noisy and raised the measured false-alarm rate from 0.0100 to
0.0124 at alpha = 0.01 (STATISTICS.md §3). The CLT intervals are asymptotic (the Gaussian mean
and chi-square variance tests are exact); use them as a second opinion next to the KS and binned
L1 tests, whose rates are provable.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from pdecheck.compare.result import CheckResult, check_alpha, sample_points
from pdecheck.densities import Density, Gaussian, GaussianMixture, PointMixture, Uniform

__all__ = ["central_moments", "mean_test", "variance_test"]

Array = NDArray[np.float64]


def central_moments(target: Density) -> tuple[Array, Array, Array]:
    """(mean, variance, fourth central moment), each of shape (d,), in closed form.

    Gaussian: 3 sigma⁴; uniform on [a, b]: (b − a)⁴/80; mixtures: Σ w_k E(X − mu)⁴ over
    components, with E(Y − mu)⁴ = delta⁴ + 6 delta² s² + 3 s⁴ for Y ~ N(mu + delta, s²).
    A mixture's mean is taken relative to its heaviest centre c, mu = c + Σ w_k (c_k − c), so
    that points sharing a coordinate give that coordinate's mean exactly and variance exactly
    0 (Σ w_k c_k itself is off by round-off whenever the weights do not sum to 1 exactly).
    """
    if isinstance(target, Gaussian):
        return target.mean(), target.std**2, 3.0 * target.std**4
    if isinstance(target, Uniform):
        width = target.high - target.low
        return target.mean(), width**2 / 12.0, width**4 / 80.0
    if isinstance(target, (GaussianMixture, PointMixture)):
        w = target.weights[:, None]
        ref = target.centres[np.argmax(target.weights)]
        mu = ref + np.sum(w * (target.centres - ref), axis=0)
        delta = target.centres - mu
        s2 = target.stds[:, None] ** 2 if isinstance(target, GaussianMixture) else 0.0 * delta
        var = np.sum(w * (delta**2 + s2), axis=0)
        mu4 = np.sum(w * (delta**4 + 6.0 * delta**2 * s2 + 3.0 * s2**2), axis=0)
        return mu, var, mu4
    raise TypeError(
        f"target={target!r}: no closed-form fourth moment is known (heavy-tailed or user density); "
        "pass a Gaussian, Uniform, GaussianMixture or PointMixture"
    )


def _samples(samples: ArrayLike, target: Density, n_min: int, test: str) -> Array:
    if not isinstance(target, Density):
        raise TypeError(f"target={target!r} must be a Density")
    x = sample_points("samples", samples, target.dim)
    if x.shape[0] < n_min:
        raise ValueError(
            f"n={x.shape[0]} samples is too few for the {test}; the rule is n >= {n_min}"
        )
    return x


def _ratios(deviation: Array, scale: Array, x: Array, mu: Array, var: Array) -> Array:
    """deviation_j / scale_j, except in a coordinate where the target has variance 0.

    There the target is a point mass at mu_j and the CLT interval has width 0: the exact test
    is that every sample equals mu_j exactly (ratio 0, passed) — any other value cannot occur
    under the target (ratio inf, failed), so that coordinate adds nothing to the false-alarm
    rate.
    """
    point = var == 0
    exact = np.where(np.all(x == mu, axis=0), 0.0, np.inf)
    return np.where(point, exact, deviation / np.where(point, 1.0, scale))


def mean_test(samples: ArrayLike, target: Density, *, alpha: float) -> CheckResult:
    """Reject when max_j |x̄_j − mu_j| / (sigma_j/sqrt(N)) > z_{1 − alpha/(2d)}.

    CLT interval with the exact sigma of the target (exact for Gaussian targets). A coordinate
    in which the target has sigma_j = 0 (a point mass, or mixture points sharing that
    coordinate) is compared exactly: its score is 0 when every sample equals mu_j and inf
    otherwise.
    """
    alpha = check_alpha(alpha)
    x = _samples(samples, target, 1, "mean test")
    n, d = x.shape
    mu, var, _ = central_moments(target)
    z = float(special.ndtri(1.0 - alpha / (2.0 * d)))
    scores = _ratios(np.abs(x.mean(axis=0) - mu), np.sqrt(var / n), x, mu, var)
    stat = float(np.max(scores))
    return CheckResult(
        name="mean (CLT)",
        statistic=stat,
        threshold=z,
        passed=stat <= z,
        alpha=alpha,
        n=n,
        details={"z_per_axis": scores, "sample_mean": x.mean(axis=0), "exact_mean": mu},
    )


def variance_test(samples: ArrayLike, target: Density, *, alpha: float) -> CheckResult:
    """Sample variance s_j² of each coordinate against the exact sigma_j², at alpha/d each.

    Gaussian targets use the exact law (N−1)s²/sigma² ~ chi²_{N−1}: the statistic is
    |s² − sigma²| and the threshold the distance from sigma² to the interval end on the side
    where s² lies. Other targets use the CLT interval
    |s² − sigma²| <= z_{1−alpha/(2d)} sqrt((mu4 − sigma⁴ (N−3)/(N−1)) / N).
    The statistic reported is the largest ratio |s² − sigma²| / threshold_j, so the threshold is 1.
    A coordinate in which the target has sigma_j = 0 (a point mass, or mixture points sharing
    that coordinate) is compared exactly: its ratio is 0 when every sample equals mu_j and inf
    otherwise.
    """
    alpha = check_alpha(alpha)
    x = _samples(samples, target, 2, "variance test")
    n, d = x.shape
    mu, var, mu4 = central_moments(target)
    s2 = x.var(axis=0, ddof=1)
    a = alpha / d
    if isinstance(target, Gaussian):
        lo = var * stats.chi2.ppf(a / 2.0, n - 1) / (n - 1)
        hi = var * stats.chi2.isf(a / 2.0, n - 1) / (n - 1)
        half = np.where(s2 >= var, hi - var, var - lo)
        law = "exact chi-square"
    else:
        z = float(special.ndtri(1.0 - a / 2.0))
        half = z * np.sqrt((mu4 - var**2 * (n - 3) / (n - 1)) / n)
        law = "CLT"
    ratios = _ratios(np.abs(s2 - var), half, x, mu, var)
    stat = float(np.max(ratios))
    return CheckResult(
        name=f"variance ({law})",
        statistic=stat,
        threshold=1.0,
        passed=stat <= 1.0,
        alpha=alpha,
        n=n,
        details={"sample_variance": s2, "exact_variance": var, "half_width": half},
    )
