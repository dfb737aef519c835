"""Where the claimed field is undefined: zero-density gaps of compact priors (DESIGN.md,
"Marginal field"; CATALOGUE A5).

A marginal field f_t = Σ w_i f_t(·|x_i) p_t(·|x_i) / Σ w_i p_t(·|x_i) is 0/0 where every
conditional density vanishes. :func:`undefined_regions` probes the field (or the claim's
``defined(t, x)``) on a uniform lattice of the box at a uniform grid of times, counts in 1-D the
*interior* undefined intervals (undefined points with defined points on both sides) and
locates every time at which that count changes by bisection; in d >= 2 it reports the share of
lattice points where the field is undefined. For CATALOGUE A5 it finds two gaps for
t < 0.2, one for 0.2 < t < 7/27 and none after.

Public (package-private) name: :func:`undefined_regions`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from pdecheck.fields import evaluate
from pdecheck.verify.claim import Claim

__all__ = ["undefined_regions"]

Array = NDArray[np.float64]

#: probe resolution: lattice points per axis, times, bisection halvings
N_PROBE_X = {1: 2001, 2: 101, 3: 21}
N_PROBE_T = 64
N_BISECT = 30


def _undefined_mask(claim: Claim, t: float, x: Array) -> NDArray[np.bool_]:
    with np.errstate(all="ignore"):
        bad = ~np.all(np.isfinite(evaluate(claim.drift, t, x, name="field")), axis=1)
        if claim.defined is not None:
            bad |= ~np.asarray(claim.defined(t, x), dtype=bool).reshape(-1)
    return bad


def _interior_gaps(bad: NDArray[np.bool_]) -> int:
    """Runs of True with False on both sides (1-D)."""
    if not np.any(~bad):
        return 0
    first, last = np.flatnonzero(~bad)[[0, -1]]
    inner = bad[first : last + 1].astype(int)
    return int(np.count_nonzero(np.diff(inner) == 1))


def _lattice(lower: Array, upper: Array) -> Array:
    d = lower.size
    axes = [np.linspace(lower[k], upper[k], N_PROBE_X[d]) for k in range(d)]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def undefined_regions(
    claim: Claim, t_span: tuple[float, float], lower: Array, upper: Array
) -> list[tuple[str, float | None, int]]:
    """Findings (message, time where the number of gaps changes or None, gaps before it);
    empty when the field is defined everywhere probed."""
    x = _lattice(lower, upper)
    a, b = sorted(t_span)
    times = np.linspace(a, b, N_PROBE_T + 1)[1:] if a == 0 else np.linspace(a, b, N_PROBE_T + 1)
    if lower.size > 1:
        share = [float(np.mean(_undefined_mask(claim, float(t), x))) for t in times]
        worst = int(np.argmax(share))
        if share[worst] == 0:
            return []
        some = np.flatnonzero(share)
        text = (
            f"the field is undefined (NaN/inf or outside `defined`) on {share[worst]:.1%} of the "
            f"box at t={times[worst]:.4g}; on some of the box for t in "
            f"[{times[some[0]]:.4g}, {times[some[-1]]:.4g}]"
        )
        return [(text, None, 0)]
    count: Callable[[float], int] = lambda t: _interior_gaps(_undefined_mask(claim, t, x))  # noqa: E731
    counts = [count(float(t)) for t in times]
    findings: list[tuple[str, float | None, int]] = []
    for k in range(len(times) - 1):
        if counts[k] == counts[k + 1]:
            continue
        lo, hi = float(times[k]), float(times[k + 1])
        for _ in range(N_BISECT):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if count(mid) == counts[k] else (lo, mid)
        text = (
            f"{counts[k]} zero-density gap(s) inside the support for t < {hi:.6g} "
            f"({counts[k + 1]} after): the field is undefined there"
        )
        findings.append((text, hi, counts[k]))
    if not findings and counts[0] > 0:
        text = f"{counts[0]} zero-density gap(s) inside the support over the whole span"
        findings.append((text, None, counts[0]))
    return findings
