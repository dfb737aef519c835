"""The named result of every statistical comparison.

Public names: :class:`CheckResult` (statistic, threshold, passed, alpha, n, name, details) and
:func:`check_alpha` / :func:`check_budget` / :func:`check_nonempty` / :func:`sample_points` /
:func:`minimum_n_error`, the shared argument checks that keep every test's false-alarm rate
meaningful (STATISTICS.md, Recommendations 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import as_points, check_finite, check_probability

__all__ = [
    "CheckResult",
    "check_alpha",
    "check_budget",
    "check_nonempty",
    "minimum_n_error",
    "sample_points",
]


@dataclass(frozen=True)
class CheckResult:
    """One statistical comparison: reject when ``statistic > threshold``.

    ``alpha`` is the false-alarm rate the threshold was derived for (the probability that a
    correct implementation fails), ``n`` the sample size, ``details`` the pieces of the
    threshold (concentration term, bias budget, ...) and any per-component results.
    """

    name: str
    statistic: float
    threshold: float
    passed: bool
    alpha: float
    n: int
    details: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        rel = "<=" if self.passed else ">"
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"{self.name}(n={self.n}, alpha={self.alpha:.3g}): statistic {self.statistic:.6g} "
            f"{rel} threshold {self.threshold:.6g} -> {verdict}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (nested results are converted too)."""
        return {
            "name": self.name,
            "statistic": float(self.statistic),
            "threshold": float(self.threshold),
            "passed": bool(self.passed),
            "alpha": float(self.alpha),
            "n": int(self.n),
            "details": {k: _plain(v) for k, v in self.details.items()},
        }


def _plain(value: Any) -> Any:
    if isinstance(value, CheckResult):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def check_alpha(alpha: Any) -> float:
    """A false-alarm rate must lie in the open interval (0, 1)."""
    return check_probability("alpha", alpha)


def check_budget(name: str, value: Any) -> float:
    """A declared bias or quadrature budget: a finite number >= 0."""
    try:
        b = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name}={value!r} must be a real number >= 0") from None
    if not math.isfinite(b) or b < 0:
        raise ValueError(f"{name}={value!r} must be a finite number >= 0")
    return b


def check_nonempty(name: str, values: NDArray[np.float64]) -> NDArray[np.float64]:
    """A sample must hold at least one value: an empty one has no statistic (no maximum, no
    mean) and every threshold divides by n."""
    if values.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {values.shape}); the rule is n >= 1")
    return values


def sample_points(name: str, samples: ArrayLike, dim: int) -> NDArray[np.float64]:
    """Samples as an ``(n, dim)`` array of finite floats with n >= 1 (in 1-D a flat ``(n,)``
    array is accepted too): the conversion every test of this package starts from."""
    x, _ = as_points(name, samples, dim)
    return check_nonempty(name, check_finite(name, x))


def minimum_n_error(test: str, n: int, n_min: int, alpha: float, why: str) -> ValueError:
    """The error raised when ``n`` samples cannot reach a rejection at false-alarm rate alpha."""
    return ValueError(
        f"n={n} samples is too few for the {test} at alpha={alpha:g}: {why}; "
        f"the rule is n >= {n_min}"
    )
