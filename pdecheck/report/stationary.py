"""The stationary half of the Langevin cases' pages (issue 9 item 6): L5, L6, L7.

For each case a sampler is run on the case's stationary law p and checked by
:func:`pdecheck.verify_stationary` (bias budget, τ, N_eff, burn-in, acceptance), then the same
sampler family is run on a ladder of step sizes ε to measure its bias:

- L5 — unadjusted Langevin (ULA) and MALA on p = N(0.5, 0.8²); the exact ULA bias
  (:func:`pdecheck.stationary.bias_curve`, stationary law N(m, s²/(1 − ε/4s²))) is drawn beside
  the measured one; ULA's bias is first order in ε, MALA's is zero;
- L6 — annealed Langevin (seed Algorithm 1, σ from 1 to 0.2 geometric, ``ceil(1/ε)`` steps per
  level so that every level runs the same time) on the point data, against q_{σ_L};
- L7 — ULA and MALA on the double-well Gibbs density exp(−U/D)/Z, with the Chang–Cooper steady
  state of dX = −U' dt + √(2D) dW held to it (the grid half of ``verify_stationary``).

A measured bias is the KS distance of the long-run (pooled, after burn-in) or final law to p;
it is resolved only above the DKW noise floor at N_eff and the suite's α, which is plotted with
it. The fitted slope uses only the points at least twice their floor.

Public names: :data:`STATIONARY_CASES`, :func:`stationary_run`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pdecheck.report.plan import Plan

__all__ = ["STATIONARY_CASES", "stationary_run"]

STATIONARY_CASES = ("L5", "L6", "L7")
#: step-size ladders (coarse to fine is not needed: the fit is on log–log)
EPS_LADDER = {
    "L5": (0.05, 0.1, 0.2, 0.4, 0.8, 1.6),
    "L6": (0.005, 0.01, 0.02, 0.04, 0.08),
    "L7": (0.0025, 0.005, 0.01, 0.02, 0.04),
}
#: the annealed levels of L6: σ_1 = 1 down to σ_L = 0.2 (the case's span in σ)
L6_SIGMAS = (1.0, 0.2, 8)


class _TabulatedGibbs:
    """The CDF of a :class:`~pdecheck.exact.langevin.GibbsDensity`, vectorised: cumulative
    masses at 1025 nodes plus a 16-point Gauss–Legendre rule from the node below x (exact to
    round-off for the smooth exp(−U/D) on cells 1/1024 of the interval wide). The density's own
    box_probability runs one adaptive quadrature per point, too slow for a KS test on 10⁵
    draws."""

    def __init__(self, gibbs: Any) -> None:
        self.gibbs = gibbs
        self.nodes = np.linspace(gibbs.lower, gibbs.upper, 1025)
        self.rule = np.polynomial.legendre.leggauss(16)
        cells = self._integral(self.nodes[:-1], self.nodes[1:])
        self.cumulative = np.concatenate([[0.0], np.cumsum(cells)])
        self.total = float(self.cumulative[-1])

    def _integral(self, a: Any, b: Any) -> Any:
        t, w = self.rule
        mid, half = 0.5 * (a + b), 0.5 * (b - a)
        x = mid[:, None] + half[:, None] * t[None, :]
        values = np.exp(self.gibbs.logpdf(x.reshape(-1, 1))).reshape(x.shape)
        return half * (values @ w)

    def cdf(self, x: Any) -> Any:
        g = self.gibbs
        u = np.clip(np.asarray(x, dtype=float).ravel(), g.lower, g.upper)
        k = np.clip(np.searchsorted(self.nodes, u, side="right") - 1, 0, self.nodes.size - 2)
        return np.clip((self.cumulative[k] + self._integral(self.nodes[k], u)) / self.total, 0, 1)


def _fast_gibbs(gibbs: Any) -> Any:
    """``gibbs`` with :class:`_TabulatedGibbs` box probabilities (same law, same logpdf)."""
    import copy

    table = _TabulatedGibbs(gibbs)
    fast = copy.copy(gibbs)

    def box_probability(lower: Any, upper: Any) -> Any:
        lo, hi = (np.asarray(v, dtype=float).reshape(-1) for v in (lower, upper))
        return np.maximum(table.cdf(hi) - table.cdf(lo), 0.0)

    fast.box_probability = box_probability
    return fast


def _samplers(case_id: str, problem: Any) -> tuple[Any, Any, dict[str, Any], float]:
    """(p, start (None: p itself), {name: eps -> sampler}, ε of the verdict run)."""
    from pdecheck.exact.langevin import perturbed
    from pdecheck.particles.langevin import MALA, AnnealedLangevin, Langevin, geometric_sigmas

    notes = problem.notes
    if case_id == "L5":
        p = notes["stationary"]
        return (
            p,
            None,
            {"ULA": lambda e: Langevin(p, e), "MALA": lambda e: MALA(p, e)},
            float(notes["eps"]),
        )
    if case_id == "L6":
        sigmas = geometric_sigmas(*L6_SIGMAS)
        data = notes["data"]
        p = perturbed(data, float(sigmas[-1]))
        return (
            p,
            perturbed(data, float(sigmas[0])),
            {
                "annealed": lambda e: AnnealedLangevin(
                    data, sigmas, e, math.ceil(1.0 / e), step="scaled"
                )
            },
            0.01,
        )
    p = _fast_gibbs(notes["stationary"])
    return (
        p,
        None,
        {
            "ULA": lambda e: Langevin(p.score, e, dim=1),
            "MALA": lambda e: MALA(p.score, e, dim=1, logpdf=p.logpdf),
        },
        0.01,
    )


def _measure(verdict: Any) -> dict[str, float]:
    """The measured KS distance of one run and its noise floor (threshold minus budget), from
    whichever check resolves more: the final states (independent chains) or the long run."""
    check = min(verdict.checks, key=lambda c: c.threshold - c.budget)  # the finer resolution
    return {
        "ks": float(check.statistic),
        "floor": float(check.threshold - check.budget),
        "accept_rate": float(verdict.info.get("accept_rate", 1.0)),
    }


def _slope(eps: list[float], ks: list[float], floor: list[float]) -> float | None:
    keep = [(e, k) for e, k, f in zip(eps, ks, floor, strict=True) if k >= 2.0 * f]
    if len(keep) < 3:
        return None
    x, y = np.log([e for e, _ in keep]), np.log([k for _, k in keep])
    return float(np.polyfit(x, y, 1)[0])


def _verdict_entry(verdict: Any) -> dict[str, Any]:
    info = verdict.info
    keys = ("bias", "bias_source", "tau", "n_eff", "burn_in", "accept_rate", "eps", "sampler")
    return {
        "passed": bool(verdict.passed),
        "checks": [
            f"{c.name}: {c.kind} {c.statistic:.3g} vs {c.threshold:.3g}"
            + (" pass" if c.passed else " FAIL")
            for c in verdict.checks
        ],
        "flags": sorted({f.code for f in verdict.flags}),
        **{k: info[k] for k in keys if k in info},
    }


def stationary_run(case: Any, plan: Plan) -> dict[str, Any]:
    """The verdict, histogram and bias ladder of one Langevin case (JSON-ready, with arrays)."""
    from pdecheck.stationary import bias_curve, stationary_histogram, verify_stationary

    problem = case.problem()
    p, start, samplers, eps0 = _samplers(case.id, problem)
    init = p if start is None else start
    chains, steps = plan.stationary_chains, plan.stationary_steps
    first = next(iter(samplers))
    grid_subject = None
    if case.id == "L7":  # the grid half: the SDE itself, with its potential
        grid_subject = (problem.drift, float(problem.diffusion(0.0)))
    sampler = samplers[first](eps0)
    kwargs = {"n_chains": chains, "n_steps": steps, "seed": plan.seed, "start": start}
    verdict = verify_stationary(sampler, p, **kwargs)
    out: dict[str, Any] = {"sampler": first, "verify": _verdict_entry(verdict)}
    if grid_subject is not None:
        grid = verify_stationary(grid_subject, p, potential=problem.notes["potential"])
        out["grid"] = _verdict_entry(grid)
        out["verify"]["passed"] = out["verify"]["passed"] and bool(grid.passed)
    lo, hi = (float(b[0]) for b in p.bounds(1e-4))
    edges = np.linspace(lo, hi, 41)
    x0 = init.sample(chains, np.random.default_rng(plan.seed)).reshape(chains, 1)
    if start is None:  # the pooled long run after burn-in (half the steps), thinned by 10
        run = sampler.run(x0, steps, seed=plan.seed + 1, keep_from=steps // 2 + 1, thin=10)
        samples = run.trace.reshape(-1, 1) if run.trace is not None else run.x
    else:  # annealed: the final states
        samples = sampler.run(x0, steps, seed=plan.seed + 1).x
    out["histogram"] = stationary_histogram(samples, p, edges)
    out["histogram_n"] = int(samples.shape[0])
    ladder: dict[str, Any] = {}
    for name, make in samplers.items():
        rows = [_measure(verify_stationary(make(e), p, **kwargs)) for e in EPS_LADDER[case.id]]
        eps = list(EPS_LADDER[case.id])
        ks, floor = [r["ks"] for r in rows], [r["floor"] for r in rows]
        ladder[name] = {
            "eps": eps,
            "ks": ks,
            "floor": floor,
            "accept_rate": [r["accept_rate"] for r in rows],
            "slope": _slope(eps, ks, floor),
        }
    out["ladder"] = ladder
    if case.id == "L5":
        fine = np.geomspace(min(EPS_LADDER["L5"]), max(EPS_LADDER["L5"]), 40)
        out["exact"] = bias_curve(p, fine)
    return out
