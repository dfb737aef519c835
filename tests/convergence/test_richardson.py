"""Richardson extrapolation, the Celik iteration and the GCI on the STATISTICS.md §4 example."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pdecheck.convergence import (
    celik_order,
    grid_convergence_index,
    richardson,
    richardson_extrapolate,
)

from .poisson import poisson_midpoint


def test_poisson_three_finest_grids():
    """n = 32, 64, 128: p = 2.00065, f_ext = 1 + 2.4e-8, GCI_fine = 6.27e-5 bounds the true
    relative error 5.02e-5, asymptotic ratio 0.99985 (STATISTICS.md §4)."""
    ns = np.array([8, 16, 32, 64, 128])
    f = np.array([poisson_midpoint(n) for n in ns])
    r = richardson(1.0 / ns, f)
    assert r.order == pytest.approx(2.00065, abs=1e-5)
    assert r.extrapolated - 1.0 == pytest.approx(2.4e-8, abs=0.05e-8)
    assert r.gci_fine == pytest.approx(6.27e-5, abs=0.005e-5)
    true_error = abs(f[-1] - 1.0)
    assert true_error == pytest.approx(5.02e-5, abs=0.005e-5) and true_error < r.gci_fine
    assert r.asymptotic_ratio == pytest.approx(0.99985, abs=1e-5)
    assert not r.oscillatory and (r.r21, r.r32) == (2.0, 2.0)


def test_celik_variable_ratio():
    """n = 12, 20, 32 (ratios 5/3 and 8/5): the Celik iteration gives p = 2.00593."""
    f1, f2, f3 = (poisson_midpoint(n) for n in (32, 20, 12))
    p, oscillatory = celik_order(f1, f2, f3, 32 / 20, 20 / 12)
    assert p == pytest.approx(2.00593, abs=1e-5) and not oscillatory


def test_celik_recovers_exact_power_laws_and_closed_form():
    """f = f0 + C h^p is reproduced exactly by any ratios; for a constant ratio the iteration is
    the closed form ln((f3 − f2)/(f2 − f1))/ln r."""
    for p_true, (h1, h2, h3) in [(1.5, (0.1, 0.17, 0.3)), (3.0, (0.05, 0.1, 0.2))]:
        f1, f2, f3 = (2.0 + 0.7 * h**p_true for h in (h1, h2, h3))
        p, _ = celik_order(f1, f2, f3, h2 / h1, h3 / h2)
        assert p == pytest.approx(p_true, rel=1e-9)
        assert richardson_extrapolate(f1, f2, h2 / h1, p) == pytest.approx(2.0, rel=1e-9)
    f1, f2, f3 = 1.0 + 0.01, 1.0 + 0.04, 1.0 + 0.17
    closed_form = math.log(0.13 / 0.03) / math.log(2)
    assert celik_order(f1, f2, f3, 2.0, 2.0)[0] == pytest.approx(closed_form)


def test_gci_safety_factors_and_oscillation():
    """GCI = Fs |eps/f1| / (r^p − 1): Fs = 1.25 observed, 3 assumed; alternating differences
    are flagged as oscillatory."""
    assert grid_convergence_index(1.0, 1.03, 2.0, 2.0) == pytest.approx(1.25 * 0.03 / 3)
    assumed = grid_convergence_index(1.0, 1.03, 2.0, 2.0, observed=False)
    assert assumed == pytest.approx(3 * 0.03 / 3)
    assert celik_order(1.0, 1.01, 0.97, 2.0, 2.0)[1]


def test_bad_input():
    with pytest.raises(ValueError, match="agree exactly"):
        celik_order(1.0, 1.0, 1.1, 2.0, 2.0)
    with pytest.raises(ValueError, match="must both be > 1"):
        celik_order(1.0, 1.1, 1.2, 0.5, 2.0)
    with pytest.raises(ValueError, match="at least 3"):
        richardson([0.1, 0.2], [1.0, 1.1])
    with pytest.raises(ValueError, match="non-zero"):
        grid_convergence_index(0.0, 0.1, 2.0, 2.0)
