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

from pdecheck._validate import _short, as_points, check_finite, check_positive
from pdecheck.densities import Density
from pdecheck.fields import evaluate

__all__ = ["fokker_planck_residual"]

Array = NDArray[np.float64]


def _scalar(fn: Callable[[Any], ArrayLike], t: float) -> float:
    return float(np.asarray(fn(t), dtype=float))


def _time_stencil(
    t: float, dt: float, acc: int, t_span: tuple[float, float] | None
) -> dict[str, Any]:
    """findiff's first-derivative stencil in t of accuracy ``acc``: central, or (with
    ``t_span``) forward/backward where the central one would leave it. A t outside t_span, or
    a dt too large for any stencil to fit, raises ``ValueError`` naming t, dt and t_span."""
    from findiff import coefficients

    stencils = coefficients(deriv=1, acc=acc)
    if t_span is None:
        return dict(stencils["center"])
    lo, hi = sorted(float(check_finite("t_span", end)) for end in t_span)
    if not lo <= t <= hi:
        raise ValueError(f"t={t!r} must lie in t_span=[{lo:g}, {hi:g}]")
    for kind in ("center", "forward", "backward"):
        offsets = np.asarray(stencils[kind]["offsets"])
        if lo <= t + offsets.min() * dt and t + offsets.max() * dt <= hi:
            return dict(stencils[kind])
    half, reach = (int(np.max(stencils[kind]["offsets"])) for kind in ("center", "forward"))
    raise ValueError(
        f"t={t!r}, dt={dt!r}: no time stencil of acc={acc} fits in t_span=[{lo:g}, {hi:g}]; "
        f"the rule is [t − {half}·dt, t + {half}·dt] (central), [t, t + {reach}·dt] (forward) "
        f"or [t − {reach}·dt, t] (backward) inside t_span: take a smaller dt"
    )


def _marginals_in_time(
    marginal: Callable[[float], Density], t: float, dt: float, offsets: ArrayLike
) -> list[Density]:
    """marginal(t + o·dt) for each offset. A ValueError at a stencil time other than t (the
    stencil left the times where marginal is defined) is raised again naming t, dt and the
    rule."""
    out = []
    for o in np.asarray(offsets).tolist():
        s = t + o * dt
        try:
            out.append(marginal(s))
        except ValueError as error:
            if o == 0:
                raise
            raise ValueError(
                f"the time stencil of t={t!r} with dt={dt!r} reaches t{o:+d}·dt = {s!r}, where "
                f"marginal raised: {error}; the rule is that the stencil stays where marginal "
                "is defined: a smaller dt, t farther from the end, or t_span=(start, end) for "
                "a one-sided stencil there"
            ) from error
    return out


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
    t_span: tuple[float, float] | None = None,
) -> Array:
    """R = ∂_t p + ∇·(f_t p) − ½ g_t² Δp at the points x (shape (n, d)) and time t, with every
    derivative a central finite difference of accuracy order ``acc`` (findiff coefficients),
    space step h and time step dt (default h). For an exact solution R = O(h^acc + dt^acc).
    ``diffusion`` None means the continuity equation.

    The time stencil spans t ± (acc/2)·dt. ``t_span`` (the times where ``marginal`` is
    defined, e.g. ``Problem.t_span``) lets t sit at or near an end: there ∂_t p is findiff's
    one-sided stencil of the same accuracy (forward at the start, backward at the end, reaching
    acc·dt), so the order is kept. Without it, a stencil time where ``marginal`` raises
    ``ValueError`` is reported with t, dt and this rule."""
    from findiff import coefficients

    tt = float(check_finite("t", t))
    h = float(check_positive("h", h))
    dt = h if dt is None else float(check_positive("dt", dt))
    in_time = _time_stencil(tt, dt, acc, t_span)
    p_t = marginal(tt)
    pts, _ = as_points("x", x, p_t.dim)
    first = coefficients(deriv=1, acc=acc)["center"]
    second = coefficients(deriv=2, acc=acc)["center"]
    laws = _marginals_in_time(marginal, tt, dt, in_time["offsets"])
    dpdt = sum(c * law.pdf(pts) for c, law in zip(in_time["coefficients"], laws, strict=True)) / dt
    d = p_t.dim
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
