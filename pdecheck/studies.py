"""Convergence studies of the built-in cases: the registry of schemes and the case runner.

``convergence_study("H2", parameter="n", values=[32, 64, 128, 256], method="crank-nicolson")``
builds a runner from the case registry (:mod:`pdecheck.cases`) and the solvers, and hands it to
:func:`pdecheck.convergence.convergence_study`; a callable first argument goes there unchanged,
so ``convergence_study(runner, parameter, values, nominal=..., executor=...)`` keeps working.

What is measured (each an error against an independent answer):

- grid schemes, ``parameter="n"`` (cells per axis, time step tied to h): the L1 distance
  Σ|u_i − p̄_i| |C| between the computed cell averages u and the exact cell averages p̄ of the
  case's marginal at the end of the run (``Grid.cell_averages``: exact box masses);
- particle ODE schemes, ``parameter="dt"``: the mean distance E|X_h − X_ref| at the end of the
  run between each particle and the same initial point pushed by RK4 on a grid 4× finer than
  the finest level (global error of a one-step method of order p is O(h^p), Hairer–Nørsett–
  Wanner II.3; the reference's own error is 4^−4 of RK4's finest, far below every level);
- particle SDE schemes, ``parameter="dt"``: the coupled weak difference
  D(h) = |E|X_h|² − E|X_{h/2}|²| at the end of the run, both runs driven by the same Brownian
  path, with its Monte Carlo standard error sd(|X_h|² − |X_{h/2}|²)/√N. With weak error
  e(h) = c h^p + O(h^{p+1}), D(h) = e(h) − e(h/2) = c(1 − 2^−p) h^p + …: the same order p
  (Kloeden–Platen 14.5: 1 for Euler–Maruyama, 2 for ``weak2``), while the coupling makes the
  variance of the difference O(h²) (strong order 1 for additive noise) instead of O(1), so the
  bias stands out of the Monte Carlo noise with thousands rather than millions of paths;
- ``parameter="n_particles"``: the Kolmogorov–Smirnov distance of the first coordinate at the
  end of the run to the exact marginal CDF. For an exact sample, √N·KS tends to the Kolmogorov
  law (mean √(π/2) ln 2, sd √(π²/12 − (π/2)(ln 2)²) = 0.2604), so the nominal order in
  h = 1/N is 1/2 and the standard error is 0.2604/√N; the integrator runs on a fine fixed grid.

When p at the start of the case is atomic (point data), grid studies start from the exact
marginal a tenth of the way into ``t_span`` (cell averages of a point mass are not smooth data).
Every study ends where p_t is still resolved (:func:`resolved_end`): a path into point data
narrows without bound, and a study past that time fits an order to unresolved errors.

Public names: :data:`STUDY_METHODS` (name → :class:`Scheme`), :func:`methods_for`,
:class:`CaseRunner`, :func:`convergence_study`, :func:`grid_solution` (one grid solve of a
case), :func:`study_span`, :func:`resolved_end`.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck._validate import check_real
from pdecheck.convergence import Study
from pdecheck.convergence import convergence_study as _study_of_runner
from pdecheck.convergence.study import COUNT_PARAMETERS, check_levels
from pdecheck.study_window import resolved_end, study_box, study_span

__all__ = [
    "STUDY_METHODS",
    "CaseRunner",
    "Scheme",
    "convergence_study",
    "grid_solution",
    "methods_for",
    "resolved_end",
    "study_span",
]

Array = NDArray[np.float64]

#: sd of the Kolmogorov law: √N·KS → K, sd(K) = √(π²/12 − (π/2)(ln 2)²)
KOLMOGOROV_SD = math.sqrt(math.pi**2 / 12 - (math.pi / 2) * math.log(2) ** 2)


#: floor under the order checks of the built-in studies: DESIGN.md's "every solver reports its
#: observed order against an exact solution: the fitted slope within 0.15 of nominal on smooth
#: data" — report ladders are short (4 levels sized for a 5-minute report), so their finest
#: slopes are rarely asymptotic enough for the Aitken allowance alone
ORDER_TOLERANCE = 0.15


@dataclass(frozen=True)
class Scheme:
    """A scheme a case can be studied with: ``kind`` ("grid", "ode" or "sde"), the equations
    it solves, its nominal order per parameter and the keyword arguments of its solver."""

    name: str
    kind: str
    equations: tuple[str, ...]
    nominal: dict[str, float]
    options: dict[str, Any]


def _schemes() -> dict[str, Scheme]:
    ct, ht, fp = ("continuity",), ("heat",), ("fokker-planck",)
    kolm = {"n_particles": 0.5}
    return {
        s.name: s
        for s in (
            # donor cell: first order; MUSCL (MC limiter) + SSP-RK3 and LW-TVD: second order
            Scheme("upwind", "grid", ct, {"n": 1.0}, {"scheme": "upwind"}),
            Scheme("muscl", "grid", ct, {"n": 2.0}, {"scheme": "muscl"}),
            Scheme("lw-tvd", "grid", ct, {"n": 2.0}, {"scheme": "lw-tvd"}),
            # Crank–Nicolson with Δt ∝ h, explicit with Δt ∝ h²: second order in h
            Scheme("crank-nicolson", "grid", ht, {"n": 2.0}, {"method": "crank-nicolson"}),
            Scheme("explicit", "grid", ht, {"n": 2.0}, {"method": "explicit"}),
            # Chang–Cooper (second order in h) with MPRK22 (second order in time), Δt ∝ h:
            # second order; with implicit Euler, Δt ∝ h: first order;
            # with SSP-RK2 at its positivity bound Δt ∝ h²: second order
            Scheme("chang-cooper", "grid", fp, {"n": 2.0}, {"time": "mprk22"}),
            Scheme("chang-cooper-ie", "grid", fp, {"n": 1.0}, {"time": "implicit"}),
            Scheme("chang-cooper-rk2", "grid", fp, {"n": 2.0}, {"time": "ssprk2"}),
            Scheme("euler", "ode", ct, {"dt": 1.0, **kolm}, {}),
            Scheme("heun", "ode", ct, {"dt": 2.0, **kolm}, {}),
            Scheme("rk4", "ode", ct, {"dt": 4.0, **kolm}, {}),
            Scheme("euler_maruyama", "sde", ht + fp, {"dt": 1.0, **kolm}, {}),
            Scheme("weak2", "sde", ht + fp, {"dt": 2.0, **kolm}, {}),
        )
    }


STUDY_METHODS: dict[str, Scheme] = _schemes()


def methods_for(case: Any) -> list[str]:
    """The schemes of :data:`STUDY_METHODS` that apply to a case (id or Case): its equation,
    and "grid" / "particles" among the case's methods."""
    from pdecheck import cases

    c = cases.get(case) if isinstance(case, str) else case
    kinds = {"grid"} if "grid" in c.methods else set()
    if "particles" in c.methods:
        kinds |= {"ode", "sde"}
    return [s.name for s in STUDY_METHODS.values() if c.equation in s.equations and s.kind in kinds]


