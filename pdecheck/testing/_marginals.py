"""Two SDEs, one set of marginals? A particle comparison with a provable threshold.

:func:`same_marginals_verdict` pushes two independent particle clouds, both drawn from the
common density at ``t_span[0]``, through the two SDEs (Euler–Maruyama by default) and compares
them at ``n_times`` times with the two-sample Kolmogorov–Smirnov distance of every coordinate.

The threshold (STATISTICS.md §1): if both clouds are drawn from the same law F, then
sup|F_a − F_b| <= sup|F_a − F| + sup|F_b − F|, and DKW–Massart bounds each term by
eps(N, α') = √(ln(2/α')/(2N)) except with probability α'. Spending α' = α/(2 m d) on each of the
two clouds at each of m times and d coordinates (Bonferroni) keeps the false-alarm rate <= α
for every N. Time-stepping bias is not in that bound: the caller declares it as
``bias_budget`` (a bound on sup|G_a − G_b| between the two discrete laws), added linearly.
A KS distance never exceeds 1, so 2·eps + bias_budget >= 1 would be a test that cannot fail:
that N (or budget) is refused with the least N that gives a real test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck._validate import _short, check_positive, check_probability, check_real, check_seed
from pdecheck.compare.result import minimum_n_error
from pdecheck.densities import Density

__all__ = ["same_marginals_verdict", "two_sample_ks"]

Array = NDArray[np.float64]


def two_sample_ks(a: Array, b: Array) -> float:
    """sup_x |F_a(x) − F_b(x)| of two 1-D samples (evaluated at every sample point)."""
    a, b = np.sort(a), np.sort(b)
    pts = np.concatenate([a, b])
    fa = np.searchsorted(a, pts, side="right") / a.size
    fb = np.searchsorted(b, pts, side="right") / b.size
    return float(np.max(np.abs(fa - fb)))


def _times(t_span: Any) -> tuple[float, float]:
    """(t0, t1) from ``t_span``: two distinct finite real times."""
    try:
        t0, t1 = (float(check_real("t_span", v)) for v in t_span)
    except (TypeError, ValueError):
        t0 = t1 = math.nan
    if not (math.isfinite(t0) and math.isfinite(t1) and t0 != t1):
        raise ValueError(f"t_span={_short(t_span)} must be two distinct finite times (t0, t1)")
    return t0, t1


def _sde_parts(sde: Any, name: str) -> tuple[Callable[..., Any], Any, int]:
    drift = getattr(sde, "drift", None)
    diffusion = getattr(sde, "diffusion", None)
    if not callable(drift) or diffusion is None:
        raise TypeError(
            f"{name}={sde!r} must be an SDE with a 'drift' field and a 'diffusion' g(t)"
        )
    return drift, diffusion, int(getattr(sde, "direction", 1))


def same_marginals_verdict(
    sde_a: Any,
    sde_b: Any,
    initial: Any,
    t_span: tuple[float, float],
    *,
    alpha: float,
    n: int,
    n_times: int = 4,
    steps: int = 512,
    seed: int = 0,
    bias_budget: float = 0.0,
    method: str = "euler_maruyama",
) -> Any:
    """The :class:`~pdecheck.verify.Verdict` of the comparison described in the module
    docstring; ``initial`` is the common density at ``t_span[0]``."""
    from pdecheck import particles
    from pdecheck.verify import Check, Flag, Verdict

    alpha = check_probability("alpha", alpha)
    seed = check_seed("seed", seed)
    budget = float(check_positive("bias_budget", bias_budget, strict=False))
    for label, value in (("n", n), ("n_times", n_times), ("steps", steps)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label}={value!r} must be a positive integer")
    t0, t1 = _times(t_span)
    if not isinstance(initial, Density):
        raise TypeError(
            f"initial={_short(initial)} must be a pdecheck Density (the common p at "
            "t_span[0]), e.g. pdecheck.Gaussian(0.0, 1.0)"
        )
    (fa, ga, da), (fb, gb, db) = _sde_parts(sde_a, "sde_a"), _sde_parts(sde_b, "sde_b")
    if da != db:
        raise ValueError(
            f"sde_a runs in direction {da} and sde_b in direction {db}; the rule is that both run "
            "forward or both backward in time"
        )
    dim = int(getattr(initial, "dim", 1))
    steps = n_times * math.ceil(steps / n_times)
    times = np.linspace(t0, t1, steps + 1)
    save = times[:: steps // n_times][1:]
    alpha_each = alpha / (2 * n_times * dim)
    eps = 2 * math.sqrt(math.log(2.0 / alpha_each) / (2.0 * n))
    if eps + budget >= 1.0:  # a KS distance never exceeds 1: the check could not fail
        if budget >= 1.0:
            raise ValueError(
                f"bias_budget={budget!r} must be < 1: a KS distance never exceeds 1, so the "
                "comparison could not fail"
            )
        n_min = math.floor(2.0 * math.log(2.0 / alpha_each) / (1.0 - budget) ** 2) + 1
        raise minimum_n_error(
            "two-sample KS comparison",
            n,
            n_min,
            alpha,
            "2·eps(N, alpha') + bias_budget must "
            f"be < 1 (alpha' = alpha/{2 * n_times * dim} per cloud, time and coordinate)",
        )
    name = f"same marginals: {sde_a!r} vs {sde_b!r}"
    verdict = Verdict(name, alpha=alpha, t_span=(t0, t1), methods=("particles",), info={"n": n})
    runs = []
    for k, (drift, g) in enumerate(((fa, ga), (fb, gb))):
        x0 = particles.sample(initial, n, seed + 2 * k)
        run = particles.integrate_sde(
            drift, g, x0, times, seed=seed + 2 * k + 1, method=method, save_at=save
        )
        bad = int(np.count_nonzero(run.failed_step))
        if bad:
            verdict.flags.append(
                Flag(
                    "nonfinite",
                    f"{bad} of {n} particles of sde_{'ab'[k]} became non-finite",
                    "error",
                )
            )
        runs.append(run)
    for j, t in enumerate(save):
        for axis in range(dim):
            a, b = (
                r.samples[j + 1 if r.samples.shape[0] > save.size else j, :, axis] for r in runs
            )
            a, b = a[np.isfinite(a)], b[np.isfinite(b)]
            coordinate = f", x{axis + 1}" if dim > 1 else ""
            verdict.checks.append(
                Check(
                    name=f"two-sample KS{coordinate}",
                    method="sde_a vs sde_b (particles)",
                    kind="two-sample KS",
                    statistic=two_sample_ks(a, b) if a.size and b.size else math.inf,
                    threshold=eps + budget,
                    t=float(t),
                    alpha=2 * alpha_each,
                    budget=budget,
                    detail=f"N={n} each, {method}, {steps} steps; eps = 2·DKW(N, {alpha_each:.2g})",
                )
            )
    return verdict
