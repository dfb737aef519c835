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
    """Assert seed eqs. 8 and 12 and the PDE residual for the conditional path of ``subject``
    started at ``x0`` (:func:`pdecheck.check_green_function`), with the session's false-alarm
    rate and particle count unless given. Returns the verdict."""
    from pdecheck.verify import check_green_function

    verdict = check_green_function(subject, x0, alpha=_alpha(alpha), n=_n(n), **options)
    return assert_verdict(verdict, check="assert_green_function")


def assert_order(study: Any, expected: float, tol: float = ORDER_TOL) -> float:
    """Assert that the observed order of convergence is ``expected`` within ``tol``.

    ``study`` is a convergence study (an object with ``observed_order``, e.g. the result of
    :func:`pdecheck.convergence_study`) or a pair ``(h, errors)`` of at least four refinements,
    whose order is the least-squares slope of log e against log h. The failure message shows the
    observed and expected orders, the tolerance and the study's table. Returns the observed order.
    """
    if not (math.isfinite(expected) and math.isfinite(tol) and tol > 0):
        raise ValueError(f"expected={expected!r}, tol={tol!r}: both must be finite and tol > 0")
    if hasattr(study, "observed_order"):
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


def _fitted_order(study: Any) -> tuple[float, str]:
    """Least-squares slope of log e on log h, and a table of the local slopes."""
    try:
        h, e = (np.asarray(v, dtype=float).ravel() for v in study)
    except (TypeError, ValueError):
        raise TypeError(
            f"study={study!r} must have an 'observed_order' or be a pair (h, errors)"
        ) from None
    if h.shape != e.shape or h.size < MIN_REFINEMENTS:
        raise ValueError(
            f"study has {h.size} steps and {e.size} errors; they must be equal in number and "
            f">= {MIN_REFINEMENTS} (an order is fitted over at least {MIN_REFINEMENTS} refinements)"
        )
    if not (np.all(np.isfinite(h)) and np.all(h > 0) and np.all(np.isfinite(e)) and np.all(e > 0)):
        raise ValueError(f"study steps h={h} and errors={e} must be finite and > 0 (log-log fit)")
    slope = float(np.polyfit(np.log(h), np.log(e), 1)[0])
    local = np.diff(np.log(e)) / np.diff(np.log(h))
    rows = [f"  h={hi:.4g}  error={ei:.4g}" for hi, ei in zip(h, e, strict=True)]
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
