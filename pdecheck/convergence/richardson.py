"""Richardson extrapolation and Roache's grid convergence index (STATISTICS.md §4).

Public names: :func:`celik_order` (observed order from three grids with any refinement ratios,
Celik et al. 2008, J. Fluids Eng. 130:078001), :func:`richardson_extrapolate`
(f_ext = (r^p f1 − f2)/(r^p − 1)), :func:`grid_convergence_index` (GCI = Fs |eps/f1|/(r^p − 1),
Fs = 1.25 for an observed order, 3 for an assumed one) and :class:`Richardson` /
:func:`richardson` (all of it on the three finest of a sequence of solution functionals).

Notation: grids h1 < h2 < h3 (1 is the finest), r21 = h2/h1, r32 = h3/h2, eps21 = f2 − f1,
eps32 = f3 − f2. These need no exact solution: they work on the computed functional f_i itself.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from pdecheck._validate import check_finite, check_positive

__all__ = [
    "Richardson",
    "celik_order",
    "grid_convergence_index",
    "richardson",
    "richardson_extrapolate",
]

#: Roache's safety factors: order observed on >= 3 grids, or assumed with 2 grids
SAFETY_OBSERVED = 1.25
SAFETY_ASSUMED = 3.0


def celik_order(
    f1: float,
    f2: float,
    f3: float,
    r21: float,
    r32: float,
    *,
    rtol: float = 1e-12,
    maxiter: int = 200,
) -> tuple[float, bool]:
    """(p, oscillatory): iterate p = |ln|eps32/eps21| + q(p)| / ln r21 to a fixed point.

    q(p) = ln((r21^p − s)/(r32^p − s)) and s = sign(eps32/eps21); q = 0 for a constant ratio,
    where this is p = ln(eps32/eps21)/ln r. s < 0 means oscillatory convergence: p is reported
    but should not be trusted.
    """
    if not (r21 > 1 and r32 > 1):
        raise ValueError(f"refinement ratios r21={r21!r}, r32={r32!r} must both be > 1")
    eps21, eps32 = f2 - f1, f3 - f2
    if eps21 == 0 or eps32 == 0:
        raise ValueError(
            f"f1={f1!r}, f2={f2!r}, f3={f3!r}: consecutive grids agree exactly, so no order "
            "can be observed (the rule is f1 != f2 != f3)"
        )
    s = math.copysign(1.0, eps32 / eps21)
    log_ratio = math.log(abs(eps32 / eps21))
    p = abs(log_ratio) / math.log(r21)
    for _ in range(maxiter):
        q = math.log((r21**p - s) / (r32**p - s))
        p_new = abs(log_ratio + q) / math.log(r21)
        if abs(p_new - p) <= rtol * max(1.0, p_new):
            return p_new, s < 0
        p = p_new
    raise ValueError(
        f"the Celik iteration for the order did not settle within maxiter={maxiter} steps "
        f"(last p={p!r}); the grids are not in the asymptotic range"
    )


def richardson_extrapolate(f_fine: float, f_coarse: float, ratio: float, order: float) -> float:
    """f_ext = (r^p f_fine − f_coarse) / (r^p − 1)."""
    rp = ratio**order
    return (rp * f_fine - f_coarse) / (rp - 1.0)


def grid_convergence_index(
    f_fine: float, f_coarse: float, ratio: float, order: float, *, observed: bool = True
) -> float:
    """Roache's GCI_fine = Fs |(f_coarse − f_fine)/f_fine| / (r^p − 1), a relative error band.

    Fs = 1.25 when ``order`` was observed from 3 or more grids, 3 when it is assumed (2 grids).
    """
    if f_fine == 0:
        raise ValueError("f_fine=0: the GCI is a relative error and needs a non-zero functional")
    fs = SAFETY_OBSERVED if observed else SAFETY_ASSUMED
    return fs * abs((f_coarse - f_fine) / f_fine) / (ratio**order - 1.0)


@dataclass(frozen=True)
class Richardson:
    """Three-grid analysis of a functional: observed order, extrapolated value and GCIs.

    ``asymptotic_ratio`` = GCI_32 / (r21^p GCI_21) should be close to 1 in the asymptotic range.
    """

    order: float
    extrapolated: float
    gci_fine: float
    gci_coarse: float
    asymptotic_ratio: float
    oscillatory: bool
    r21: float
    r32: float

    def to_dict(self) -> dict[str, Any]:
        return {k: (bool(v) if isinstance(v, bool) else float(v)) for k, v in asdict(self).items()}


def richardson(h: ArrayLike, f: ArrayLike) -> Richardson:
    """Celik order, Richardson extrapolation and GCI on the three finest of (h_i, f_i)."""
    hs = np.atleast_1d(check_positive("h", h))
    fs = np.atleast_1d(check_finite("f", f))
    if hs.ndim != 1 or hs.shape != fs.shape or hs.size < 3:
        raise ValueError(f"h {hs.shape} and f {fs.shape} must be equal 1-D with at least 3 levels")
    idx = np.argsort(hs)[:3]
    (h1, h2, h3), (f1, f2, f3) = hs[idx], fs[idx]
    r21, r32 = float(h2 / h1), float(h3 / h2)
    p, oscillatory = celik_order(float(f1), float(f2), float(f3), r21, r32)
    gci21 = grid_convergence_index(float(f1), float(f2), r21, p)
    gci32 = grid_convergence_index(float(f2), float(f3), r32, p)
    return Richardson(
        order=p,
        extrapolated=richardson_extrapolate(float(f1), float(f2), r21, p),
        gci_fine=gci21,
        gci_coarse=gci32,
        asymptotic_ratio=gci32 / (r21**p * gci21),
        oscillatory=oscillatory,
        r21=r21,
        r32=r32,
    )
