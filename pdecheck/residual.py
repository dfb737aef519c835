"""PDE residuals of exact solutions by finite differences (findiff coefficients).

:func:`fokker_planck_residual` evaluates R = ∂_t p + ∇·(f_t p) − ½ g_t² Δp of a claimed marginal
p_t, field f_t and diffusion g_t at given points. For an exact solution R = O(h^acc + dt^acc), so
its observed order as h → 0 is the test (CATALOGUE "verification"; issue tests fit the slope);
a wrong density, field or diffusion leaves an O(1) residual.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, as_points, check_positive
from pdecheck.densities import Density
from pdecheck.fields import evaluate

__all__ = ["fokker_planck_residual"]

Array = NDArray[np.float64]


def _scalar(fn: Callable[[Any], ArrayLike], t: float) -> float:
    return float(np.asarray(fn(t), dtype=float))


def fokker_planck_residual(
    marginal: Callable[[float], Density],
    drift: Callable[[float, Array], ArrayLike],
    diffusion: Callable[[Any], ArrayLike] | None,
    t: float,
    x: ArrayLike,
    h: float,
    dt: float | None = None,
    *,
    acc: int = 2,
) -> Array:
    """R = ∂_t p + ∇·(f_t p) − ½ g_t² Δp at the points x (shape (n, d)) and time t, with every
    derivative a central finite difference of accuracy order ``acc`` (findiff coefficients),
    space step h and time step dt (default h). For an exact solution R = O(h^acc + dt^acc).
    ``diffusion`` None means the continuity equation."""
    from findiff import coefficients

    d = marginal(t).dim
    pts, _ = as_points("x", x, d)
    h = float(check_positive("h", h))
    dt = h if dt is None else float(check_positive("dt", dt))
    first = coefficients(deriv=1, acc=acc)["center"]
    second = coefficients(deriv=2, acc=acc)["center"]
    p_t = marginal(t)
    dpdt = (
        sum(
            c * marginal(t + o * dt).pdf(pts)
            for c, o in zip(first["coefficients"], first["offsets"], strict=True)
        )
        / dt
    )
    div = np.zeros(pts.shape[0])
    lap = np.zeros(pts.shape[0])
    for j in range(d):
        e = np.zeros(d)
        e[j] = h
        for c, o in zip(first["coefficients"], first["offsets"], strict=True):
            y = pts + o * e
            div += c * evaluate(drift, t, y, name="drift")[:, j] * p_t.pdf(y) / h
        for c, o in zip(second["coefficients"], second["offsets"], strict=True):
            lap += c * p_t.pdf(pts + o * e) / h**2
    g2 = 0.0 if diffusion is None else _scalar(diffusion, t) ** 2
    if not np.isfinite(g2):
        raise ValueError(f"diffusion({t!r}) = {_short(g2)} is not finite")
    return np.asarray(dpdt + div - 0.5 * g2 * lap, dtype=float)
