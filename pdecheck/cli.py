"""The ``pdecheck`` command (DESIGN.md): subcommands registered in one table.

- ``pdecheck list`` — every built-in case: id, equation, dimension, title, what makes it hard;
- ``pdecheck verify CASE|FILE.py [--alpha --n --grid --steps --times --methods --seed --out]``
  — :func:`~pdecheck.verify_transport` on a case or on a user's file that defines ``path`` (or
  ``sde``, or a whole ``claim``) and ``data`` at module level, ``t_span`` optionally
  (``examples/my_path.py``); exit status 0 when the verdict passes, 1 when it fails, 2 for bad
  input. An error raised in the user's file shows the user's frames, not pdecheck's;
- ``pdecheck report [--out reports/] [--cases ...] [--quick] [--jobs N | --scheduler ADDR]`` —
  every built-in case verified and studied (:mod:`pdecheck.report`);
- ``pdecheck show CASE [--times T ...] [--points N]`` — evaluate one closed-form case at a few
  times (:mod:`pdecheck._show`).

Bad input exits with status 2 and a message naming the option, the value and the rule, before
anything long runs: an unknown case (the known ids are printed), an option value the parser
refuses (``--grid``, ``--steps``, ``--times``, ``--jobs``, an ``--out`` that is a file),
``show --times`` where the case's closed form has no density (not finite, outside the path's
time range, at the atoms of point-mass data), a ``--scheduler`` where no Dask scheduler
answers. A report that cannot be written (:class:`~pdecheck.verify._atomic.WriteError`) leaves
the files already in ``--out`` unchanged and exits with status 2 (``verify``) or 1 (``report``).
Entry points: :func:`main`, ``python -m pdecheck``.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pdecheck._show import show, unknown_case

__all__ = ["main"]


def _list(args: argparse.Namespace) -> int:
    from pdecheck.cases import all_cases

    print(f"{'id':<4} {'equation':<14} {'dim':>3}  title / hard")
    for case in all_cases():
        print(f"{case.id:<4} {case.equation:<14} {case.dim:>3}  {case.title}")
        print(f"{'':<4} {'':<14} {'':>3}    hard: {case.hard}")
    return 0


class UserCodeError(Exception):
    """An exception raised by code in the user's file (printed with the user's frames only)."""

    def __init__(self, filename: str, error: BaseException) -> None:
        super().__init__(str(error))
        self.filename = filename
        self.error = error

    def print(self) -> None:
        """The traceback from the first frame in the user's file down to the error."""
        tb = self.error.__traceback__
        while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != self.filename:
            tb = tb.tb_next
        lines = traceback.format_exception(type(self.error), self.error, tb)
        if tb is None:  # the error was not raised in the user's file: the message alone
            lines = traceback.format_exception_only(type(self.error), self.error)
        print(f"pdecheck: error in {self.filename}:", file=sys.stderr)
        print("".join(lines), end="", file=sys.stderr)


def _load_user_file(filename: str) -> tuple[Any, Any, Any]:
    """(subject, data, t_span) from a file defining ``claim``, or ``path``/``sde`` and ``data``."""
    path = os.path.abspath(filename)
    try:
        namespace = runpy.run_path(path, run_name="__pdecheck_user__")
    except SystemExit as error:  # the file's own exit code must not become the verdict's
        called = RuntimeError(f"the file called sys.exit({error.code!r})")
        raise UserCodeError(path, called) from None
    except Exception as error:
        raise UserCodeError(path, error) from None
    t_span = namespace.get("t_span")
    if "claim" in namespace:
        return namespace["claim"], None, t_span
    subject = namespace.get("path", namespace.get("sde"))
    if subject is None or "data" not in namespace:
        raise ValueError(
            f"FILE={filename!r} defines {sorted(k for k in namespace if not k.startswith('_'))}; "
            "the rule is `path` (or `sde`) and `data` at module level, or a `claim`"
        )
    return subject, namespace["data"], t_span