@functools.lru_cache(maxsize=8)
def _problem(case_id: str) -> Any:
    from pdecheck import cases

    return cases.get(case_id).problem()


@dataclass(frozen=True)
class CaseRunner:
    """``runner(value)`` for one case, scheme and parameter (picklable: the problem is rebuilt
    from the registry in the process that runs it). ``finest`` is the finest ``dt`` of the
    study (it sets the ODE reference), ``n_particles`` and ``seed`` the particle settings."""

    case_id: str
    method: str
    parameter: str
    n_particles: int = 2000
    seed: int = 0
    finest: float | None = None

    def __call__(self, value: float) -> dict[str, float]:
        problem = _problem(self.case_id)
        scheme = STUDY_METHODS[self.method]
        start = time.perf_counter()
        extra: dict[str, float] = {}
        if scheme.kind == "grid":
            error = _grid_error(self.case_id, self.method, int(value))
        elif self.parameter == "n_particles":
            error, extra = _ks_error(problem, scheme, int(value), self.seed)
        elif scheme.kind == "ode":
            error, extra = _ode_error(self, scheme, value)
        else:
            error, extra = _sde_error(problem, scheme, value, self.n_particles, self.seed)
        return {"error": error, "wall_time": time.perf_counter() - start, **extra}


def grid_solution(case_id: str, method: str, n: int, save_at: Any = None) -> tuple[Any, Any]:
    """(grid, solution) of a case by a grid scheme of :data:`STUDY_METHODS` on ``n`` cells per
    axis over the study span (:func:`study_span`), saving at ``save_at`` (default: the end)."""
    from pdecheck import grid as g

    problem, scheme = _problem(case_id), STUDY_METHODS[method]
    t_a, t_b, start = study_span(problem, "grid")
    end = problem.marginal(t_b)
    mesh = g.Grid(*study_box(problem, start, end), n)
    # exact cell averages, renormalised for the tail mass outside the box (<= 1e-10 in L1)
    p0 = mesh.cell_averages(start)
    p0 = p0 / mesh.mass(p0)
    span, options = (t_a, t_b), dict(scheme.options)
    common = {"boundary": problem.boundary, "save_at": [t_b] if save_at is None else save_at}
    if "continuity" in scheme.equations:
        return mesh, g.solve_continuity(problem.drift, p0, mesh, span, **common, **options)
    if "heat" in scheme.equations:

        def D(t: float) -> float:
            return 0.5 * float(problem.diffusion(t)) ** 2

        if options["method"] == "crank-nicolson":
            options["dt"] = abs(t_b - t_a) / n  # Δt ∝ h
        return mesh, g.solve_heat(D, p0, mesh, span, **common, **options)
    if options["time"] in ("implicit", "mprk22"):
        options["dt"] = abs(t_b - t_a) / n  # Δt ∝ h
    sol = g.solve_fokker_planck(
        problem.drift, problem.diffusion, p0, mesh, span, **common, **options
    )
    return mesh, sol


