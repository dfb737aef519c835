"""pytest support for path designs: assertions that explain a failure, Hypothesis strategies
that generate valid designs, and a pytest plugin.

- :func:`assert_transports` — the path (or claim) carries p_0 to p_T (``verify_transport``);
- :func:`assert_green_function` — eq. 8/12 consistency of a conditional path
  (``check_green_function``);
- :func:`assert_order` — a convergence study's observed order is the expected one;
- :func:`assert_same_marginals` — two SDEs have the same marginals p_t;
- :func:`assert_verdict` — any verdict object (``passed`` and ``summary()``);
- :mod:`pdecheck.testing.strategies` — ``schedules()``, ``affine_paths()``,
  ``point_mixtures(d, k)``, ``gaussian_mixtures()``, ``linear_sdes()``;
- :mod:`pdecheck.testing.plugin` — options ``--pdecheck-alpha``, ``--pdecheck-n``,
  ``--pdecheck-seed``, the marker ``pdecheck_slow``, the ``rng`` fixture and a summary line.

Every assertion returns the verdict it checked and raises ``AssertionError`` carrying the
verdict's summary (which time, which distance, which threshold, which method) when it fails.
The names load lazily: importing this package imports neither Numba nor Hypothesis.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "assert_green_function",
    "assert_order",
    "assert_same_marginals",
    "assert_transports",
    "assert_verdict",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module("pdecheck.testing.assertions"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pdecheck.testing' has no attribute {name!r}")