def _verify(args: argparse.Namespace) -> int:
    from pdecheck import cases
    from pdecheck.verify import verify_transport

    target = args.target
    if target.endswith(".py") or os.path.sep in target:
        if not os.path.isfile(target):
            print(f"pdecheck: FILE={target!r} does not exist", file=sys.stderr)
            return 2
        try:
            subject, data, t_span = _load_user_file(target)
        except UserCodeError as error:
            error.print()
            return 2
        except ValueError as error:
            print(f"pdecheck: {error}", file=sys.stderr)
            return 2
    else:
        try:
            subject = cases.get(target).id
        except KeyError:
            return unknown_case(target)
        data = t_span = None
    kwargs: dict[str, Any] = {"alpha": args.alpha, "n": args.n, "seed": args.seed}
    for name in ("grid", "steps", "methods"):
        if getattr(args, name) is not None:
            kwargs[name] = getattr(args, name)
    if args.times is not None:
        kwargs["n_times"] = args.times
    try:
        verdict = verify_transport(subject, data, t_span, **kwargs)
    except (ValueError, TypeError) as error:
        origin = os.path.abspath(target)
        frames = traceback.extract_tb(error.__traceback__)
        if any(os.path.abspath(f.filename) == origin for f in frames):
            UserCodeError(origin, error).print()
        else:
            print(f"pdecheck: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        UserCodeError(os.path.abspath(target), error).print()
        return 2
    print(verdict.summary())
    if args.out:
        from pdecheck.verify._atomic import WriteError

        try:
            written = verdict.write_report(args.out)
        except WriteError as error:
            print(f"pdecheck: --out={args.out!r}: {error}", file=sys.stderr)
            return 2
        print(f"report: {', '.join(str(p) for p in written.values())}")
    return 0 if verdict.passed else 1


def _report(args: argparse.Namespace) -> int:
    from pdecheck import cases
    from pdecheck.executors import SchedulerError
    from pdecheck.report import run_report
    from pdecheck.verify._atomic import WriteError

    ids = []
    for case_id in args.cases or []:
        try:
            ids.append(cases.get(case_id).id)
        except KeyError:
            return unknown_case(case_id)
    try:
        summary = run_report(
            args.out,
            cases=ids or None,
            quick=args.quick,
            jobs=args.jobs,
            scheduler=args.scheduler,
            progress=None if args.progress == "auto" else args.progress == "on",
        )
    except SchedulerError as error:
        print(f"pdecheck: {error.describe('--scheduler')}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"pdecheck: {error}", file=sys.stderr)
        return 2
    except WriteError as error:
        print(f"pdecheck: {error}", file=sys.stderr)
        return 1
    print(summary)
    return 0


def _positive_int(text: str) -> int:
    """An option's value that must be a positive integer (argparse names the option)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: the rule is a positive integer")
    return value


def _grid_cells(text: str) -> int:
    """``--grid``: cells per axis of the finest grid, by :func:`~pdecheck.verify_transport`'s
    rule, checked before anything runs."""
    from pdecheck.verify.transport import GRID_RULE

    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 8 or value % 4:
        raise argparse.ArgumentTypeError(f"{text!r}: the rule is {GRID_RULE}")
    return value


def _out_directory(text: str) -> str:
    """``--out``: a directory that exists or can be made, checked before anything runs."""
    path = Path(text).absolute()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text!r} is an existing file; the rule is a directory (existing or to be created)"
        )
    ancestor = next(p for p in (path, *path.parents) if p.exists())
    if not ancestor.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text!r} lies under the file {str(ancestor)!r}; the rule is a directory "
            "(existing or to be created)"
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            f"{text!r}: {str(ancestor)!r} is not writable; the rule is a directory this user "
            "can write"
        )
    return text


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
    p_show.set_defaults(run=show)

    p_verify = sub.add_parser(
        "verify",
        help="verify one case or a path design in a Python file (exit 0 pass, 1 fail)",
        description="Verify that a case, or the `path` (or `sde`) and `data` defined in FILE.py, "
        "carries p_0 to p_T: closed form vs grid vs particles. Exit status 0 when the verdict "
        "passes, 1 when it fails, 2 for bad input.",
    )
    p_verify.add_argument("target", metavar="CASE|FILE.py", help="case id (e.g. S6) or a file")
    p_verify.add_argument(
        "--alpha", type=float, default=1e-3, help="suite false-alarm rate (default 1e-3)"
    )
    p_verify.add_argument("--n", type=int, default=4000, help="particles (default 4000)")
    p_verify.add_argument(
        "--grid", type=_grid_cells, help="cells per axis of the finest grid (>= 8, divisible by 4)"
    )
    p_verify.add_argument("--steps", type=_positive_int, help="coarse particle steps over t_span")
    p_verify.add_argument("--times", type=_positive_int, help="number of check times (default 4)")
    p_verify.add_argument(
        "--methods", nargs="+", choices=("exact", "grid", "particles"), help="answers to compare"
    )
    p_verify.add_argument("--seed", type=int, default=0, help="seed of samples and noise")
    p_verify.add_argument(
        "--out", type=_out_directory, help="write verdict.{md,png,json} into this directory"
    )
    p_verify.set_defaults(run=_verify)

    p_report = sub.add_parser(
        "report",
        help="verify every case and run its convergence studies into reports/",
        description="Run verify_transport and the convergence studies of every grid and "
        "particle scheme that applies to each built-in case; write OUT/index.md, one page and "
        "PNG figures per case, and OUT/results.json: all of them replaced together, or none "
        "(a run that fails part-way leaves OUT as it was).",
    )
    p_report.add_argument(
        "--out", type=_out_directory, default="reports", help="output directory (default reports/)"
    )
    p_report.add_argument("--cases", nargs="+", metavar="CASE", help="only these case ids")
    p_report.add_argument(
        "--quick", action="store_true", help="small sizes, one scheme per kind (<= 60 s)"
    )
    where = p_report.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=_positive_int, help="run the sweeps on N worker processes")
    where.add_argument(
        "--scheduler", metavar="ADDR", help="Dask scheduler address (pdecheck[dask])"
    )
    p_report.add_argument(
        "--progress",
        choices=("auto", "on", "off"),
        default="auto",
        help="progress bar per case on stderr (auto: only on a terminal)",
    )
    p_report.set_defaults(run=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status. An option value the parser refuses exits
    at once through ``SystemExit(2)`` (argparse's usage and message on stderr)."""
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
