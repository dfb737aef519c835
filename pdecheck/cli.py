"""The ``pdecheck`` command (DESIGN.md): subcommands registered in one table.

- ``pdecheck list`` — every built-in case: id, equation, dimension, title, what makes it hard;
- ``pdecheck show CASE [--times T ...] [--points N]`` — evaluate one closed-form case at a few
  times: for 1-D cases the density, field and CDF at a few points of the domain and the mass
  by quadrature (``scipy.integrate.quad`` over the domain, split at the support's edges).

An unknown case prints the known ids and exits with status 2. Entry point: :func:`main`.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["main"]


def _list(args: argparse.Namespace) -> int:
    from pdecheck.cases import all_cases

    print(f"{'id':<4} {'equation':<14} {'dim':>3}  title / hard")
    for case in all_cases():
        print(f"{case.id:<4} {case.equation:<14} {case.dim:>3}  {case.title}")
        print(f"{'':<4} {'':<14} {'':>3}    hard: {case.hard}")
    return 0


def _mass(density: Any, lo: float, hi: float) -> float:
    """∫ p_t over [lo, hi] by adaptive quadrature, split at the edges of the mixture's
    components (where a compact prior makes p_t jump)."""
    from scipy import integrate

    edges = {lo, hi}
    for part in getattr(density, "components", []):
        edges.update(float(e[0]) for e in part.bounds(1e-14))
    cuts = sorted(e for e in edges if lo <= e <= hi)

    def pdf(u: float) -> float:
        return float(density.pdf(np.array([u]))[0])

    pieces = itertools.pairwise(cuts)
    return float(sum(integrate.quad(pdf, a, b, limit=200)[0] for a, b in pieces))


def _show(args: argparse.Namespace) -> int:
    from pdecheck.cases import all_cases, get

    try:
        case = get(args.case)
    except KeyError:
        known = ", ".join(c.id for c in all_cases())
        print(f"pdecheck: unknown case {args.case!r}; known cases: {known}", file=sys.stderr)
        return 2
    problem = case.problem()
    print(f"{case.id}: {case.title}")
    print(f"  equation {case.equation}, dim {case.dim}, t_span {problem.t_span}")
    print(f"  hard: {case.hard}")
    if problem.marginal is None:
        print("  no closed-form marginal")
        return 0
    lo, hi = problem.domain if problem.domain is not None else problem.initial.bounds(1e-10)
    t0, t1 = sorted(problem.t_span)
    times = args.times if args.times else list(np.linspace(t1, t0, 4))
    for t in times:
        density = problem.marginal(float(t))
        print(f"\n  t = {t:.4g}")
        if case.dim != 1:
            m = density.mean()
            print(
                f"    mean {np.array2string(m, precision=6)}, mass in domain "
                f"{float(density.box_probability(lo[None], hi[None])[0]):.12f}"
            )
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
        print(f"    mass by quadrature: {_mass(density, lo[0], hi[0]):.12f}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pdecheck", description="Does this path carry p_0 to p_T?"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list the built-in cases")
    p_list.set_defaults(run=_list)
    p_show = sub.add_parser("show", help="evaluate one closed-form case at a few times")
    p_show.add_argument("case", help="case id, e.g. A5")
    p_show.add_argument("--times", type=float, nargs="+", help="times at which to evaluate")
    p_show.add_argument("--points", type=int, default=7, help="points per time (1-D cases)")
    p_show.set_defaults(run=_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
