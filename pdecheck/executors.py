"""Executors for sweeps (DESIGN.md, "Scaling out"): anything with ``map(fn, iterable)``.

- :class:`SerialExecutor` — in-process, the default; ``map`` is the built-in ``map``;
- :func:`make_executor` — serial, a process pool (``jobs=N``) or a Dask distributed cluster
  (``scheduler="tcp://host:8786"``, extra ``pdecheck[dask]``), as a context manager that shuts
  the pool or the client down on exit.

Results come back in the order of the inputs for every executor, and the runners are pure
functions of their inputs (seeded particles, deterministic grids), so a sweep gives the same
numbers serially, on a pool or on a cluster.

A scheduler address that is malformed or where no scheduler answers raises
:class:`SchedulerError` when the executor is made, before any work is sent.

Public names: :class:`SchedulerError`, :class:`SerialExecutor`, :func:`make_executor`.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["SchedulerError", "SerialExecutor", "make_executor"]

SCHEDULER_RULE = "the address of a running Dask scheduler, e.g. tcp://host:8786"


class SchedulerError(ValueError):
    """No Dask scheduler can be reached at ``address``: the address is malformed, or nothing
    answers there. ``reason`` is the cause, as Dask gave it."""

    def __init__(self, address: str, cause: Exception) -> None:
        self.address = address
        self.reason = f"{type(cause).__name__}: {cause}"
        super().__init__(self.describe("scheduler"))

    def describe(self, name: str) -> str:
        """The message, naming the argument (or the command-line option) ``name``."""
        return (
            f"{name}={self.address!r} cannot be used ({self.reason}); the rule is {SCHEDULER_RULE}"
        )


class SerialExecutor:
    """Runs every call in the calling process, in order."""

    def map(self, fn: Callable[[Any], Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        return map(fn, *iterables)

    def __repr__(self) -> str:
        return "SerialExecutor()"


@contextlib.contextmanager
def make_executor(jobs: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """The executor for ``jobs`` worker processes or a Dask ``scheduler`` address (not both);
    serial when neither is given. Closed on leaving the ``with`` block."""
    if jobs is not None and scheduler is not None:
        raise ValueError(
            f"jobs={jobs!r} and scheduler={scheduler!r}: give one of them, not both "
            "(a Dask cluster sets its own workers)"
        )
    if jobs is not None and (
        isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral) or jobs < 1
    ):
        raise ValueError(f"jobs={jobs!r} must be a positive integer number of processes")
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise ImportError(
                f"scheduler={scheduler!r} needs Dask distributed: "
                "python -m pip install 'pdecheck[dask]'"
            ) from None
        try:
            client = Client(scheduler)
        except (OSError, ValueError, TypeError) as error:
            raise SchedulerError(scheduler, error) from error
        try:
            yield client.get_executor()
        finally:
            client.close()
    elif jobs is not None and jobs > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # "spawn": worker processes must not inherit a parent's Numba/threading state
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield pool
    else:
        yield SerialExecutor()
