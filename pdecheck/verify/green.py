"""check_green_function: is a path's conditional pair (f_t(·|x_0), p_t(·|x_0)) a Green function
of the continuity equation? (issue 6, item 4; seed eqs. 6, 8, 12)

Three independent checks, gathered in one :class:`~pdecheck.verify.Verdict`:

1. **seed eq. 8** — the trajectory family φ_t(x|x_0) = x_T is constant along the flow, so the
   supplied field must satisfy ∂_t φ + (∂φ/∂x) f = 0. φ is the path's own (a
   :class:`~pdecheck.paths.CharacteristicPath`) or (x − μ_t(x_0))/σ_t (affine paths); its
   derivatives are taken here by fourth-order central differences at steps h and h/2, and the
   relative residual at h/2 is held to the Richardson estimate of its own truncation error,
   3|r_h − r_{h/2}|/15 (F_s = 3), plus the round-off of the stencil: a correct field leaves only
   difference error, a wrong one a residual that does not shrink with h.
2. **seed eq. 12** — the claimed conditional density is what the grid and the particles produce
   from the conditional field: :func:`~pdecheck.verify_transport` on the claim (field f(·|x_0),
   data δ_{x_0}, marginal p_t(·|x_0)), run from the prior at T towards x_0.
3. **PDE residual by findiff** — ∂_t p + ∇·(f p) on lattices with h, h/2, h/4, h/8 (time step
   ∝ h, second-order stencils): the residual of a Green function is pure truncation error, so
   its L∞ norm must fall at the stencils' order 2; the check accepts a fitted order within 1/2
   of it (half the gap to a lost order, STATISTICS.md §3). Priors with jumps (uniform boxes)
   satisfy the equation only weakly (CATALOGUE A2): the residual is then skipped with a flag.

Public name: :func:`check_green_function`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, as_floats, check_finite
from pdecheck.densities import PointMixture, Uniform
from pdecheck.verify.claim import Claim
from pdecheck.verify.verdict import Check, Flag, Verdict

__all__ = ["check_green_function"]

Array = NDArray[np.float64]
Phi = Callable[[float, Array], Array]

#: relative step of the fourth-order central differences, ε^{1/5}
FD_STEP = float(np.finfo(float).eps ** 0.2)
#: lattice points per axis of the findiff residual, by dimension (then halved three times)
RESIDUAL_POINTS = {1: 48, 2: 24}
#: nominal order of the second-order findiff stencils, and the accepted shortfall
RESIDUAL_ORDER, ORDER_SLACK = 2.0, 0.5


def check_green_function(
    path: Any,
    x0: ArrayLike,
    *,
    times: ArrayLike | None = None,
    t_span: tuple[float, float] | None = None,
    alpha: float = 1e-3,
    n: int = 4000,
    grid: Any = None,
    seed: int = 0,
) -> Verdict:
    """Check seed eqs. 8 and 12 and the PDE residual for ``path`` started at ``x0``.

    ``path``: a conditional path (``dim``, ``prior``, ``conditional(t, x0)``,
    ``conditional_field(t, x, x0)``, and ``phi`` or ``mu``/``sigma``, e.g. a
    :class:`~pdecheck.paths.AffinePath`), or the id (or :class:`~pdecheck.cases.Case`) of a
    built-in case built on one (A1–A5, G1, G2, H3). ``x0``: a finite point of the path's
    dimension. ``times``: where eq. 8 and the residual are checked, finite and in (0, T]
    (default T·{1/4, 1/2, 3/4}); ``t_span`` of the eq. 12 run (default (T, T/10)); ``alpha``,
    ``n``, ``grid``, ``seed`` as in :func:`~pdecheck.verify_transport`.
    """
    from pdecheck.verify.transport import verify_transport

    path = _as_path(path)
    T = float(getattr(path, "T", 1.0))
    dim = int(path.dim)
    point = np.atleast_1d(as_floats("x0", x0)).reshape(1, -1)
    if point.shape[1] != dim or not np.all(np.isfinite(point)):
        raise ValueError(f"x0={x0!r} must be a finite point of dimension {dim}")
    ts = T * np.array([0.25, 0.5, 0.75]) if times is None else _check_times(times, T)
    phi = _family(path, point[0])
    verdict = Verdict(f"Green function of {path!r} at x0={point[0].tolist()}", alpha=alpha)

    def field(t: float, x: Array) -> Array:
        return np.asarray(path.conditional_field(t, x, point[0]), dtype=float).reshape(x.shape)

    for t in ts:
        x = _probe(path, float(t), point[0], seed)
        verdict.checks.append(_eq8(phi, field, float(t), x))
    if isinstance(path.prior, Uniform):
        verdict.flags.append(
            Flag(
                "weak-solution",
                "the prior has jumps: ∂_t p + ∇·(f p) = 0 holds only weakly "
                "(CATALOGUE A2); the findiff residual is skipped, eq. 12 is checked",
                "warning",
            )
        )
    else:
        for t in ts[ts < T]:
            verdict.checks.append(_residual(path, field, float(t), point[0], T))
    claim = Claim(
        field,
        data=PointMixture(point),
        prior=path.prior,
        marginal=lambda t: path.conditional(t, point[0]),
        T=T,
        name="conditional path",
    )
    sub = verify_transport(
        claim, t_span=t_span or (T, 0.1 * T), alpha=alpha, n=n, grid=grid, seed=seed
    )
    for c in sub.checks:
        verdict.checks.append(_renamed(c, "eq. 12: "))
    verdict.flags.extend(sub.flags)
    verdict.info["eq12"] = sub.info
    verdict.t_span, verdict.methods = sub.t_span, sub.methods
    return verdict


#: what a conditional path must offer (``phi`` or ``mu``/``sigma`` is checked by _family)
PATH_ATTRIBUTES = ("dim", "prior", "conditional", "conditional_field")


def _as_path(path: Any) -> Any:
    """``path`` itself, or the path a case (id or :class:`~pdecheck.cases.Case`) is built on;
    anything else raises ``TypeError`` naming ``path`` and what it accepts."""
    from pdecheck import cases

    if isinstance(path, str | cases.Case):
        case = cases.get(path) if isinstance(path, str) else path
        built_on = case.problem().notes.get("path")
        if built_on is None:
            with_path = ", ".join(c.id for c in cases.all_cases() if _has_path(c))
            raise TypeError(
                f"path={path!r}: case {case.id} is not built on a conditional path; the cases "
                f"that are: {with_path}"
            )
        return built_on
    missing = [a for a in PATH_ATTRIBUTES if not hasattr(path, a)]
    if missing:
        raise TypeError(
            f"path={path!r} lacks {', '.join(missing)}: it must be a conditional path (e.g. "
            "pc.AffinePath) or the id of a case built on one (e.g. 'A5')"
        )
    return path


def _has_path(case: Any) -> bool:
    return case.problem().notes.get("path") is not None


def _check_times(times: ArrayLike, T: float) -> Array:
    """The check times: finite, in (0, T]."""
    ts = np.atleast_1d(check_finite("times", times)).ravel()
    if ts.size == 0 or np.any(ts <= 0) or np.any(ts > T):
        raise ValueError(f"times={_short(ts)} must be one or more times in (0, T={T:g}]")
    return ts


def _renamed(c: Check, prefix: str) -> Check:
    return Check(
        prefix + c.name,
        prefix + c.method,
        c.kind,
        c.statistic,
        c.threshold,
        c.t,
        c.alpha,
        c.budget,
        c.detail,
    )


def _family(path: Any, x0: Array) -> Phi:
    """φ_t(x|x_0) of seed eq. 6: the path's own, or (x − μ_t(x_0))/σ_t for an affine path."""
    if hasattr(path, "phi"):
        return lambda t, x: np.asarray(path.phi(t, x, x0), dtype=float).reshape(x.shape)
    if hasattr(path, "mu") and hasattr(path, "sigma"):
        return lambda t, x: (x - path.mu(t, x0[None, :])) / path.sigma(t)
    raise TypeError(f"path={path!r} has neither a trajectory family phi nor (mu, sigma)")


