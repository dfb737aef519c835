"""Convergence studies: observed orders, Richardson extrapolation, GCI, work–precision.

Studies: :func:`convergence_study` (runner(value) -> (error, wall_time), executor hook) →
:class:`Study` (``errors``, ``observed_order``, ``ci``, ``check``, ``richardson``,
``work_precision``, ``table()``, ``to_dict()``, ``plot()``, ``plot_work_precision()``).
Orders: :func:`fit_order` → :class:`OrderFit` (weighted/ordinary least squares on log–log, CI,
chi² goodness of fit), :func:`local_orders`, :func:`aitken` (delta_pre),
:func:`check_order` → :class:`OrderCheck` (|p − p_nom| <= z·se + delta_pre < gap/2).
Richardson: :func:`celik_order`, :func:`richardson_extrapolate`, :func:`grid_convergence_index`,
:func:`richardson` → :class:`Richardson`.

Derivations and the worked Poisson example: STATISTICS.md §3–4.
"""

from __future__ import annotations

from pdecheck.convergence.orders import (
    OrderCheck,
    OrderFit,
    aitken,
    check_order,
    fit_order,
    local_orders,
)
from pdecheck.convergence.richardson import (
    Richardson,
    celik_order,
    grid_convergence_index,
    richardson,
    richardson_extrapolate,
)
from pdecheck.convergence.study import Study, convergence_study

__all__ = [
    "OrderCheck",
    "OrderFit",
    "Richardson",
    "Study",
    "aitken",
    "celik_order",
    "check_order",
    "convergence_study",
    "fit_order",
    "grid_convergence_index",
    "local_orders",
    "richardson",
    "richardson_extrapolate",
]
