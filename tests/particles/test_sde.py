"""integrate_sde: strong orders on paths coupled through one Brownian path, weak orders from
the exact discrete moments of a linear SDE (STATISTICS.md §3, "split the check"), fast path =
slow path, and backward runs.

Monte Carlo assertions use alpha = 1e-5 each (suite budget 1e-3 / ~100 assertions).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from pdecheck.fields import field_kernel
from pdecheck.particles import brownian_increments, integrate_sde

ALPHA = 1e-5
Z = stats.norm.isf(ALPHA / 2)
LAM = -1.0


@field_kernel(dim=1, params=[LAM])
def linear(t, x, p, out):
    out[0] = p[0] * x[0]


@field_kernel(dim=1, params=[0.8])
def gbm_noise(t, x, p, out):
    out[0] = p[0] * x[0]


def g(t):
    return 1.0 + t


def _coarsen(dw, factor):
    n, steps, d = dw.shape
    return dw.reshape(n, steps // factor, factor, d).sum(axis=2)


@pytest.mark.parametrize("noise", [gbm_noise, lambda t, x: 0.8 * x], ids=["compiled", "numpy"])
def test_strong_order_half_multiplicative(noise, slope):
    """GBM dX = μX dt + σX dW, X_T = X_0 exp((μ − σ²/2)T + σW_T) on the same path: EM has
    strong order 1/2 for multiplicative noise (Kloeden & Platen Thm 10.2.2). N = 1000 paths,
    steps 16 … 256 coupled by summing the finest increments."""
    mu, sigma, n_paths = 0.5, 0.8, 1000
    drift = field_kernel(dim=1, params=[mu])(linear.kernel)
    steps = np.array([16, 32, 64, 128, 256])
    dw = brownian_increments(17, n_paths, np.linspace(0.0, 1.0, steps[-1] + 1))
    x_exact = np.exp((mu - sigma**2 / 2) + sigma * dw.sum(axis=(1, 2)))
    err = []
    for n in steps:
        sol = integrate_sde(
            drift,
            noise,
            np.ones(n_paths),
            np.linspace(0, 1, n + 1),
            brownian=_coarsen(dw, steps[-1] // n),
        )
        err.append(np.mean(np.abs(sol.at()[:, 0] - x_exact)))
    assert abs(slope(1.0 / steps, err) - 0.5) <= 0.15, err


def test_strong_order_one_additive(slope):
    """dX = λX dt + g(t) dW: EM is strong order 1 for additive noise (it equals Milstein).
    Reference X_T = e^{λT} x0 + Σ_j e^{λ(T − s_j)} g(s_j) ΔW_j on a grid 32× finer than the
    finest run (midpoints s_j: its error sd ~ δ/√12, 1/64 of the finest EM error)."""
    n_paths, fine = 1000, 128 * 32
    t_fine = np.linspace(0.0, 1.0, fine + 1)
    dw = brownian_increments(23, n_paths, t_fine)
    mid = 0.5 * (t_fine[1:] + t_fine[:-1])
    x_exact = np.exp(LAM) + dw[:, :, 0] @ (np.exp(LAM * (1.0 - mid)) * g(mid))
    steps = np.array([8, 16, 32, 64, 128])
    err = []
    for n in steps:
        sol = integrate_sde(
            linear, g, np.ones(n_paths), np.linspace(0, 1, n + 1), brownian=_coarsen(dw, fine // n)
        )
        err.append(np.mean(np.abs(sol.at()[:, 0] - x_exact)))
    assert abs(slope(1.0 / steps, err) - 1.0) <= 0.15, err


def _discrete_moments(method, n):
    """Exact law of the scheme on dX = λX dt + g(t) dW, X_0 = 1 (Gaussian).

    EM: X' = (1 + λh) X + g(t_k) ΔW; weak2: X' = R X + (1 + λh/2) g(t_k + h/2) ΔW with
    R = 1 + λh + (λh)²/2 (substitute the linear drift into the scheme of steppers.py)."""
    h = 1.0 / n
    t = np.arange(n) * h
    if method == "euler_maruyama":
        r, gain = 1 + LAM * h, g(t)
    else:
        r, gain = 1 + LAM * h + (LAM * h) ** 2 / 2, (1 + LAM * h / 2) * g(t + h / 2)
    mean, var = 1.0, 0.0
    for k in range(n):
        mean, var = r * mean, r * r * var + gain[k] ** 2 * h
    return mean, var


EXACT_MEAN = np.exp(LAM)
EXACT_VAR = integrate.quad(lambda s: np.exp(2 * LAM * (1 - s)) * g(s) ** 2, 0, 1, epsabs=1e-14)[0]


@pytest.mark.parametrize("method,order", [("euler_maruyama", 1), ("weak2", 2)])
def test_weak_order_from_exact_discrete_moments(method, order, slope):
    """Weak order: the errors of the scheme's exact mean and variance fall like h^p
    (deterministic fits over 5 halvings; a g evaluated off mid-step would make weak2's
    variance error first order); the code's samples match that discrete law at every h (CLT
    on the mean, chi-square on the variance, N = 20000 per h: at alpha = 1e-5 the mean band is
    4.4 sd/√N ≈ 0.02 sd)."""
    steps = np.array([8, 16, 32, 64, 128])
    err_mean, err_var = [], []
    n_paths = 20000
    for i, n in enumerate(steps):
        mean, var = _discrete_moments(method, n)
        err_mean.append(abs(mean - EXACT_MEAN))
        err_var.append(abs(var - EXACT_VAR))
        x = integrate_sde(
            linear, g, np.ones(n_paths), np.linspace(0, 1, n + 1), seed=100 + i, method=method
        ).at()
        assert abs(x.mean() - mean) <= Z * np.sqrt(var / n_paths)
        lo, hi = stats.chi2.ppf([ALPHA / 2, 1 - ALPHA / 2], n_paths - 1) * var / (n_paths - 1)
        assert lo <= x.var(ddof=1) <= hi, (n, x.var(ddof=1), var)
    assert abs(slope(1.0 / steps, err_mean) - order) <= 0.15, err_mean
    assert abs(slope(1.0 / steps, err_var) - order) <= 0.15, err_var


@pytest.mark.parametrize("method", ["euler_maruyama", "weak2"])
def test_fast_and_slow_paths_are_bit_identical(method):
    t = np.linspace(0.0, 1.0, 17)
    x0 = np.linspace(-1, 1, 300)
    fast = integrate_sde(linear, g, x0, t, seed=5, method=method, save_at=t[::4])
    slow = integrate_sde(lambda s, x: LAM * x, g, x0, t, seed=5, method=method, save_at=t[::4])
    np.testing.assert_array_equal(fast.samples, slow.samples)
    given = integrate_sde(linear, g, x0, t, brownian=brownian_increments(5, 300, t), method=method)
    np.testing.assert_array_equal(given.samples[-1], fast.samples[-1])


def test_reverse_time_sde_recovers_p0(slope):
    """Reverse-time SDE of the OU process dX = −X dt + √2 dW from p_0 = N(μ0, v0):
    p_t = N(μ0 e^{−t}, v_t), v_t = 1 + (v0 − 1) e^{−2t}; from T = 1 down to 0 the drift
    f − g² ∇log p_t = a_t x + b_t (a_t = 2/v_t − 1, b_t = −2μ0 e^{−t}/v_t) reproduces p_0
    (CATALOGUE F2). The drift is linear, so Euler–Maruyama's law is Gaussian with
    m' = m + (a m + b) h, v' = (1 + a h)² v + 2|h| (h < 0): that law tends to p_0 at order 1,
    and the samples (N = 20000) match it at 200 steps."""
    mu0, v0 = 1.5, 0.25

    def var(t):
        return 1 + (v0 - 1) * np.exp(-2 * t)

    def a(t):
        return 2 / var(t) - 1

    def b(t):
        return -2 * mu0 * np.exp(-t) / var(t)

    def reverse_drift(t, x):
        return a(t) * x + b(t)

    def law(n):
        t = np.linspace(1.0, 0.0, n + 1)
        m, v = mu0 * np.exp(-1.0), var(1.0)
        for k in range(n):
            h = t[k + 1] - t[k]
            m, v = m + (a(t[k]) * m + b(t[k])) * h, (1 + a(t[k]) * h) ** 2 * v + 2 * abs(h)
        return m, v

    steps = np.array([50, 100, 200, 400])
    laws = [law(n) for n in steps]
    assert abs(slope(1.0 / steps, [abs(m - mu0) for m, _ in laws]) - 1) <= 0.15
    assert abs(slope(1.0 / steps, [abs(v - v0) for _, v in laws]) - 1) <= 0.15

    n_paths = 20000
    x1 = np.random.default_rng(8).normal(mu0 * np.exp(-1), np.sqrt(var(1.0)), n_paths)
    x0 = integrate_sde(reverse_drift, np.sqrt(2.0), x1, np.linspace(1.0, 0.0, 201), seed=9).at(0.0)[
        :, 0
    ]
    m, v = laws[2]
    assert abs(x0.mean() - m) <= Z * np.sqrt(v / n_paths)
    lo, hi = stats.chi2.ppf([ALPHA / 2, 1 - ALPHA / 2], n_paths - 1) * v / (n_paths - 1)
    assert lo <= x0.var(ddof=1) <= hi
