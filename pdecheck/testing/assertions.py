"""Assertions for pytest that explain a failure.

- :func:`assert_verdict` — any verdict (an object with ``passed`` and ``summary()``);
- :func:`assert_transports` — ``verify_transport``: the path or claim carries p_0 to p_T;
- :func:`assert_green_function` — ``check_green_function``: seed eqs. 8 and 12 and the PDE
  residual of a conditional path;
- :func:`assert_order` — a convergence study's observed order against the expected one;
- :func:`assert_same_marginals` — two SDEs started from the same p_0 have the same p_t.

Each returns what it checked and raises ``AssertionError`` whose message is the verdict's
summary: which method, which time, which distance, which threshold. The false-alarm rate and the
particle count default to the pytest session's ``--pdecheck-alpha`` / ``--pdecheck-n`` (outside
pytest: 1e-3 and 20 000); every check is counted in the plugin's terminal summary.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from pdecheck._validate import as_floats, check_finite, check_positive, check_real
from pdecheck.testing import _record

__all__ = [
    "assert_green_function",
    "assert_order",
    "assert_same_marginals",
    "assert_transports",
    "assert_verdict",
]

#: |observed − nominal| order allowed by default (DESIGN.md, "Numerical requirements": the fitted
#: slope within 0.15 of nominal on smooth data)
ORDER_TOL = 0.15
#: the fewest refinements an order is fitted over (STATISTICS.md §4: 4 or more grids)
MIN_REFINEMENTS = 4


def _alpha(alpha: float | None) -> float:
    return _record.current()[0].alpha if alpha is None else alpha


def _n(n: int | None) -> int:
    return _record.current()[0].n if n is None else n


def assert_verdict(verdict: Any, *, check: str = "assert_verdict") -> Any:
    """Pass ``verdict`` through if ``verdict.passed``; otherwise raise ``AssertionError`` with
    ``verdict.summary()``. ``check`` names the kind of check in the session's tally."""
    if not hasattr(verdict, "passed") or not callable(getattr(verdict, "summary", None)):
        raise TypeError(
            f"verdict={verdict!r} must have a 'passed' attribute and a 'summary()' method "
            "(a pdecheck Verdict)"
        )
    passed = bool(verdict.passed)
    _record.current()[1].record(check, passed)
    if not passed:
        raise AssertionError(verdict.summary())
    return verdict


def assert_transports(
    subject: Any,
    data: Any = None,
    *,
    t_span: tuple[float, float] | None = None,
    alpha: float | None = None,
    n: int | None = None,
    **options: Any,
) -> Any:
    """Assert that ``subject`` (a path, an SDE, a claim or a case id) carries p_0 to p_T:
    :func:`pdecheck.verify_transport` with the session's false-alarm rate and particle count
    unless given. Returns the verdict."""
    from pdecheck.verify import verify_transport

    verdict = verify_transport(
        subject, data, t_span=t_span, alpha=_alpha(alpha), n=_n(n), **options
    )
    return assert_verdict(verdict, check="assert_transports")


def assert_green_function(
    subject: Any,
    x0: ArrayLike,
    *,
    alpha: float | None = None,
    n: int | None = None,
    **options: Any,
) -> Any:
    """Assert seed eqs. 8 and 12 and the PDE residual for the conditional path ``subject`` (or
    the id of a case built on one, e.g. ``"A5"``) started at ``x0``
    (:func:`pdecheck.check_green_function`), with the session's false-alarm rate and particle
    count unless given. Returns the verdict."""
    from pdecheck.verify import check_green_function

    verdict = check_green_function(subject, x0, alpha=_alpha(alpha), n=_n(n), **options)
    return assert_verdict(verdict, check="assert_green_function")


