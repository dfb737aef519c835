"""``pdecheck show CASE [--times T ...] [--points N]`` (:mod:`pdecheck.cli`): one closed-form
case at a few times. In 1-D, the density, field and CDF at a few points of the domain and the
mass in the box (exact where the density has a box probability, else by quadrature split at the
support's edges); in 2-D and 3-D the mean and the mass in the domain, by Monte Carlo with
standard errors where the density has no closed-form moments.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["show", "unknown_case"]


def unknown_case(case_id: str) -> int:
    """Print that ``case_id`` is not a built-in case, with the known ids; exit status 2."""
    from pdecheck.cases import all_cases

    known = ", ".join(c.id for c in all_cases())
    print(f"pdecheck: unknown case {case_id!r}; known cases: {known}", file=sys.stderr)
    return 2


def _mass(density: Any, lo: float, hi: float) -> float:
    """∫ p_t over [lo, hi]: exact by the density's box probability where it has one, else by
    adaptive quadrature split at the edges of the mixture's components (where a compact prior
    makes p_t jump; a narrow peak between cuts could be missed, hence the exact form first)."""
    from scipy import integrate

    try:
        return float(density.box_probability(np.array([[lo]]), np.array([[hi]]))[0])
    except NotImplementedError:
        pass
    edges = {lo, hi}
    for part in getattr(density, "components", []):
        edges.update(float(e[0]) for e in part.bounds(1e-14))
    cuts = sorted(e for e in edges if lo <= e <= hi)

    def pdf(u: float) -> float:
        return float(density.pdf(np.array([u]))[0])

    pieces = itertools.pairwise(cuts)
    return float(sum(integrate.quad(pdf, a, b, limit=200)[0] for a, b in pieces))


def _densities(case: Any, problem: Any, times: Sequence[float]) -> list[Any]:
    """p_t of ``case`` at each of ``times``, all computed before anything is shown. A time must
    be finite and one where the case's closed form holds (the path's or the SDE's time range,
    which may reach beyond ``t_span``), and in 1-D p_t must have a pdf (not the atoms of
    point-mass data); otherwise ``ValueError`` names ``--times``, the value and the rule."""
    if problem.marginal is None:
        return []
    t0, t1 = sorted(problem.t_span)
    span = f"{case.id} runs over t_span [{t0:g}, {t1:g}]"
    densities = []
    for t in times:
        if not math.isfinite(t):
            raise ValueError(f"--times={t:g} must be a finite time ({span})")
        try:
            density = problem.marginal(float(t))
        except ValueError as error:
            raise ValueError(
                f"--times={t:g} is not a time of {case.id}'s closed form: {error} ({span})"
            ) from None
        if case.dim == 1 and not density.has_pdf:
            raise ValueError(
                f"--times={t:g}: p_t of {case.id} is atomic there (point masses, no pdf to "
                f"show); the rule is a time where p_t has a density ({span})"
            )
        densities.append(density)
    return densities


def show(args: argparse.Namespace) -> int:
    """``pdecheck show``: print the closed-form case at a few times (exit status 0, or 2)."""
    from pdecheck.cases import get

    try:
        case = get(args.case)
    except KeyError:
        return unknown_case(args.case)
    if args.points < 1:
        print(f"pdecheck: --points={args.points} must be a positive integer", file=sys.stderr)
        return 2
    problem = case.problem()
    t0, t1 = sorted(problem.t_span)
    times = args.times if args.times else list(np.linspace(t1, t0, 4))
    try:
        densities = _densities(case, problem, times)
    except ValueError as error:
        print(f"pdecheck: {error}", file=sys.stderr)
        return 2
    print(f"{case.id}: {case.title}")
    print(f"  equation {case.equation}, dim {case.dim}, t_span {problem.t_span}")
    print(f"  hard: {case.hard}")
    if problem.marginal is None:
        print("  no closed-form marginal")
        return 0
    lo, hi = problem.domain if problem.domain is not None else problem.initial.bounds(1e-10)
    for t, density in zip(times, densities, strict=True):
        print(f"\n  t = {t:.4g}")
        if case.dim != 1:
            print(f"    {_summary(density, lo, hi)}")
            continue
        x = np.linspace(lo[0], hi[0], args.points + 2)[1:-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            pdf = density.pdf(x)
            cdf = density.cdf(x)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                field = np.asarray(problem.drift(float(t), x.reshape(-1, 1))).reshape(-1)
        print(f"    {'x':>10} {'p_t(x)':>14} {'f_t(x)':>14} {'F_t(x)':>14}")
        for xi, pi, fi, ci in zip(x, pdf, field, cdf, strict=True):
            shown = "undefined" if not np.isfinite(fi) else f"{fi:.8f}"
            print(f"    {xi:10.5f} {pi:14.8f} {shown:>14} {ci:14.8f}")
        print(f"    mass in the box: {_mass(density, lo[0], hi[0]):.12f}")
    return 0


#: samples behind the Monte Carlo summary of a density with no closed-form mean (seed 0)
_SUMMARY_SAMPLES = 100_000


def _summary(density: Any, lo: np.ndarray, hi: np.ndarray) -> str:
    """Mean and mass in the domain [lo, hi] of a multi-dimensional density: closed forms where
    it has them; otherwise Monte Carlo from its sampler, with 1σ standard errors."""
    try:
        mean = np.array2string(density.mean(), precision=6)
        mass = f"{float(density.box_probability(lo[None], hi[None])[0]):.12f}"
        return f"mean {mean}, mass in domain {mass}"
    except ValueError:  # Cauchy tails (the Poisson-kernel cases): no mean
        mass = f"{float(density.box_probability(lo[None], hi[None])[0]):.12f}"
        return f"mean undefined (heavy tails), mass in domain {mass}"
    except NotImplementedError:  # a pushforward density: no closed-form moments
        pass
    n = _SUMMARY_SAMPLES
    x = np.asarray(density.sample(n, 0)).reshape(n, -1)
    inside = np.all((x >= lo) & (x <= hi), axis=1)
    share = float(inside.mean())
    mean = np.array2string(x.mean(axis=0), precision=4)
    se = "[" + " ".join(f"{v:.1g}" for v in x.std(axis=0, ddof=1) / np.sqrt(n)) + "]"
    mass_se = np.sqrt(share * (1 - share) / n)
    mass = f"{share:.5f} ± {mass_se:.1g}" if 0 < share < 1 else f"{share:.0f} (all {n} samples)"
    return (
        f"mean {mean} ± {se}, mass in domain {mass} (Monte Carlo: no closed-form moments; "
        f"N={n}, seed 0, 1σ errors)"
    )