def _grid_error(case_id: str, method: str, n: int) -> float:
    """L1 distance of the computed to the exact cell averages at the end of the span."""
    problem = _problem(case_id)
    mesh, sol = grid_solution(case_id, method, n)
    t_b = float(sol.times[-1])
    exact = mesh.cell_averages(problem.marginal(t_b))
    return float(np.sum(np.abs(sol.at(t_b) - exact)) * mesh.cell_volume)


def _steps(t_a: float, t_b: float, dt: float) -> Array:
    """A uniform grid from t_a to t_b with steps of about dt (an even count)."""
    n = 2 * max(1, round(abs(t_b - t_a) / (2 * dt)))
    return np.linspace(t_a, t_b, n + 1)


@functools.lru_cache(maxsize=4)
def _ode_reference(case_id: str, n_particles: int, seed: int, n_steps: int) -> Array:
    from pdecheck import particles

    problem = _problem(case_id)
    t_a, t_b, start = study_span(problem, "ode")
    x0 = particles.sample(start, n_particles, seed)
    times = np.linspace(t_a, t_b, n_steps + 1)
    return np.asarray(particles.integrate_ode(problem.drift, x0, times, method="rk4").samples[-1])


def _ode_error(runner: CaseRunner, scheme: Scheme, dt: float) -> tuple[float, dict[str, float]]:
    """Mean |X_h − X_ref| at the end of the span (same initial points), over the particles
    that stayed finite (at least 99%)."""
    from pdecheck import particles

    problem = _problem(runner.case_id)
    t_a, t_b, start = study_span(problem, "ode")
    x0 = particles.sample(start, runner.n_particles, runner.seed)
    run = particles.integrate_ode(problem.drift, x0, _steps(t_a, t_b, dt), method=scheme.name)
    assert runner.finest is not None
    ref_steps = 4 * max(1, round(abs(t_b - t_a) / runner.finest))
    ref = _ode_reference(runner.case_id, runner.n_particles, runner.seed, ref_steps)
    dist = np.linalg.norm(np.asarray(run.samples[-1]) - ref, axis=1)
    # a particle whose step left the support met the field's NaN there (flagged by the
    # integrator, excluded from its statistics): measure the others, unless that is most
    finite = np.isfinite(dist)
    if np.count_nonzero(finite) < 0.99 * dist.size:
        raise ValueError(
            f"{dist.size - np.count_nonzero(finite)} of {dist.size} particles met a non-finite "
            f"field value at dt={dt!r}; the rule is at most 1% (the error would not be the "
            "scheme's)"
        )
    return float(np.mean(dist[finite])), {}


def _sde_error(
    problem: Any, scheme: Scheme, dt: float, n_particles: int, seed: int
) -> tuple[float, dict[str, float]]:
    """|E|X_h|² − E|X_{h/2}|²| at the end of the span, the two runs driven by one Brownian path
    (the fine increments summed in pairs drive the coarse run), and its standard error."""
    from pdecheck import particles

    t_a, t_b, start = study_span(problem, "sde")
    x0 = particles.sample(start, n_particles, seed)
    fine = _steps(t_a, t_b, dt / 2)
    dw = particles.brownian_increments(seed + 1, n_particles, fine, x0.shape[1])
    ends = []
    for times, noise in ((fine[::2], dw[:, 0::2, :] + dw[:, 1::2, :]), (fine, dw)):
        run = particles.integrate_sde(
            problem.drift, problem.diffusion, x0, times, brownian=noise, method=scheme.name
        )
        ends.append(np.sum(np.asarray(run.samples[-1]) ** 2, axis=1))
    diff = ends[0] - ends[1]
    diff = diff[np.isfinite(diff)]
    return abs(float(diff.mean())), {
        "standard_error": float(diff.std(ddof=1) / math.sqrt(diff.size))
    }