def _probe(path: Any, t: float, x0: Array, seed: int) -> Array:
    """Points where p_t(·|x_0) lives: its samples, or a lattice of its bounds."""
    dens = path.conditional(t, x0)
    try:
        return np.asarray(dens.sample(256, seed), dtype=float).reshape(256, -1)
    except (NotImplementedError, AttributeError, TypeError):
        lo, hi = dens.bounds(1e-3)
        return np.asarray(lo + (hi - lo) * np.random.default_rng(seed).random((256, len(lo))))


def _central(fn: Callable[[float], Array], h: float) -> Array:
    return (fn(-2 * h) - 8 * fn(-h) + 8 * fn(h) - fn(2 * h)) / (12 * h)


def _transport_residual(
    phi: Phi, field: Callable[[float, Array], Array], t: float, x: Array, h: float
) -> tuple[Array, Array]:
    """(∂_t φ + (∂φ/∂x) f, |∂_t φ| + |∂φ/∂x| |f|) per point, with steps h·max(1, |·|)."""
    f = field(t, x)
    ht = h * max(1.0, abs(t))
    dphi_t = _central(lambda s: phi(t + s, x), ht)
    jf = np.zeros_like(x)
    scale = np.abs(dphi_t)
    for j in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[j] = 1.0
        hx = h * max(1.0, float(np.max(np.abs(x[:, j]))))
        col = _central(_along(phi, t, x, e), hx)
        jf += col * f[:, j : j + 1]
        scale = scale + np.abs(col * f[:, j : j + 1])
    return np.linalg.norm(dphi_t + jf, axis=1), np.linalg.norm(scale, axis=1)


