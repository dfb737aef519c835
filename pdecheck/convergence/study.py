"""Refinement studies: run a solver over a sequence of resolutions and judge its order.

Public names: :class:`Study` (errors, wall times, observed order with its confidence interval,
the nominal-order check, Richardson/GCI on a functional, work–precision data; ``table()`` in
Markdown, ``to_dict()``, ``plot(ax=None)`` and ``plot_work_precision(ax=None)``) and
:func:`convergence_study` (runs ``runner(value)`` for every value through a
``concurrent.futures``-style executor: ``executor.map(runner, values)``, serial by default).

``runner(value)`` returns ``(error, wall_time)`` or a mapping with keys ``error``, ``wall_time``
and optionally ``standard_error`` (Monte Carlo errors) and ``functional`` (a solution value
such as u_h(0.5), which Richardson extrapolation and the GCI use). A functional that gives no
Richardson estimate (not converging on the three finest levels, or exactly the same on two of
them, as a conserved mass is) leaves ``Study.richardson`` None and says why in
``Study.richardson_note``; the order check on the errors is made all the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck._validate import _short, check_finite, check_positive, check_real
from pdecheck.convergence.orders import OrderCheck, OrderFit, check_order, fit_order, local_orders
from pdecheck.convergence.richardson import Richardson, richardson

__all__ = ["COUNT_PARAMETERS", "Study", "check_levels", "convergence_study"]

Array = NDArray[np.float64]

#: parameters that count cells, steps or samples: the step is h = 1/value
COUNT_PARAMETERS = frozenset({"n", "n_cells", "cells", "nx", "n_steps", "steps", "n_samples"})


@dataclass(frozen=True)
class Study:
    """The outcome of a refinement study over ``parameter`` (levels sorted coarse to fine).

    ``richardson`` is the three-finest-level analysis of ``functionals``
    (:func:`~pdecheck.convergence.richardson.richardson`), or None: without functionals, with
    fewer than 3 levels, or when the functionals give no estimate, for which
    ``richardson_note`` holds the reason (e.g. the sequence is not converging, or it is
    constant as a conserved quantity is). The nominal-order verdict concerns the errors only.
    """

    parameter: str
    values: Array
    h: Array
    errors: Array
    wall_times: Array
    nominal: float | None = None
    standard_errors: Array | None = None
    functionals: Array | None = None
    alpha: float = 0.05
    tolerance: float = 0.0
    fit: OrderFit = field(init=False)
    check: OrderCheck | None = field(init=False)
    richardson: Richardson | None = field(init=False)
    richardson_note: str | None = field(init=False)

    def __post_init__(self) -> None:
        if self.nominal is not None:
            object.__setattr__(self, "nominal", check_real("nominal", self.nominal))
        fit = fit_order(self.h, self.errors, standard_errors=self.standard_errors, alpha=self.alpha)
        check = None
        deterministic_ok = self.standard_errors is None and self.h.size >= 4
        if self.nominal is not None and (deterministic_ok or self.standard_errors is not None):
            check = check_order(
                self.h,
                self.errors,
                self.nominal,
                standard_errors=self.standard_errors,
                alpha=self.alpha,
                tolerance=self.tolerance,
            )
        rich, note = None, None
        if self.functionals is not None and self.h.size >= 3:
            fns = check_finite("functionals", self.functionals)
            if fns.shape != self.h.shape:
                raise ValueError(
                    f"functionals has shape {fns.shape} and h {self.h.shape}; the rule is one "
                    "functional per refinement level"
                )
            try:
                rich = richardson(self.h, fns)
            except ValueError as error:  # the data give no estimate: say so, keep the study
                note = str(error)
        object.__setattr__(self, "fit", fit)
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "richardson", rich)
        object.__setattr__(self, "richardson_note", note)

    @property
    def observed_order(self) -> float:
        return self.fit.order

    @property
    def ci(self) -> tuple[float, float]:
        return self.fit.ci

    @property
    def local_orders(self) -> Array:
        return local_orders(self.h, self.errors)

    @property
    def passed(self) -> bool | None:
        """The nominal-order verdict, or None when no nominal order was given."""
        return None if self.check is None else self.check.passed

    @property
    def verdict(self) -> str | None:
        """ "pass", "fail" or "inconclusive" (:attr:`OrderCheck.verdict`); None without a
        nominal order."""
        return None if self.check is None else self.check.verdict

    @property
    def work_precision(self) -> tuple[Array, Array]:
        """(wall time, error) per level: compare schemes at equal cost."""
        return self.wall_times.copy(), self.errors.copy()

    def table(self) -> str:
        """A Markdown table: one row per level, then the fitted order and the verdict."""
        rows = [
            f"| {self.parameter} | h | error | local order | wall time [s] |",
            "|---:|---:|---:|---:|---:|",
        ]
        local = ["–", *(f"{p:.3f}" for p in self.local_orders)]
        for v, h, e, p, t in zip(
            self.values, self.h, self.errors, local, self.wall_times, strict=True
        ):
            rows.append(f"| {v:g} | {h:.4g} | {e:.4e} | {p} | {t:.3g} |")
        lo, hi = self.ci
        conf = 100 * (1 - self.alpha)
        lines = [
            *rows,
            "",
            f"Observed order {self.observed_order:.3f} ({conf:g}% CI [{lo:.3f}, {hi:.3f}]).",
        ]
        if self.check is not None:
            c = self.check
            verdict = c.verdict.upper()
            lines.append(
                f"Nominal {c.nominal:g}: tested {c.observed:.4f}, allowance {c.allowance:.3g} "
                f"(max(tolerance {c.tolerance:g}, z·se + delta_pre), must be < {c.gap / 2:g}) "
                f"-> {verdict}."
            )
        if self.richardson is not None:
            r = self.richardson
            lines.append(
                f"Richardson: order {r.order:.4f}, extrapolated {r.extrapolated:.10g}, "
                f"GCI_fine {r.gci_fine:.3g}, asymptotic ratio {r.asymptotic_ratio:.4f}"
                + (" (oscillatory: order not trustworthy)" if r.oscillatory else "")
                + "."
            )
        if self.richardson_note is not None:
            lines.append(f"Richardson on the functional not computed: {self.richardson_note}.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the study."""
        out: dict[str, Any] = {
            "parameter": self.parameter,
            "values": self.values.tolist(),
            "h": self.h.tolist(),
            "errors": self.errors.tolist(),
            "wall_times": self.wall_times.tolist(),
            "local_orders": self.local_orders.tolist(),
            "observed_order": self.observed_order,
            "ci": list(self.ci),
            "alpha": self.alpha,
            "nominal": self.nominal,
            "passed": self.passed,
            "verdict": self.verdict,
        }
        if self.standard_errors is not None:
            out["standard_errors"] = self.standard_errors.tolist()
            out["chi2"] = self.fit.chi2
            out["chi2_critical"] = self.fit.chi2_critical
        if self.check is not None:
            out["allowance"] = self.check.allowance
            out["delta_pre"] = self.check.delta_pre
        if self.richardson is not None:
            out["richardson"] = self.richardson.to_dict()
        if self.richardson_note is not None:
            out["richardson"] = None
            out["richardson_note"] = self.richardson_note
        return out

    def plot(self, ax: Any = None) -> Any:
        """Error against h on log–log axes with the fitted slope (and the nominal slope)."""
        ax = _axes(ax)
        ax.loglog(self.h, self.errors, "o", label="error")
        if self.standard_errors is not None:
            ax.errorbar(self.h, self.errors, yerr=self.standard_errors, fmt="none", ecolor="C0")
        hh = np.geomspace(self.h.min(), self.h.max(), 50)
        ax.loglog(
            hh,
            np.exp(self.fit.log_constant) * hh**self.observed_order,
            "-",
            label=f"fit: slope {self.observed_order:.2f}",
        )
        if self.nominal is not None:
            anchor = self.errors[-1] / self.h[-1] ** self.nominal
            ax.loglog(
                hh, anchor * hh**self.nominal, "--", color="grey", label=f"order {self.nominal:g}"
            )
        ax.set_xlabel(f"h (from {self.parameter})")
        ax.set_ylabel("error")
        ax.legend()
        return ax

    def plot_work_precision(self, ax: Any = None, label: str | None = None) -> Any:
        """Error against wall time on log–log axes (call once per scheme on the same axes)."""
        ax = _axes(ax)
        ax.loglog(self.wall_times, self.errors, "o-", label=label or self.parameter)
        ax.set_xlabel("wall time [s]")
        ax.set_ylabel("error")
        ax.legend()
        return ax


