"""The grid half of :func:`~pdecheck.verify_stationary`: the Fokker–Planck steady state.

- :func:`steady_state` — march ∂_t p = −∇·(f p) + D Δp (Chang–Cooper, implicit Euler,
  :func:`pdecheck.grid.solve_fokker_planck`) with doubling steps until the estimated distance
  to the discrete fixed point is below ``tol`` (the stopping rule is derived there).
- :class:`DiscreteGradient` — the face drift −(U(x + h_k e_k/2) − U(x − h_k e_k/2))/h_k of a
  potential U: with it the Chang–Cooper flux vanishes on every face for p_i ∝ exp(−U_i/D), so
  the discrete steady state is the Gibbs state exactly (FOKKER-PLANCK.md §5).
- :func:`gibbs_cells` — exp(−U_i/D)/Z at the cell centres, Σ p_i |C| = 1.
- :func:`stationary_problem` — (drift, D) of what :func:`verify_stationary` accepts: an
  autonomous :class:`~pdecheck.sde.SDE`, a pair (drift, g) with a constant g, or a Langevin
  sampler, whose ε → 0 limit is dx = ½ s(x) dt + dW (ULA is its Euler–Maruyama scheme with step
  ε; seed §2), so D = ½.
- :func:`grid_checks` — the checks of the grid half: the steady state against p's exact cell
  averages on three grids (budget from the observed refinement differences, nominal order 2,
  safety factor F_s = 3), and, with a potential, the discrete Gibbs state to round-off.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck._validate import _short, check_positive
from pdecheck.densities import Density
from pdecheck.fields import evaluate
from pdecheck.grid import Grid, solve_fokker_planck

__all__ = [
    "DiscreteGradient",
    "gibbs_cells",
    "grid_checks",
    "stationary_problem",
    "steady_state",
]

Array = NDArray[np.float64]
#: Roache's safety factor on a Richardson error estimate (as the verification grid budget)
SAFETY = 3.0
#: nominal order of Chang–Cooper in space for bounded cell Péclet number
ORDER = 2.0


def _l1(grid: Grid, a: Array) -> float:
    return float(np.sum(np.abs(a)) * grid.cell_volume)


def steady_state(
    drift: Any,
    D: float,
    grid: Grid,
    *,
    tol: float = 1e-12,
    dt: float | None = None,
    max_steps: int = 400,
) -> tuple[Array, dict[str, Any]]:
    """The steady state of ∂_t p = −∇·(f p) + D Δp on ``grid`` (zero-flux walls), from the
    uniform density.

    Stopping rule: an implicit Euler step maps the error e to (I − Δt A)⁻¹e, so the change is
    Δp = Δt A e_new and e_new = A⁻¹ Δp/Δt: the distance to the fixed point is at most r/λ₁
    with r = ‖Δp‖₁/Δt the change per unit time and λ₁ the spectral gap (exact for the
    self-adjoint gradient case, in the weighted norm). Two steps of the same Δt give the
    contraction ρ = ‖Δp₂‖/‖Δp₁‖ ≈ 1/(1 + λ₁Δt), so λ₁ ≈ (1/ρ − 1)/Δt; the smallest such
    estimate (ρ in [0.05, 0.9]) is kept. Δt doubles until ρ < 0.05 (the slow mode then shrinks
    20-fold a step) and stays there: a larger Δt gains nothing and multiplies the round-off
    residual of A p (r ≈ 1e-14 per unit time) by Δt. We stop when r/λ₁ < ``tol`` (L1), the
    distance that remains. Returns (cell averages, info: time reached ``t``, ``steps``, ``rate``
    r, ``gap`` λ₁, ``estimate`` r/λ₁, ``converged``).
    """
    D = float(check_positive("D", D))
    tol = float(check_positive("tol", tol))
    h = float(np.min(grid.h))
    step = 0.25 * h * h / D if dt is None else float(check_positive("dt", dt))
    p = np.full(grid.shape, 1.0 / (grid.cell_volume * np.prod(grid.shape)))
    g = math.sqrt(2.0 * D)
    t = 0.0
    steps = 0
    estimate = rate = math.inf
    gap = math.inf
    growing = True
    while steps < max_steps:
        sol = solve_fokker_planck(
            drift,
            g,
            p,
            grid,
            (t, t + 2 * step),
            dt=step,
            save_at=[t, t + step, t + 2 * step],
            normalize=True,
        )
        if sol.diagnostics.flags:
            raise ValueError(f"the grid solver flagged {sol.diagnostics.flags} at t={t:g}")
        first, second = (_l1(grid, sol.density[k + 1] - sol.density[k]) for k in (0, 1))
        p = sol.density[-1] / grid.mass(sol.density[-1])
        t, steps = t + 2 * step, steps + 2
        rate = second / step
        rho = second / first if first > 0 else 0.0
        if 0.05 <= rho <= 0.9:
            gap = min(gap, (1.0 / rho - 1.0) / step)
        estimate = rate / gap if math.isfinite(gap) else math.inf
        if estimate < tol:
            break
        growing = growing and rho >= 0.05
        step *= 2.0 if growing else 1.0
    info = {
        "t": t,
        "steps": steps,
        "rate": rate,
        "gap": gap,
        "estimate": estimate,
        "converged": estimate < tol,
    }
    return p, info


class DiscreteGradient:
    """f_k(x) = −(U(x + h_k e_k/2) − U(x − h_k e_k/2))/h_k: at a face of axis k this is the
    difference quotient of U between its two cells, the face drift whose Chang–Cooper steady
    state is exp(−U_i/D)/Z (FOKKER-PLANCK.md §5). ``potential``: U on (n, d) → (n,)."""

    def __init__(self, potential: Any, grid: Grid) -> None:
        if not callable(potential):
            raise TypeError(f"potential={potential!r} must be callable as U(x), (n, d) -> (n,)")
        self.potential = potential
        self.h = np.asarray(grid.h, dtype=float)

    def __call__(self, t: float, x: Array) -> Array:
        out = np.empty_like(x)
        for k, hk in enumerate(self.h):
            shift = np.zeros(x.shape[1])
            shift[k] = 0.5 * hk
            out[:, k] = (
                -(_potential(self.potential, x + shift) - _potential(self.potential, x - shift))
                / hk
            )
        return out


def _potential(potential: Any, x: Array) -> Array:
    u = np.asarray(potential(x[:, 0] if x.shape[1] == 1 else x), dtype=float).reshape(-1)
    if u.shape != (x.shape[0],):
        raise ValueError(
            f"potential returned shape {u.shape} for {x.shape[0]} points; it must be (n,)"
        )
    if not np.all(np.isfinite(u)):
        raise ValueError("potential returned non-finite values in the grid box; it must be finite")
    return u


def gibbs_cells(potential: Any, D: float, grid: Grid) -> Array:
    """exp(−U_i/D)/Z at the cell centres, normalised to Σ p_i |C| = 1."""
    u = _potential(potential, grid.points())
    w = np.exp(-(u - u.min()) / float(check_positive("D", D)))
    return np.asarray((w / (w.sum() * grid.cell_volume)).reshape(grid.shape), dtype=float)


def stationary_problem(subject: Any) -> tuple[Any, float, str]:
    """(drift, D = g²/2, description) of an SDE, a (drift, g) pair or a Langevin sampler."""
    from pdecheck.particles.langevin import AnnealedLangevin, Langevin
    from pdecheck.sde import SDE

    if isinstance(subject, AnnealedLangevin):
        raise TypeError(
            f"{subject!r}: annealed Langevin has no stationary Fokker–Planck equation (its "
            "target changes with the level); check it with the particle half only"
        )
    if isinstance(subject, Langevin):
        score = subject.target.score if subject.target is not None else None
        if score is None:
            raise TypeError(
                f"{subject!r} has a compiled or callable score; the grid half needs a Density "
                "score (pass the SDE (lambda t, x: 0.5 * s(x), 1.0) instead)"
            )

        def half_score(t: float, x: Array) -> Array:
            return 0.5 * np.asarray(score(x), dtype=float).reshape(x.shape)

        return half_score, 0.5, "Langevin's ε → 0 SDE dx = ½ s(x) dt + dW"
    if isinstance(subject, SDE):
        drift, g = subject.drift, subject.diffusion(np.linspace(0.0, subject.T, 5))
        if np.ptp(g) > 1e-12 * max(1.0, float(np.max(g))):
            raise ValueError(
                f"{subject!r} has diffusion g_t varying in t ({g.min():.6g}..{g.max():.6g}); "
                "a stationary check needs a time-homogeneous SDE (constant g)"
            )
        return drift, 0.5 * float(g[0]) ** 2, repr(subject)
    if isinstance(subject, tuple) and len(subject) == 2 and callable(subject[0]):
        g0 = float(check_positive("diffusion", subject[1]))
        return subject[0], 0.5 * g0 * g0, "(drift, g)"
    raise TypeError(
        f"{subject!r} must be a Langevin sampler, a pdecheck SDE or a pair (drift, g) with a "
        "constant g > 0"
    )


def _check_autonomous(drift: Any, grid: Grid) -> None:
    """The drift is finite on the grid box and the same at t = 0 and t = 1 (to round-off):
    a stationary law needs f(x) defined everywhere on the box and independent of t."""
    x = grid.points()
    a, b = evaluate(drift, 0.0, x, name="drift"), evaluate(drift, 1.0, x, name="drift")
    for t, f in ((0.0, a), (1.0, b)):
        bad = np.count_nonzero(~np.isfinite(f))
        if bad:
            raise ValueError(
                f"drift returned {bad} non-finite value(s) at t={t:g} on the {x.shape[0]} cell "
                f"centres of the grid box (lower={_short(grid.lower)}, "
                f"upper={_short(grid.upper)}); the rule is a finite drift on the whole box"
            )
    if not np.allclose(a, b, rtol=1e-12, atol=1e-12 * float(np.max(np.abs(a), initial=1.0))):
        raise ValueError(
            "drift f(t, x) changes between t=0 and t=1; a stationary law needs an autonomous "
            "drift f(x)"
        )


def _coarsen(a: Array) -> Array:
    """Cell averages on the grid with twice the spacing (mean over 2^d children)."""
    shape: list[int] = []
    for n in a.shape:
        shape += [n // 2, 2]
    return np.asarray(a.reshape(shape).mean(axis=tuple(range(1, 2 * a.ndim, 2))), dtype=float)


def grid_checks(
    subject: Any,
    p: Density,
    grid: Grid,
    *,
    potential: Any = None,
    tol: float = 1e-12,
) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """(checks, flags, info) of the grid half on ``grid`` and its two refinements."""
    from pdecheck.verify import Check, Flag

    drift, D, how = stationary_problem(subject)
    grids = [Grid(grid.lower, grid.upper, np.asarray(grid.shape) * 2**k) for k in range(3)]
    _check_autonomous(drift, grids[0])
    checks: list[Any] = []
    flags: list[Any] = []
    info: dict[str, Any] = {"grid_D": D, "grid_sde": how, "grid_shapes": [g.shape for g in grids]}
    outside = grids[0].outside_mass(p)
    if potential is not None:
        fine = grids[-1]
        ps, run = steady_state(DiscreteGradient(potential, fine), D, fine, tol=tol)
        info.update(gibbs_time=run["t"], gibbs_estimate=run["estimate"])
        checks.append(
            Check(
                "discrete Gibbs state",
                "grid vs exact",
                "L1",
                _l1(fine, ps - gibbs_cells(potential, D, fine)),
                2 * tol,
                budget=2 * tol,
                detail=f"face drift −ΔU/h on {fine.shape}, steady at t={run['t']:.3g} "
                f"(estimated distance {run['estimate']:.2e})",
            )
        )
    sols, times = [], []
    for g in grids:
        ps, run = steady_state(drift, D, g, tol=tol)
        if not run["converged"]:
            flags.append(
                Flag(
                    "not-steady",
                    f"no steady state within {run['steps']} steps on "
                    f"{g.shape} (estimated distance {run['estimate']:.2e})",
                    "error",
                )
            )
        sols.append(ps)
        times.append(run["t"])
    diffs = [_l1(grids[k], _coarsen(sols[k + 1]) - sols[k]) for k in range(2)]
    order = math.log2(diffs[0] / diffs[1]) if diffs[1] > 0 and diffs[0] > 0 else math.inf
    budget = SAFETY * diffs[1] / (2.0**ORDER - 1.0) + outside
    stat = _l1(grids[-1], sols[-1] - grids[-1].cell_averages(p))
    checks.append(
        Check(
            "steady state",
            "grid vs exact",
            "L1",
            stat,
            budget,
            budget=budget,
            detail=f"{how}, D={D:g}, {grids[-1].shape} cells, steady at t={times[-1]:.3g}, "
            f"observed order {order:.2f}",
        )
    )
    if order < ORDER - 0.5:
        flags.append(
            Flag(
                "order",
                f"observed refinement order {order:.2f} is below the nominal {ORDER:g}: the "
                "Richardson budget may be optimistic",
                "warning",
                order,
            )
        )
    info.update(grid_order=order, grid_time=times[-1], grid_outside=outside)
    return checks, flags, info
