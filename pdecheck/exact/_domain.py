"""Shared helpers of the exact-case modules: a domain box that holds the mass over a time span,
and the zero drift of pure-diffusion cases.

Public (package-private) names: :func:`domain_over`, :func:`zero_field`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from pdecheck.densities import Density

Array = NDArray[np.float64]


def domain_over(
    marginal: Callable[[float], Density],
    t_span: tuple[float, float],
    tol: float = 1e-10,
    n: int = 9,
) -> tuple[Array, Array]:
    """The union over n times in ``t_span`` of the boxes holding all but ``tol`` of p_t."""
    boxes = [marginal(float(t)).bounds(tol) for t in np.linspace(*t_span, n)]
    lo = np.min([b[0] for b in boxes], axis=0)
    hi = np.max([b[1] for b in boxes], axis=0)
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def zero_field(t: float, x: Array) -> Array:
    """f ≡ 0: the drift of the heat equation."""
    return np.zeros_like(np.asarray(x, dtype=float))
