"""Richardson extrapolation and Roache's grid convergence index (STATISTICS.md §4).

Public names: :func:`celik_order` (observed order from three grids with any refinement ratios,
Celik et al. 2008, J. Fluids Eng. 130:078001), :func:`richardson_extrapolate`
(f_ext = (r^p f1 − f2)/(r^p − 1)), :func:`grid_convergence_index` (GCI = Fs |eps/f1|/(r^p − 1),
Fs = 1.25 for an observed order, 3 for an assumed one) and :class:`Richardson` /
:func:`richardson` (all of it on the three finest of a sequence of solution functionals).

Notation: grids h1 < h2 < h3 (1 is the finest), r21 = h2/h1, r32 = h3/h2, eps21 = f2 − f1,
eps32 = f3 − f2. These need no exact solution: they work on the computed functional f_i itself.

Convergence: f_i = f0 + C h_i^p with p > 0 (monotone) gives |eps32/eps21| =
r21^p (r32^p − 1)/(r21^p − 1), which increases strictly with p from ln r32/ln r21 (p → 0) to ∞;
the oscillatory form of Celik's equation (s = −1) gives r21^p (r32^p + 1)/(r21^p + 1), from 1.
So a positive order exists exactly when |eps32/eps21| exceeds ln r32/ln r21 (monotone; 1 for a
constant ratio) or 1 (oscillatory): the convergence ratio R = eps21/eps32 of Stern et al. 2001
(J. Fluids Eng. 123:793) with |R| < 1 for a constant ratio. Otherwise the differences do not
shrink fast enough on refinement and the sequence is not converging; :func:`celik_order` and
:func:`richardson` then raise ``ValueError`` instead of returning an order, an extrapolated
value or a GCI (the absolute value in Celik's fixed point would turn a negative slope into a
positive order).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from pdecheck._validate import check_finite, check_positive, check_real

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


def _finite_real(name: str, value: Any, above: float = -math.inf) -> float:
    """A finite real scalar (not a string or a bool), strictly above ``above`` if given."""
    x = check_real(name, value)
    if not (math.isfinite(x) and x > above):
        rule = "finite" if above == -math.inf else f"a finite number > {above:g}"
        raise ValueError(f"{name}={value!r} must be {rule}")
    return x


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
    """(p, oscillatory): the fixed point of p = |ln|eps32/eps21| + q(p)| / ln r21.

    q(p) = ln((r21^p − s)/(r32^p − s)) and s = sign(eps32/eps21) (Celik et al. 2008); q = 0
    for a constant ratio, where this is p = ln(eps32/eps21)/ln r. s < 0 means oscillatory
    convergence: p is reported but should not be trusted. The fixed point is the root of the
    increasing function ln(r21^p (r32^p − s)/(r21^p − s)) − ln|eps32/eps21| and is found by
    bracketing (Brent's method to ``rtol``, at most ``maxiter`` steps): Celik's plain iteration
    need not contract when r32 differs from r21 (for an exact f = f0 + C h^2 it does not settle
    with r21 = 1.5, r32 = 2.5 and overflows with r21 = 1.25, r32 = 2).

    A positive order exists only when |eps32/eps21| > ln r32/ln r21 (s > 0) or > 1 (s < 0), see
    the module notes; otherwise (a diverging sequence, or |eps21| = |eps32| for a constant
    ratio) this raises ``ValueError`` saying that the sequence is not converging.
    """
    f1, f2, f3 = (_finite_real(n, v) for n, v in (("f1", f1), ("f2", f2), ("f3", f3)))
    r21 = _finite_real("r21", r21, 1.0)
    r32 = _finite_real("r32", r32, 1.0)
    eps21, eps32 = f2 - f1, f3 - f2
    if eps21 == 0 or eps32 == 0:
        raise ValueError(
            f"f1={f1!r}, f2={f2!r}, f3={f3!r}: consecutive grids agree exactly (as a quantity "
            "that the scheme conserves does), so no order can be observed (the rule is "
            "f1 != f2 != f3)"
        )
    s = math.copysign(1.0, eps32 / eps21)
    ratio = abs(eps32 / eps21)
    threshold = 1.0 if s < 0 else math.log(r32) / math.log(r21)
    if not ratio > threshold:
        kind = "oscillatory" if s < 0 else "monotone"
        raise ValueError(
            f"f1={f1!r}, f2={f2!r}, f3={f3!r} (r21={r21:g}, r32={r32:g}): the sequence is not "
            f"converging: |eps32/eps21| = {ratio:.6g}, and a positive order needs it > "
            f"{threshold:.6g} (the rule for {kind} differences is |f3 − f2|/|f2 − f1| > "
            + ("1)" if s < 0 else "ln r32/ln r21)")
        )
    log_ratio = math.log(ratio)

    def excess(p: float) -> float:  # ln of the model ratio minus ln|eps32/eps21|, increasing
        return _log_model_ratio(p, r21, r32, s) - log_ratio

    # the fixed point p ln r21 = ln|eps32/eps21| + q(p) is the unique root of excess; the plain
    # fixed-point iteration need not contract when r32 differs from r21, so bracket the root
    hi = 1.0
    while excess(hi) <= 0 and hi < 1e300:
        hi *= 2.0
    lo = hi / 2.0
    while excess(lo) >= 0 and lo > 1e-300:
        lo /= 2.0
    if not excess(lo) < 0 < excess(hi):  # |eps32/eps21| within rounding of the threshold
        raise ValueError(
            f"f1={f1!r}, f2={f2!r}, f3={f3!r}: |eps32/eps21| = {ratio:.17g} is within rounding "
            f"of {threshold:.17g}, so the order cannot be told from 0 (the rule is a clear "
            "excess, see the convergence test)"
        )
    root, info = optimize.brentq(
        excess,
        lo,
        hi,
        rtol=max(rtol, 4 * np.finfo(float).eps),
        maxiter=maxiter,
        full_output=True,
        disp=False,
    )
    if not info.converged:
        raise ValueError(
            f"the Celik equation for the order was not solved within maxiter={maxiter} steps "
            f"(last p={root!r}); the grids are not in the asymptotic range"
        )
    return float(root), s < 0


def _log_model_ratio(p: float, r21: float, r32: float, s: float) -> float:
    """ln(r21^p (r32^p − s)/(r21^p − s)): ln|eps32/eps21| of f = f0 + C h^p (s = 1), or of
    Celik's oscillatory form (s = −1), evaluated without overflow for large p."""

    def log_term(r: float) -> float:  # ln(r^p − s)
        x = p * math.log(r)
        if s > 0:
            return x + math.log(-math.expm1(-x))
        return x + math.log1p(math.exp(-x))

    return p * math.log(r21) + log_term(r32) - log_term(r21)


def richardson_extrapolate(f_fine: float, f_coarse: float, ratio: float, order: float) -> float:
    """f_ext = (r^p f_fine − f_coarse) / (r^p − 1) (Richardson; Celik et al. 2008).

    ``ratio`` r = h_coarse/h_fine must be > 1 and ``order`` p > 0: r^p = 1 leaves nothing to
    extrapolate with, and p <= 0 is no convergence.
    """
    ratio = _finite_real("ratio", ratio, 1.0)
    order = _finite_real("order", order, 0.0)
    rp = ratio**order
    return (rp * f_fine - f_coarse) / (rp - 1.0)


def grid_convergence_index(
    f_fine: float, f_coarse: float, ratio: float, order: float, *, observed: bool = True
) -> float:
    """Roache's GCI_fine = Fs |(f_coarse − f_fine)/f_fine| / (r^p − 1), a relative error band.

    Fs = 1.25 when ``order`` was observed from 3 or more grids, 3 when it is assumed (2 grids)
    (Roache 1994, J. Fluids Eng. 116:405; Celik et al. 2008). ``ratio`` r = h_coarse/h_fine
    must be > 1 and ``order`` p > 0, or r^p − 1 <= 0 and the band is undefined or negative.
    """
    ratio = _finite_real("ratio", ratio, 1.0)
    order = _finite_real("order", order, 0.0)
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
    """Celik order, Richardson extrapolation and GCI on the three finest of (h_i, f_i).

    Raises ``ValueError`` when the three finest functionals give no positive order: the
    sequence is not converging (|eps32/eps21| <= ln r32/ln r21, or <= 1 when oscillatory, see
    :func:`celik_order`) or two consecutive ones agree exactly.
    """
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
