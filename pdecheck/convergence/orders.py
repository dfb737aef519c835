"""Observed orders of convergence and the decision rule that accepts a nominal order.

Public names: :class:`OrderFit` and :func:`fit_order` (least squares of log e on log h: weighted
with delta-method variances and a chi² goodness-of-fit check when standard errors are known,
ordinary with a t interval otherwise — STATISTICS.md §3–4), :func:`local_orders` (slopes between
neighbouring grids), :func:`aitken` (the limit of the local slopes and the pre-asymptotic
allowance delta_pre, STATISTICS.md §4), :class:`OrderCheck` and :func:`check_order` (accept when
|p − p_nom| <= z·se + delta_pre, provided that allowance is below half the gap to the nearest
wrong order, STATISTICS.md §3 "Decision rule").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from pdecheck._validate import _short, check_positive, check_real
from pdecheck.compare.result import check_alpha

__all__ = ["OrderCheck", "OrderFit", "aitken", "check_order", "fit_order", "local_orders"]

Array = NDArray[np.float64]


def _sorted_data(
    h: ArrayLike, errors: ArrayLike, minimum: int
) -> tuple[Array, Array, NDArray[np.intp]]:
    """(h, e, order) sorted from coarse to fine; h distinct and > 0, e > 0."""
    hs = np.atleast_1d(check_positive("h", h))
    es = np.atleast_1d(check_positive("errors", errors))
    if hs.ndim != 1 or hs.shape != es.shape:
        raise ValueError(f"h has shape {hs.shape} and errors {es.shape}; they must be equal 1-D")
    if hs.size < minimum:
        raise ValueError(f"{hs.size} refinement levels given; the rule is at least {minimum}")
    order = np.argsort(-hs, kind="stable")
    if np.any(np.diff(hs[order]) == 0):
        raise ValueError(
            f"h={_short(hs)} repeats a value; the rule is distinct steps, one per refinement level"
        )
    return hs[order], es[order], order


@dataclass(frozen=True)
class OrderFit:
    """log e = log C + p log h fitted on ``n_points`` levels (the ``dropped`` coarsest removed).

    ``ci`` is p ± z·se (weighted, known variances) or p ± t_{n−2}·se (ordinary); ``chi2`` is the
    goodness of fit Σ r_i²/v_i against ``chi2_critical`` = chi²_{n−2, 1−alpha} (weighted only).
    """

    order: float
    log_constant: float
    se: float
    ci: tuple[float, float]
    alpha: float
    n_points: int
    dropped: int
    weighted: bool
    chi2: float | None
    chi2_critical: float | None

    @property
    def fit_ok(self) -> bool:
        """False when the weighted fit fails its chi² check (pre-asymptotic points remain)."""
        return self.chi2 is None or self.chi2_critical is None or self.chi2 <= self.chi2_critical


def _least_squares(x: Array, y: Array, w: Array) -> tuple[Array, NDArray[Any], Array]:
    """Weighted least squares y ≈ b0 + b1 x with weights w: (beta, covariance (unscaled), resid)."""
    a = np.column_stack([np.ones_like(x), x])
    normal = a.T @ (a * w[:, None])
    cov = np.linalg.inv(normal)
    beta = cov @ (a.T @ (w * y))
    return beta, cov, y - a @ beta


def fit_order(
    h: ArrayLike,
    errors: ArrayLike,
    *,
    standard_errors: ArrayLike | None = None,
    alpha: float = 0.05,
    drop_coarse: bool = True,
) -> OrderFit:
    """Observed order p from errors e_i at steps h_i (at least 3 levels).

    With ``standard_errors`` SE_i (Monte Carlo errors) the fit is weighted by 1/v_i with
    v_i = (SE_i/e_i)² (delta method), Cov = (XᵀV⁻¹X)⁻¹ and CI = p ± z_{1−alpha/2} se; if the
    chi² check fails and ``drop_coarse``, the coarsest level is dropped and the fit repeated
    while 3 levels remain (STATISTICS.md §3: drop coarse points, never inflate error bars).
    Without them, ordinary least squares with se from the residual variance and a t interval.
    """
    alpha = check_alpha(alpha)
    hs, es, order = _sorted_data(h, errors, 3)
    x, y = np.log(hs), np.log(es)
    if standard_errors is None:
        beta, cov, resid = _least_squares(x, y, np.ones_like(x))
        dof = x.size - 2
        s2 = float(resid @ resid) / dof
        se = math.sqrt(s2 * cov[1, 1])
        half = float(stats.t.isf(alpha / 2, dof)) * se
        p = float(beta[1])
        return OrderFit(
            p, float(beta[0]), se, (p - half, p + half), alpha, x.size, 0, False, None, None
        )
    se_raw = np.atleast_1d(check_positive("standard_errors", standard_errors))
    if se_raw.shape != hs.shape:
        raise ValueError(f"standard_errors has shape {se_raw.shape}; it must match h {hs.shape}")
    v = (se_raw[order] / es) ** 2
    z = float(special.ndtri(1 - alpha / 2))
    dropped = 0
    while True:
        xs, ys, vs = x[dropped:], y[dropped:], v[dropped:]
        beta, cov, resid = _least_squares(xs, ys, 1.0 / vs)
        chi2 = float(np.sum(resid**2 / vs))
        critical = float(stats.chi2.isf(alpha, xs.size - 2))
        if chi2 <= critical or not drop_coarse or xs.size <= 3:
            break
        dropped += 1
    p, se = float(beta[1]), math.sqrt(cov[1, 1])
    return OrderFit(
        p,
        float(beta[0]),
        se,
        (p - z * se, p + z * se),
        alpha,
        xs.size,
        dropped,
        True,
        chi2,
        critical,
    )


def local_orders(h: ArrayLike, errors: ArrayLike) -> Array:
    """p_k = log(e_k/e_{k+1}) / log(h_k/h_{k+1}), from coarse to fine (STATISTICS.md §4)."""
    hs, es, _ = _sorted_data(h, errors, 2)
    return np.log(es[:-1] / es[1:]) / np.log(hs[:-1] / hs[1:])


def _aitken_step(p: Array) -> float:
    """p_inf = p_n − (Δp_n)² / (Δp_n − Δp_{n−1}) on the last three slopes."""
    d1, d2 = p[-2] - p[-3], p[-1] - p[-2]
    if d2 == d1:  # constant slopes (or exactly linear drift): no geometric tail to remove
        return float(p[-1])
    return float(p[-1] - d2**2 / (d2 - d1))


def aitken(slopes: ArrayLike, rounding: float = 0.0) -> tuple[float, float]:
    """(p_inf, delta_pre) from local slopes that approach p geometrically (e = C h^p (1 + D h^q)).

    delta_pre = |p_n − p_inf| (the drift still in the finest slope) + |p_inf − p_inf'|, where
    p_inf' is Aitken's limit one level coarser: how far the geometric model itself is from exact.
    Needs at least 4 slopes (5 levels) for the second term; with 3 it is left out. Slopes that do
    not contract (|Δp_n| >= |Δp_{n−1}| > 0) are not in the asymptotic range: delta_pre = inf.
    Slope changes no larger than ``rounding`` (the floating-point resolution of a slope) are
    rounding noise, not drift: the slopes have converged and delta_pre = 0.
    """
    p = np.asarray(slopes, dtype=float)
    if p.ndim != 1 or p.size < 3:
        raise ValueError(f"slopes has {p.size} values; Aitken extrapolation needs at least 3")
    d1, d2 = p[-2] - p[-3], p[-1] - p[-2]
    if max(abs(d1), abs(d2)) <= rounding:
        return float(p[-1]), 0.0
    if abs(d2) >= abs(d1) > 0:
        return float(p[-1]), math.inf
    p_inf = _aitken_step(p)
    delta = abs(p[-1] - p_inf)
    if p.size >= 4:
        delta += abs(p_inf - _aitken_step(p[:-1]))
    return p_inf, float(delta)


@dataclass(frozen=True)
class OrderCheck:
    """The verdict on a nominal order: accept when |observed − nominal| <= allowance.

    ``allowance`` = max(tolerance, z·se + delta_pre); the check is ``conclusive`` only when the
    allowance is below gap/2, the distance that separates the nominal order from the nearest
    wrong one. ``tolerance`` (default 0) is a declared floor, e.g. DESIGN.md's "fitted slope
    within 0.15 of nominal on smooth data" for short ladders whose slopes are not yet
    asymptotic enough for the Aitken allowance.
    """

    observed: float
    nominal: float
    se: float
    z: float
    delta_pre: float
    gap: float
    fit: OrderFit
    local: Array
    reason: str
    tolerance: float = 0.0

    @property
    def allowance(self) -> float:
        return max(self.tolerance, self.z * self.se + self.delta_pre)

    @property
    def conclusive(self) -> bool:
        return self.allowance < self.gap / 2

    @property
    def passed(self) -> bool:
        return (
            self.conclusive
            and self.fit.fit_ok
            and abs(self.observed - self.nominal) <= self.allowance
        )

    @property
    def verdict(self) -> str:
        """ "pass", "fail", or "inconclusive" when the allowance is too wide to tell the nominal
        order from the nearest wrong one (a Monte Carlo study with too few paths for its bias):
        not passed, but no evidence against the nominal order either."""
        if self.passed:
            return "pass"
        return "fail" if self.conclusive else "inconclusive"


def check_order(
    h: ArrayLike,
    errors: ArrayLike,
    nominal: float,
    *,
    standard_errors: ArrayLike | None = None,
    alpha: float = 0.05,
    gap: float = 0.5,
    delta_pre: float | None = None,
    tolerance: float = 0.0,
) -> OrderCheck:
    """Is the observed order the nominal one? (STATISTICS.md §3 decision rule, §4 allowance.)

    Deterministic errors (no ``standard_errors``; at least 4 levels): the finest local slope is
    tested, se = 0, delta_pre from :func:`aitken` plus the rounding of the finest slope. Monte
    Carlo errors: the weighted fit's p ± z·se is tested (its chi² check must pass), delta_pre as
    given (default 0: noisy local slopes do not support Aitken). ``gap`` is Delta, the distance
    to the nearest plausible wrong order (0.5 for strong-vs-weak mix-ups, 1 for a lost order).
    ``tolerance`` is a declared floor under the allowance (see :class:`OrderCheck`).
    """
    alpha = check_alpha(alpha)
    tolerance = float(check_positive("tolerance", tolerance, strict=False))
    gap = float(check_positive("gap", gap))
    nominal = float(check_positive("nominal", check_real("nominal", nominal)))
    fit = fit_order(h, errors, standard_errors=standard_errors, alpha=alpha)
    if standard_errors is None:
        local = local_orders(h, errors)
        if local.size < 3:
            raise ValueError(
                f"{local.size + 1} levels given; the rule is >= 4 for a deterministic check"
            )
        # rounding: errors known to a few ulps (u = 4 eps) move a slope by <= 2u / ln r, and a
        # difference of two slopes by twice that
        hs = np.sort(np.asarray(h, dtype=float))
        rounding = 8.0 * float(np.finfo(float).eps) / math.log(float(hs[1] / hs[0]))
        _, aitken_delta = aitken(local, 2.0 * rounding)
        pre = (aitken_delta if delta_pre is None else float(delta_pre)) + rounding
        observed, se, z = float(local[-1]), 0.0, 0.0
        reason = "finest local slope against nominal, Aitken allowance"
    else:
        local = local_orders(h, errors)
        pre = 0.0 if delta_pre is None else float(delta_pre)
        observed, se, z = fit.order, fit.se, float(special.ndtri(1 - alpha / 2))
        reason = "weighted fit p ± z·se against nominal"
    return OrderCheck(observed, nominal, se, z, pre, gap, fit, local, reason, tolerance)