def _ks_error(problem: Any, scheme: Scheme, n: int, seed: int) -> tuple[float, dict[str, float]]:
    """KS distance of the first coordinate at the end of the span to the exact marginal."""
    from pdecheck import particles

    t_a, t_b, start = study_span(problem, scheme.kind)
    x0 = particles.sample(start, n, seed)
    if scheme.kind == "ode":
        run = particles.integrate_ode(
            problem.drift, x0, np.linspace(t_a, t_b, 129), method=scheme.name
        )
    else:
        run = particles.integrate_sde(
            problem.drift,
            problem.diffusion,
            x0,
            np.linspace(t_a, t_b, 513),
            seed=seed + 1,
            method=scheme.name,
        )
    x = np.asarray(run.samples[-1])[:, 0]
    if problem.boundary == "periodic":  # the particles' law on the torus: wrap into the box
        lo, hi = float(problem.domain[0][0]), float(problem.domain[1][0])
        x = lo + np.mod(x - lo, hi - lo)
    x = np.sort(x)
    end = problem.marginal(t_b)
    dim = x0.shape[1]
    upper = np.full((x.size, dim), np.inf)
    upper[:, 0] = x
    cdf = end.box_probability(np.full((x.size, dim), -np.inf), upper)
    i = np.arange(1, x.size + 1)
    ks = float(max(np.max(i / x.size - cdf), np.max(cdf - (i - 1) / x.size)))
    return ks, {"standard_error": KOLMOGOROV_SD / math.sqrt(x.size)}


def convergence_study(
    subject: str | Callable[[Any], Any],
    parameter: str,
    values: Iterable[float],
    *,
    method: str | None = None,
    nominal: float | None = None,
    executor: Any = None,
    step: Callable[[float], float] | None = None,
    alpha: float = 0.05,
    n_particles: int = 2000,
    seed: int = 0,
) -> Study:
    """A refinement study of a built-in case (``subject`` a case id) or of any runner.

    For a case: ``method`` is a scheme of :data:`STUDY_METHODS` that applies to it (default:
    the first of :func:`methods_for`), ``parameter`` "n" for grid schemes and "dt" or
    "n_particles" for particle schemes; ``nominal`` defaults to the scheme's order for that
    parameter. ``n_particles`` and ``seed`` set the particle runs of "dt" studies. For a
    callable ``subject`` the arguments go to :func:`pdecheck.convergence.convergence_study`.
    A ``nominal`` that is not a number (``"2"``) raises ``TypeError`` before any solve, and so
    do ``values`` that are not at least 3 finite levels > 0, whole numbers for "n" and
    "n_particles" (``ValueError``, :func:`~pdecheck.convergence.study.check_levels`).
    """
    if nominal is not None:
        nominal = check_real("nominal", nominal)
    if not isinstance(subject, str):
        if method is not None:
            raise ValueError(f"method={method!r} applies to a case id, not to a runner")
        return _study_of_runner(
            subject, parameter, values, nominal=nominal, executor=executor, step=step, alpha=alpha
        )
    from pdecheck import cases

    case = cases.get(subject)
    usable = methods_for(case)
    if not usable:
        raise ValueError(f"case {case.id} has no grid or particle scheme to study")
    method = usable[0] if method is None else method
    if method not in usable:
        raise ValueError(
            f"method={method!r} does not apply to case {case.id} ({case.equation}); "
            f"the rule is one of {usable}"
        )
    scheme = STUDY_METHODS[method]
    if parameter not in scheme.nominal:
        raise ValueError(
            f"parameter={parameter!r} does not apply to method {method!r}; the rule is one of "
            f"{sorted(scheme.nominal)}"
        )
    if case.problem().marginal is None:
        raise ValueError(f"case {case.id} has no exact marginal to measure the error against")
    vals = check_levels(parameter, values, COUNT_PARAMETERS | {"n_particles"}).tolist()
    runner = CaseRunner(
        case.id,
        method,
        parameter,
        n_particles=n_particles,
        seed=seed,
        finest=min(vals) if parameter == "dt" and vals else None,
    )
    if step is None and parameter == "n_particles":
        step = _reciprocal
    if vals:  # warm-up on the cheapest level: compilation is not work (work–precision)
        runner(max(vals) if parameter == "dt" else min(vals))
    return _study_of_runner(
        runner,
        parameter,
        vals,
        nominal=scheme.nominal[parameter] if nominal is None else nominal,
        executor=executor,
        step=step,
        alpha=alpha,
        tolerance=ORDER_TOLERANCE,
    )


def _reciprocal(value: float) -> float:
    """h = 1/N (picklable, unlike a lambda)."""
    return 1.0 / value