def assert_order(study: Any, expected: float, tol: float = ORDER_TOL) -> float:
    """Assert that the observed order of convergence is ``expected`` within ``tol``.

    ``study`` is a convergence study (an object with ``observed_order`` and its levels ``h``,
    e.g. the result of :func:`pdecheck.convergence_study`) or a pair ``(h, errors)``, whose
    order is the least-squares slope of log e against log h. Either way the rule is at least
    four refinement levels with distinct steps h. ``expected`` and ``tol`` are numbers (not
    strings), finite, ``tol`` > 0. The failure message shows the observed and expected orders,
    the tolerance and the study's table. Returns the observed order.
    """
    expected = float(check_finite("expected", check_real("expected", expected)))
    tol = float(check_positive("tol", check_real("tol", tol)))
    if hasattr(study, "observed_order"):
        _check_levels(study)
        observed = float(study.observed_order)
        table = study.table() if callable(getattr(study, "table", None)) else repr(study)
    else:
        observed, table = _fitted_order(study)
    passed = math.isfinite(observed) and abs(observed - expected) <= tol
    _record.current()[1].record("assert_order", passed)
    if not passed:
        raise AssertionError(
            f"order of convergence: observed {observed:.4g}, expected {expected:g} ± {tol:g} "
            f"(|difference| = {abs(observed - expected):.4g})\n{table}"
        )
    return observed


def _check_levels(study: Any) -> None:
    """A study object must show (through ``h`` or ``errors``) at least MIN_REFINEMENTS levels."""
    levels = getattr(study, "h", getattr(study, "errors", None))
    if levels is None:
        raise TypeError(
            f"study={study!r} has an observed_order but neither 'h' nor 'errors'; the number "
            f"of refinement levels (the rule is >= {MIN_REFINEMENTS}) cannot be checked"
        )
    count = int(np.size(levels))
    if count < MIN_REFINEMENTS:
        raise ValueError(
            f"study has {count} refinement levels; the rule is >= {MIN_REFINEMENTS} (an order "
            f"is fitted over at least {MIN_REFINEMENTS} refinements)"
        )


def _fitted_order(study: Any) -> tuple[float, str]:
    """Least-squares slope of log e on log h (:func:`pdecheck.convergence.fit_order`), and a
    table of the levels and the local slopes, coarse to fine."""
    from pdecheck.convergence.orders import fit_order, local_orders

    try:
        h, e = (as_floats("study", v).ravel() for v in study)
    except (TypeError, ValueError):
        raise TypeError(
            f"study={study!r} must have an 'observed_order' or be a pair (h, errors)"
        ) from None
    if h.shape != e.shape or h.size < MIN_REFINEMENTS:
        raise ValueError(
            f"study has {h.size} steps and {e.size} errors; they must be equal in number and "
            f">= {MIN_REFINEMENTS} (an order is fitted over at least {MIN_REFINEMENTS} refinements)"
        )
    try:
        slope, local = fit_order(h, e).order, local_orders(h, e)
    except ValueError as error:
        raise ValueError(f"study=(h, errors): {error}") from None
    order = np.argsort(-h, kind="stable")
    rows = [f"  h={h[i]:.4g}  error={e[i]:.4g}" for i in order]
    rows.append("  local slopes: " + ", ".join(f"{p:.3f}" for p in local))
    return slope, "\n".join(rows)


def assert_same_marginals(
    sde_a: Any,
    sde_b: Any,
    initial: Any,
    t_span: tuple[float, float],
    *,
    alpha: float | None = None,
    n: int | None = None,
    bias_budget: float = 0.0,
    **options: Any,
) -> Any:
    """Assert that ``sde_a`` and ``sde_b``, both started from the density ``initial`` at
    ``t_span[0]``, have the same marginals at ``n_times`` (default 4) times of ``t_span``:
    two-sample KS of every coordinate against 2·DKW at a Bonferroni share of ``alpha``, plus the
    declared time-stepping ``bias_budget`` (see :mod:`pdecheck.testing._marginals`). Other
    options: ``n_times``, ``steps`` (default 512), ``seed``, ``method``. Returns the verdict."""
    from pdecheck.testing._marginals import same_marginals_verdict

    verdict = same_marginals_verdict(
        sde_a,
        sde_b,
        initial,
        t_span,
        alpha=_alpha(alpha),
        n=_n(n),
        bias_budget=bias_budget,
        **options,
    )
    return assert_verdict(verdict, check="assert_same_marginals")
