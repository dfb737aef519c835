"""The answer of a verification: checks with their thresholds, flags, and a readable summary.

- :class:`Check` — one statistical or deterministic comparison: a statistic, the threshold it
  is held to (derived from N, the grid and the false-alarm rate spent on it) and the verdict.
- :class:`Flag` — a numerical event worth a reader's attention (CFL, mass, negativity, a region
  where the field is undefined, an endpoint mismatch, …). ``severity="error"`` fails the
  verdict; ``"warning"`` is reported only.
- :class:`Profile` — a 1-D snapshot (cell centres and densities per method) for the report plot.
- :class:`Verdict` — ``passed``, per-method and per-time distances against thresholds
  (:meth:`Verdict.distances`), ``flags``, :meth:`Verdict.summary`, :meth:`Verdict.to_dict` and
  :meth:`Verdict.write_report` (Markdown + PNG + JSON, all three replaced or none).

The shape follows scipy.stats' result objects: small, named, with a readable ``repr``.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Check", "Flag", "Profile", "Verdict"]

SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Check:
    """``statistic <= threshold`` is a pass.

    ``method`` names the answers compared ("particles vs exact", "grid vs exact", "grid vs
    particles", "endpoint", …), ``kind`` the statistic ("KS", "binned L1", "L1", "interval",
    …), ``alpha`` the false-alarm rate spent on it (None for deterministic checks) and
    ``budget`` the deterministic part of the threshold (time step, grid, quadrature bias).
    """

    name: str
    method: str
    kind: str
    statistic: float
    threshold: float
    t: float | None = None
    alpha: float | None = None
    budget: float = 0.0
    detail: str = ""

    @property
    def passed(self) -> bool:
        return bool(np.isfinite(self.statistic) and self.statistic <= self.threshold)

    @property
    def ratio(self) -> float:
        """statistic / threshold: < 1 passes."""
        if self.threshold > 0:
            return float(self.statistic / self.threshold)
        return 0.0 if self.statistic <= 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["passed"] = self.passed
        return _jsonable(out)


@dataclass(frozen=True)
class Flag:
    """A numerical event: ``code`` (e.g. "cfl", "mass", "negative-density", "undefined-field",
    "endpoint-mismatch", "nonfinite", "outside-domain", "tail-mass", "step-bias"), a message, a
    severity and
    the value and time it refers to."""

    code: str
    message: str
    severity: str = "warning"
    value: float | None = None
    t: float | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity={self.severity!r} must be one of {SEVERITIES}")

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class Profile:
    """A 1-D snapshot at time ``t``: cell centres ``x`` and one density array per label
    ("exact", "grid", "particles")."""

    t: float
    x: NDArray[np.float64]
    values: dict[str, NDArray[np.float64]]

    def to_dict(self) -> dict[str, Any]:
        return _jsonable({"t": self.t, "x": self.x, "values": self.values})


@dataclass
class Verdict:
    """The result of :func:`~pdecheck.verify_transport` or
    :func:`~pdecheck.check_green_function`."""

    subject: str
    checks: list[Check] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    alpha: float | None = None
    t_span: tuple[float, float] | None = None
    methods: tuple[str, ...] = ()
    profiles: list[Profile] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Every check within its threshold and no error flag (an empty verdict fails)."""
        return bool(self.checks) and all(c.passed for c in self.checks) and not self.errors

    @property
    def errors(self) -> list[Flag]:
        return [f for f in self.flags if f.severity == "error"]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return (
            f"Verdict({self.subject!r}, passed={self.passed}, checks={len(self.checks)}, "
            f"failed={len(self.failed)}, flags={len(self.flags)})"
        )

    def distances(self, method: str | None = None) -> list[tuple[float | None, float, float]]:
        """(t, statistic, threshold) for every check of ``method`` (all checks when None),
        ordered by time."""
        rows = [(c.t, c.statistic, c.threshold) for c in self.checks if method in (None, c.method)]
        return sorted(rows, key=lambda r: -math.inf if r[0] is None else r[0])

    def summary(self) -> str:
        """A plain-text table: one line per check, then the flags."""
        head = f"{self.subject}: {'PASSED' if self.passed else 'FAILED'}"
        if self.alpha is not None:
            m = self._n_stochastic()
            head += f" (suite false-alarm rate {self.alpha:g}, Bonferroni over {m} checks)"
        lines = [head]
        for c in self.checks:
            t = "" if c.t is None else f" t={c.t:.4g}"
            mark = "ok  " if c.passed else "FAIL"
            lines.append(
                f"  {mark} {c.method}{t}: {c.kind} {c.statistic:.4g} <= {c.threshold:.4g}"
                + (f"  ({c.detail})" if c.detail else "")
            )
        for f in self.flags:
            lines.append(f"  [{f.severity}] {f.code}: {f.message}")
        return "\n".join(lines)

    def _n_stochastic(self) -> int:
        return sum(1 for c in self.checks if c.alpha is not None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (floats, strings, lists)."""
        return _jsonable(
            {
                "subject": self.subject,
                "passed": self.passed,
                "alpha": self.alpha,
                "t_span": self.t_span,
                "methods": list(self.methods),
                "checks": [c.to_dict() for c in self.checks],
                "flags": [f.to_dict() for f in self.flags],
                "info": self.info,
            }
        )

    def write_report(self, directory: str | os.PathLike[str]) -> dict[str, Path]:
        """Write ``verdict.md``, ``verdict.png`` and ``verdict.json`` into ``directory`` (created
        if needed), all three or none (:func:`pdecheck.verify.report.write_report`); returns their
        paths by format."""
        from pdecheck.verify.report import write_report

        return write_report(self, directory)


def _jsonable(value: Any) -> Any:
    """Numpy scalars and arrays to Python numbers and lists; non-finite floats to strings
    (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    return value
