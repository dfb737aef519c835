"""The particles-versus-exact gate used by verdicts (STATISTICS.md, Recommendations 2–3).

Public name: :func:`sample_test` — in 1-D the KS test with the DKW threshold; in d >= 2 binned
L1 on equal-probability cells at alpha/2 together with KS on every marginal at alpha/(2d), so the
overall false-alarm rate stays <= alpha by the union bound.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from pdecheck.compare.binned import binned_l1_test
from pdecheck.compare.ks import ks_test, marginal_ks_test
from pdecheck.compare.result import CheckResult, check_alpha
from pdecheck.densities import Density

__all__ = ["sample_test"]


def sample_test(
    samples: ArrayLike,
    target: Density,
    *,
    alpha: float,
    bias_budget: float = 0.0,
    cells_per_axis: int = 6,
) -> CheckResult:
    """Do ``samples`` follow ``target``? ``bias_budget`` bounds TV(sampler law, target).

    A TV bound b is also a bound on every marginal KS distance, so it enters KS as b and binned
    L1 as 2b. In d >= 2 the result's statistic is the largest ratio statistic/threshold over the
    two component tests (threshold 1); the components are in ``details["components"]``.
    """
    alpha = check_alpha(alpha)
    if not isinstance(target, Density):
        raise TypeError(f"target={target!r} must be a Density")
    if target.dim == 1:
        return ks_test(samples, target, alpha=alpha, bias_budget=bias_budget)
    parts = [
        binned_l1_test(
            samples, target, alpha=alpha / 2, cells_per_axis=cells_per_axis, bias_budget=bias_budget
        ),
        marginal_ks_test(samples, target, alpha=alpha / 2, bias_budget=bias_budget),
    ]
    ratio = max(p.statistic / p.threshold for p in parts)
    return CheckResult(
        name="binned L1 + marginal KS",
        statistic=ratio,
        threshold=1.0,
        passed=all(p.passed for p in parts),
        alpha=alpha,
        n=parts[0].n,
        details={"components": parts},
    )
