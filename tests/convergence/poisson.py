"""The worked example of STATISTICS.md §4: −u'' = pi² sin(pi x) on (0, 1), u(0) = u(1) = 0,
second-order central differences on n intervals; the functional is u_h(1/2) (exact value 1)."""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_banded


def poisson_midpoint(n: int) -> float:
    h = 1.0 / n
    x = np.linspace(0.0, 1.0, n + 1)[1:-1]
    bands = np.zeros((3, n - 1))
    bands[0, 1:], bands[1], bands[2, :-1] = -1.0, 2.0, -1.0
    u = solve_banded((1, 1), bands, h * h * np.pi**2 * np.sin(np.pi * x))
    return float(u[n // 2 - 1])
