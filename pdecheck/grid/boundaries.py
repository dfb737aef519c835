"""Boundary conditions of the finite-volume solvers, as integer codes per axis side.

- ``"zero-flux"``: the wall face carries no flux (mass stays inside);
- ``"outflow"``: mass leaves with the upwind flux and nothing enters; the mass that left through
  each wall is counted in ``Diagnostics.outflow``;
- ``"periodic"``: the last face is the first face (both sides of the axis must say so).

``boundary`` is one name for every wall, or a dict ``{axis: name}`` / ``{axis: (low, high)}``
for per-axis or per-side choices. Public names: :func:`boundary_codes`, :data:`NAMES`.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck._validate import choose

__all__ = ["NAMES", "OUTFLOW", "PERIODIC", "ZERO_FLUX", "boundary_codes"]

ZERO_FLUX, OUTFLOW, PERIODIC = 0, 1, 2
NAMES = {"zero-flux": ZERO_FLUX, "outflow": OUTFLOW, "periodic": PERIODIC}


def _code(value: Any, where: str) -> int:
    return int(choose(f"boundary{where}", value, NAMES))


def boundary_codes(boundary: Any, dim: int) -> NDArray[np.int64]:
    """Codes of shape (dim, 2): [axis, 0] for the low wall and [axis, 1] for the high wall."""
    codes = np.zeros((dim, 2), dtype=np.int64)
    if isinstance(boundary, str):
        codes[:] = _code(boundary, "")
        return codes
    if not isinstance(boundary, dict):
        raise TypeError(
            f"boundary={boundary!r} must be a name or a dict {{axis: name or (low, high)}}"
        )
    for axis, spec in boundary.items():
        integral = isinstance(axis, numbers.Integral) and not isinstance(axis, bool)
        if not integral or not 0 <= axis < dim:
            raise ValueError(
                f"boundary has axis {axis!r}; axes are the integers 0..{dim - 1} (the grid has "
                f"dim={dim})"
            )
        sides = (spec, spec) if isinstance(spec, str) else spec
        if not isinstance(sides, (tuple, list)) or len(sides) != 2:
            raise ValueError(
                f"boundary[{axis}]={spec!r} must be a name or a pair (low, high) of names"
            )
        codes[axis] = [_code(s, f"[{axis}]") for s in sides]
    for axis in range(dim):
        if (codes[axis] == PERIODIC).sum() == 1:
            raise ValueError(
                f"boundary[{axis}]: periodic on one side only; both sides must be periodic"
            )
    return codes
