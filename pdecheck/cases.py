"""The built-in catalogue of verification cases (CATALOGUE.md ids: H1, A5, S3, P1, …).

A :class:`Case` is a name, a description of what makes it hard, and a ``build()`` that returns
the :class:`Problem`: the equation's coefficients (drift field, diffusion g_t), the initial
density at ``t_span[0]`` and — where one exists — the exact marginal p_t as a density object.
The CLI, the reports, the convergence studies and the tests all draw from this one registry.

Cases are registered by the modules of :mod:`pdecheck.exact` with :func:`register`; an unknown
id raises ``KeyError`` listing the known ones.

Public names: :class:`Case`, :class:`Problem`, :func:`register`, :func:`get`, :func:`all_cases`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck.densities import Density

__all__ = ["Case", "Problem", "all_cases", "get", "register"]

Array = NDArray[np.float64]


@dataclass
class Problem:
    """∂_t p = −∇·(f_t p) + ½ g_t² Δp on ``t_span`` (which may decrease), with p = ``initial``
    at ``t_span[0]``.

    - ``drift``: the field f(t, x) ((n, d) -> (n, d)); may expose ``compiled()``.
    - ``diffusion``: g(t) (a scalar function), or None for pure transport.
    - ``marginal``: t -> exact p_t as a :class:`~pdecheck.densities.Density`, or None.
    - ``score``: (t, x) -> ∇ log p_t(x) where known (reverse SDEs, probability flow).
    - ``domain``: a box (lower, upper) that holds the mass over ``t_span`` (to ``mass_tol``),
      for grid solvers; None to let the solver size one from the marginals.
    """

    drift: Callable[[float, Array], Array]
    initial: Density
    t_span: tuple[float, float]
    diffusion: Callable[[float], float] | None = None
    marginal: Callable[[float], Density] | None = None
    score: Callable[[float, Array], Array] | None = None
    domain: tuple[Array, Array] | None = None
    boundary: str = "zero-flux"
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return self.initial.dim


@dataclass(frozen=True)
class Case:
    """A catalogue entry: ``id`` (CATALOGUE.md), a one-line ``title``, ``hard`` (what makes it
    hard for a solver), the ``equation`` ("continuity", "heat" or "fokker-planck") and
    ``build`` returning the :class:`Problem`."""

    id: str
    title: str
    hard: str
    equation: str
    dim: int
    build: Callable[[], Problem]
    params: dict[str, Any] = field(default_factory=dict)
    #: methods that apply: a subset of ("exact", "grid", "particles")
    methods: tuple[str, ...] = ("exact", "grid", "particles")

    def problem(self) -> Problem:
        return self.build()


_REGISTRY: dict[str, Case] = {}
_EQUATIONS = ("continuity", "heat", "fokker-planck")


def register(case: Case) -> Case:
    """Add a case to the catalogue (ids are unique)."""
    if case.equation not in _EQUATIONS:
        raise ValueError(
            f"case {case.id}: equation={case.equation!r}; it must be one of {_EQUATIONS}"
        )
    if case.id in _REGISTRY:
        raise ValueError(f"case id {case.id!r} is registered twice")
    _REGISTRY[case.id] = case
    return case


def _load() -> None:
    importlib.import_module("pdecheck.exact")


def all_cases() -> list[Case]:
    """Every registered case, in catalogue order (by letter, then number)."""
    _load()
    order = "HAGSFPLMU"

    def key(c: Case) -> tuple[int, str]:
        return (order.index(c.id[0]) if c.id[0] in order else len(order), c.id)

    return sorted(_REGISTRY.values(), key=key)


def get(case_id: str) -> Case:
    """The case with this id; ``KeyError`` lists the known ids."""
    _load()
    try:
        return _REGISTRY[case_id]
    except KeyError:
        known = ", ".join(c.id for c in all_cases())
        raise KeyError(f"unknown case {case_id!r}; known cases: {known}") from None