def _along(phi: Phi, t: float, x: Array, e: Array) -> Callable[[float], Array]:
    return lambda s: phi(t, x + s * e)


def _eq8(phi: Phi, field: Callable[[float, Array], Array], t: float, x: Array) -> Check:
    h = FD_STEP * 4
    with np.errstate(all="ignore"):
        r1, scale = _transport_residual(phi, field, t, x, h)
        r2, _ = _transport_residual(phi, field, t, x, h / 2)
    ok = np.isfinite(r1) & np.isfinite(r2) & (scale > 0)
    eps = float(np.finfo(float).eps)
    # round-off of a 4-point stencil with weights (1, 8, 8, 1)/12: 1.5 ε |φ|/h per derivative
    roundoff = 1.5 * eps / (h / 2) * (1.0 + x.shape[1])
    rel = r2[ok] / scale[ok]
    bound = 3.0 * np.abs(r1[ok] - r2[ok]) / 15.0 / scale[ok] + roundoff
    worst = int(np.argmax(rel - bound)) if rel.size else 0
    stat = float(rel[worst]) if rel.size else math.inf
    largest = float(np.max(rel)) if rel.size else math.nan
    return Check(
        "eq. 8: ∂_t φ + (∂φ/∂x) f = 0",
        "eq. 8",
        "relative residual",
        stat,
        float(bound[worst]) if rel.size else 0.0,
        t=t,
        detail=f"{int(ok.sum())} points, max relative residual {largest:.3g}",
    )


def _residual(
    path: Any, field: Callable[[float, Array], Array], t: float, x0: Array, T: float
) -> Check:
    from findiff import Diff

    dens = path.conditional(t, x0)
    mean = np.asarray(dens.mean(), dtype=float)
    std = np.sqrt(np.diag(np.atleast_2d(dens.cov())))
    lo, hi = mean - 4 * std, mean + 4 * std
    d = mean.size
    sizes, norms = [], []
    for level in range(4):
        m = RESIDUAL_POINTS[d] * 2**level
        axes = [np.linspace(lo[j], hi[j], m) for j in range(d)]
        h = [a[1] - a[0] for a in axes]
        k = min(0.25 * (T - t), 0.25 * t) * h[0] / (hi[0] - lo[0])
        mesh = np.meshgrid(*axes, indexing="ij")
        pts = np.stack([g.ravel() for g in mesh], axis=1)
        shape = mesh[0].shape

        def p_at(s: float, pts: Array = pts, shape: tuple[int, ...] = shape) -> Array:
            return np.asarray(path.conditional_density(s, pts, x0), dtype=float).reshape(shape)

        dp_dt = (p_at(t + k) - p_at(t - k)) / (2 * k)
        p = p_at(t)
        f = field(t, pts)
        div = sum(Diff(j, h[j], acc=2)(f[:, j].reshape(shape) * p) for j in range(d))
        sizes.append(h[0])
        norms.append(float(np.max(np.abs(dp_dt + div))) / max(float(np.max(np.abs(dp_dt))), 1e-300))
    slope = float(np.polyfit(np.log(sizes), np.log(np.maximum(norms, 1e-300)), 1)[0])
    return Check(
        "PDE residual order (findiff)",
        "PDE residual",
        "order deficit",
        max(0.0, RESIDUAL_ORDER - slope),
        ORDER_SLACK,
        t=t,
        detail=f"observed order {slope:.3f} over h = {sizes[0]:.3g}…{sizes[-1]:.3g}; "
        f"relative residuals {', '.join(f'{r:.2e}' for r in norms)}",
    )