def _axes(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 4))
    return ax


def _unpack(value: Any, result: Any) -> tuple[float, float, float | None, float | None]:
    if isinstance(result, Mapping):
        missing = {"error", "wall_time"} - set(result)
        if missing:
            raise ValueError(
                f"runner({value!r}) returned keys {sorted(result)}; missing {sorted(missing)}"
            )
        se, fn = result.get("standard_error"), result.get("functional")
        return (
            float(result["error"]),
            float(result["wall_time"]),
            None if se is None else float(se),
            None if fn is None else float(fn),
        )
    if isinstance(result, Sequence) and len(result) == 2:
        return float(result[0]), float(result[1]), None, None
    raise TypeError(
        f"runner({value!r}) returned {result!r}; it must return (error, wall_time) or a mapping "
        "with keys error, wall_time and optionally standard_error, functional"
    )


def check_levels(
    parameter: str, values: Iterable[float], counts: Collection[str] = COUNT_PARAMETERS
) -> Array:
    """``values`` as a 1-D float array of refinement levels, or ``ValueError`` naming it: at
    least 3 levels, each finite and > 0, and each a whole number when ``parameter`` is one of
    ``counts`` (it counts cells, steps or samples, and h = 1/value: a level of 16.7 cells
    would be solved on 16 and fitted at h = 1/16.7)."""
    vals = check_positive("values", list(values))
    if vals.ndim != 1 or vals.size < 3:
        raise ValueError(f"values={_short(vals)}: the rule is at least 3 refinement levels")
    fractional = vals[vals != np.round(vals)]
    if parameter in counts and fractional.size:
        raise ValueError(
            f"values={_short(vals)} has {fractional.size} level(s) that are not whole numbers "
            f"({_short(fractional)}); the rule is integers for parameter={parameter!r}, a count"
        )
    return vals


