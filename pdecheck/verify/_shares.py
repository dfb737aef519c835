"""Nearest-data-point shares at the end of a run of :func:`~pdecheck.verify.verify_transport`
towards atomic data: the particles' shares against the exact ones (Hoeffding, union bound:
:func:`._budget.proportion_interval`), made only where those are known exactly.

Package-private names: :func:`expected_shares`, :func:`proportions`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pdecheck.densities import PointMixture
from pdecheck.verify._budget import proportion_interval
from pdecheck.verify._checks import lost
from pdecheck.verify._particles import ParticleRun
from pdecheck.verify.claim import Claim, PdfDensity
from pdecheck.verify.verdict import Check, Verdict

__all__ = ["expected_shares", "proportions"]

Array = NDArray[np.float64]


def expected_shares(claim: Claim, t: float) -> Array | None:
    """The exact share of p_t nearest to each distinct data point, or None where it is not
    known: the weights at t = 0; for t > 0 in 1-D the claimed marginal's mass of each
    nearest-point interval (its box probability). In d >= 2 at t > 0 the mass of a Voronoi
    cell has no closed form, and the weights are not the shares (they are only the t → 0
    limit), so no check is made there."""
    data = claim.data
    assert isinstance(data, PointMixture)
    pts, w = data.unique()
    if t == 0.0:
        return w
    ref = claim.marginal(t) if claim.marginal is not None else None
    if ref is None or data.dim != 1 or isinstance(ref, PdfDensity) or pts.shape[0] == 1:
        return None
    mids = 0.5 * (pts[1:, 0] + pts[:-1, 0])
    edges = np.concatenate(([-np.inf], mids, [np.inf]))
    return np.asarray(ref.box_probability(edges[:-1], edges[1:]), dtype=float)


def proportions(verdict: Verdict, run: ParticleRun, claim: Claim, t: float, alpha: float) -> None:
    """Shares of particles nearest to each distinct data point against
    :func:`expected_shares` (the caller makes this check only where those are known)."""
    data = claim.data
    assert isinstance(data, PointMixture)
    pts, _ = data.unique()
    expected = expected_shares(claim, t)
    if pts.shape[0] == 1 or expected is None:
        return  # one data point (every particle is nearest to it), or no exact shares
    x, delta = run.samples[-1], run.delta[-1]
    dist = np.linalg.norm(x[:, None, :] - pts[None, :, :], axis=2)
    order = np.argsort(dist, axis=1)
    nearest = order[:, 0]
    rows = np.arange(x.shape[0])
    margin = 0.5 * (dist[rows, order[:, 1]] - dist[rows, order[:, 0]])
    flips = float(np.count_nonzero(margin <= np.linalg.norm(delta, axis=1))) / x.shape[0]
    flips += lost(run)
    shares = np.bincount(nearest, minlength=pts.shape[0]) / x.shape[0]
    stat = float(np.max(np.abs(shares - expected)))
    threshold = proportion_interval(x.shape[0], pts.shape[0], alpha) + flips
    farthest = float(np.max(dist[np.arange(x.shape[0]), nearest]))
    text = ", ".join(f"{s:.3f} (expected {e:.3f})" for s, e in zip(shares, expected, strict=True))
    verdict.checks.append(
        Check(
            "nearest data point shares",
            "particles vs data",
            "max |share − weight|",
            stat,
            threshold,
            t=t,
            alpha=alpha,
            budget=flips,
            detail=f"{text}; largest distance to the nearest point {farthest:.3g}",
        )
    )
