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
    with pytest.raises(ValueError, match=r"r21=0\.5 must be a finite number > 1"):
        celik_order(1.0, 1.1, 1.2, 0.5, 2.0)
    with pytest.raises(ValueError, match="at least 3"):
        richardson([0.1, 0.2], [1.0, 1.1])
    with pytest.raises(ValueError, match="non-zero"):
        grid_convergence_index(0.0, 0.1, 2.0, 2.0)


def test_a_diverging_sequence_is_reported_not_converging():
    """f = 2 − 1/(4h) at h = 1/4, 1/2, 1 gives 1, 1.5, 1.75: |f2 − f1| = 0.5 > |f3 − f2| = 0.25,
    the differences grow on refinement like h^−1. With a constant ratio a positive order needs
    |eps32/eps21| > 1 (here 0.5); the absolute value in Celik's fixed point would report p = 1."""
    with pytest.raises(ValueError, match=r"not converging: \|eps32/eps21\| = 0.5"):
        richardson([0.25, 0.5, 1.0], [1.0, 1.5, 1.75])
    with pytest.raises(ValueError, match="not converging"):
        celik_order(1.0, 1.5, 1.75, 2.0, 2.0)


def test_equal_differences_are_not_convergence():
    """f = 1 − log2 h at h = 1/4, 1/2, 1 gives 3, 2, 1: |eps21| = |eps32| (p = 0, no
    convergence). With r21 = 2, r32 = 3 a positive order needs |eps32/eps21| >
    ln r32/ln r21 = 1.585, the p → 0 limit of r21^p (r32^p − 1)/(r21^p − 1), which increases
    with p; an oscillatory pair (s < 0) needs |eps32/eps21| > 1 (here 0.25)."""
    with pytest.raises(ValueError, match="not converging"):
        richardson([0.25, 0.5, 1.0], [3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match=r"not converging.*> 1\.58496"):
        celik_order(3.0, 2.0, 1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="not converging"):
        celik_order(1.0, 1.04, 1.03, 2.0, 2.0)
    # a slow but genuine order just above the threshold is still found
    f1, f2, f3 = (1.0 + h**0.05 for h in (1.0, 2.0, 6.0))
    assert celik_order(f1, f2, f3, 2.0, 3.0)[0] == pytest.approx(0.05, rel=1e-9)


def test_celik_order_for_unequal_ratios_where_the_plain_iteration_fails():
    """f = 2 + 0.3 h^p with (r21, r32) = (1.5, 2.5) or (1.25, 2): the fixed point of Celik's
    equation is p, but the plain iteration p ← |ln|eps32/eps21| + q(p)|/ln r21 does not settle
    (or overflows) there; the root of the increasing ln-ratio equation is found instead."""
    for r21, r32 in [(1.5, 2.5), (1.25, 2.0), (2.0, 4.0)]:
        for p_true in (2.0, 3.0, 4.0):
            f1, f2, f3 = (2.0 + 0.3 * h**p_true for h in (1.0, r21, r21 * r32))
            p, oscillatory = celik_order(f1, f2, f3, r21, r32)
            assert p == pytest.approx(p_true, rel=1e-9) and not oscillatory


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda: grid_convergence_index(1.0, 1.1, 2.0, 0.0),
            "order=0.0 must be a finite number > 0",
        ),
        (
            lambda: grid_convergence_index(1.0, 1.1, 0.5, 2.0),
            "ratio=0.5 must be a finite number > 1",
        ),
        (
            lambda: richardson_extrapolate(1.0, 1.1, 1.0, 2.0),
            "ratio=1.0 must be a finite number > 1",
        ),
        (lambda: richardson_extrapolate(1.0, 1.1, 2.0, -1.0), "order=-1.0 must be"),
        (lambda: celik_order(1.0, float("nan"), 1.2, 2.0, 2.0), "f2=nan must be finite"),
    ],
)
def test_ratio_and_order_rules(call, words):
    """r^p − 1 is the denominator of the extrapolation and of the GCI: r = 1 or p = 0 divides
    by zero, r < 1 (or p < 0) gives a negative GCI band."""
    with pytest.raises(ValueError, match=words):
        call()


def test_ratio_and_order_must_be_numbers():
    with pytest.raises(TypeError, match="order='2' must be a real number"):
        grid_convergence_index(1.0, 1.1, 2.0, "2")
