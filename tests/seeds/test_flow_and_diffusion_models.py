"""Seed: flow-and-diffusion-models (lecture 2: flows, Brownian motion, OU, Euler–Maruyama).

One test per derivation: Brownian motion (W_t − W_s ~ N(0, (t − s) I), independent
increments, simulated as W_{t+h} = W_t + √h ε), the Ornstein–Uhlenbeck process
dX = −θX dt + σ dW and its law, and the Euler–Maruyama scheme X_{t+h} = X_t + h u_t(X_t) +
√h σ_t ε. Statistical checks: fixed seeds, thresholds from N and the false-alarm rate 1e-4 of
each test (DKW for KS, the normal quantile for correlations).
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from scipy import special

import pdecheck as pc
from pdecheck import compare
from pdecheck import sde as sdes
from pdecheck.testing import assert_order

ALPHA = 1e-4
THETA, SIGMA, X0 = 1.5, 0.8, 2.0


def test_brownian_increments_are_gaussian_with_variance_dt_and_independent():
    """W_t − W_s ~ N(0, t − s) on an uneven grid: increments divided by √(t − s) pass KS
    against N(0, 1) (pooled over 3 steps: 3·N = 30 000 values, DKW at α/3 each); sums of two
    consecutive increments are the increments of the coarser grid (variance h_1 + h_2); and
    consecutive increments are uncorrelated: |r| ≤ z_{1−α/4}/√N (Bonferroni over 2 pairs)."""
    times = np.array([0.0, 0.1, 0.35, 1.0])
    n = 10_000
    dw = pc.particles.brownian_increments(7, n, times, dim=1)[:, :, 0]
    h = np.diff(times)
    for k in range(3):
        result = compare.ks_test(dw[:, k] / math.sqrt(h[k]), pc.Gaussian(0.0, 1.0), alpha=ALPHA / 4)
        assert result.passed, (k, result)
    coarse = (dw[:, 0] + dw[:, 1]) / math.sqrt(h[0] + h[1])
    assert compare.ks_test(coarse, pc.Gaussian(0.0, 1.0), alpha=ALPHA / 4).passed
    z = -special.ndtri(ALPHA / 8)
    for k in range(2):
        r = np.corrcoef(dw[:, k], dw[:, k + 1])[0, 1]
        assert abs(r) <= z / math.sqrt(n), (k, r)


def test_ornstein_uhlenbeck_law_solves_its_fokker_planck_equation():
    """dX = −θX dt + σ dW from x_0 has the law N(x_0 e^{−θt}, σ²(1 − e^{−2θt})/(2θ)) (sympy: the
    FP residual is 0) with the stationary limit N(0, σ²/(2θ)); pdecheck's OU marginal is that
    Gaussian at every t."""
    t, x, x0, theta, sigma = sp.symbols("t x x0 theta sigma", positive=True)
    m = x0 * sp.exp(-theta * t)
    v = sigma**2 * (1 - sp.exp(-2 * theta * t)) / (2 * theta)
    p = sp.exp(-((x - m) ** 2) / (2 * v)) / sp.sqrt(2 * sp.pi * v)
    residual = sp.diff(p, t) + sp.diff(-theta * x * p, x) - sigma**2 / 2 * sp.diff(p, x, 2)
    assert sp.simplify(residual / p) == 0
    assert sp.limit(v, t, sp.oo) == sigma**2 / (2 * theta)

    ou = sdes.OU(theta=THETA, sigma=SIGMA, T=2.0)
    for tt in (0.1, 0.5, 2.0):
        marginal = ou.marginal(pc.PointMixture([X0]), tt)
        np.testing.assert_allclose(marginal.mean(), [X0 * math.exp(-THETA * tt)], rtol=1e-12)
        var = SIGMA**2 * (1 - math.exp(-2 * THETA * tt)) / (2 * THETA)
        np.testing.assert_allclose(marginal.cov(), [[var]], rtol=1e-12)


def _em_law(h: float, steps: int) -> tuple[float, float]:
    """Mean and variance of Euler–Maruyama on OU after ``steps`` steps of size h:
    X_{k+1} = (1 − θh) X_k + σ√h ε_k ⇒ mean x_0 r^n, variance σ²h Σ_{k<n} r^{2k}, r = 1 − θh."""
    r = 1.0 - THETA * h
    return X0 * r**steps, SIGMA**2 * h * (1 - r ** (2 * steps)) / (1 - r**2)


def test_euler_maruyama_draws_its_discrete_law_and_converges_at_weak_order_one():
    """The seed's update X_{t+h} = X_t + h u_t(X_t) + √h σ ε, run by pdecheck on OU (h = 1/16,
    20 000 paths), draws exactly the Gaussian law of the recursion above: KS against it passes
    with the DKW threshold and no bias budget. That law converges to the exact OU law at weak
    order 1 (the variance error is O(h)): the fitted order over h = 1/8 … 1/256 is 1 ± 0.15."""
    n, steps = 20_000, 16
    sol = pc.particles.integrate_sde(
        lambda t, x: -THETA * x,
        SIGMA,
        np.full((n, 1), X0),
        np.linspace(0.0, 1.0, steps + 1),
        seed=11,
    )
    mean, var = _em_law(1.0 / steps, steps)
    result = compare.ks_test(sol.samples[-1, :, 0], pc.Gaussian(mean, math.sqrt(var)), alpha=ALPHA)
    assert result.passed, result

    exact_var = SIGMA**2 * (1 - math.exp(-2 * THETA)) / (2 * THETA)
    hs = 1.0 / np.array([8, 16, 32, 64, 128, 256])
    errors = [abs(_em_law(h, round(1 / h))[1] - exact_var) for h in hs]
    assert_order((hs, errors), expected=1.0)