def convergence_study(
    runner: Callable[[Any], Any],
    parameter: str,
    values: Iterable[float],
    *,
    nominal: float | None = None,
    executor: Any = None,
    step: Callable[[float], float] | None = None,
    alpha: float = 0.05,
    tolerance: float = 0.0,
) -> Study:
    """Run ``runner(value)`` for every value and fit the order of the errors in h.

    h = ``step(value)``; by default h = 1/value for counting parameters (:data:`COUNT_PARAMETERS`)
    and h = value otherwise. ``executor`` is anything with a ``map(fn, iterable)`` method
    (``concurrent.futures`` executors, a Dask client's executor); results keep the order of
    ``values``, so a parallel run gives the same study as the serial one. ``tolerance`` is the
    floor under the order check's allowance (:class:`~pdecheck.convergence.orders.OrderCheck`).
    """
    if not callable(runner):
        raise TypeError(f"runner={runner!r} must be callable: runner(value) -> (error, wall_time)")
    if nominal is not None:  # before any run: a slip such as nominal="2" costs no solves
        nominal = check_real("nominal", nominal)
    vals = check_levels(parameter, values)
    if step is None:
        h = 1.0 / vals if parameter in COUNT_PARAMETERS else vals.copy()
    else:
        h = np.array([float(step(v)) for v in vals])
    mapper = map if executor is None else executor.map
    raw = list(mapper(runner, vals.tolist()))
    parts = [_unpack(v, r) for v, r in zip(vals, raw, strict=True)]
    order = np.argsort(-h, kind="stable")
    err, wall, se, fn = (list(col) for col in zip(*parts, strict=True))
    ses = None if any(s is None for s in se) else np.asarray(se, dtype=float)[order]
    fns = None if any(f is None for f in fn) else np.asarray(fn, dtype=float)[order]
    bad = [v for v, e in zip(vals, err, strict=True) if not (math.isfinite(e) and e > 0)]
    if bad:
        raise ValueError(f"runner returned a non-positive or non-finite error at {parameter}={bad}")
    return Study(
        parameter=parameter,
        values=vals[order],
        h=h[order],
        errors=np.asarray(err, dtype=float)[order],
        wall_times=np.asarray(wall, dtype=float)[order],
        nominal=nominal,
        standard_errors=ses,
        functionals=fns,
        alpha=alpha,
        tolerance=tolerance,
    )
