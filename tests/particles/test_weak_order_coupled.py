"""integrate_sde: weak orders measured by Monte Carlo with error bars, from coupled differences
(STATISTICS.md §3, "Coupled differences" and "Regression and confidence interval").

For each coarse step h (levels n = 4, 8, 16, 32 steps on [0, 1]) one Brownian sample on the
grid of step h/2 drives both runs through ``brownian=``: the fine run takes the increments as
they are, the coarse run their sums in pairs. D(h) = E[f(X^h) − f(X^{h/2})] ≈ C(1 − 2^{−p}) h^p
is estimated with its standard error; every level has its own seed, so the four estimates are
independent and the weighted least-squares fit of log|D| on log h has the covariance
(XᵀV⁻¹X)⁻¹ with V = diag(se_i²/D_i²) (delta method).

Decision rule (STATISTICS.md §3): accept |p_hat − p_nom| <= z·se_p + delta_pre, where
delta_pre = |p* − p_nom| and p* is the same weighted fit applied to the *exact* D(h) of the
scheme (computed, not tuned: the pre-asymptotic drift of the fit at these h). The rule must
also separate the nominal order from the wrong ones: z·se_p + delta_pre < 0.5, and the orders
p_nom ± 1 and the strong order lie outside p_hat ± (z·se_p + delta_pre).

Every Monte Carlo assertion has false-alarm rate <= ALPHA = 1e-5 (CLT; the suite budget
1e-3 over ~100 stochastic assertions, as in test_sde.py); the four per-level checks share it
(Bonferroni).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats
from scipy.interpolate import CubicSpline

from pdecheck.fields import field_kernel
from pdecheck.particles import brownian_increments, integrate_sde

ALPHA = 1e-5
Z = stats.norm.isf(ALPHA / 2)
LEVELS = np.array([4, 8, 16, 32])  # coarse steps on [0, 1]; the fine run has twice as many
Z_LEVEL = stats.norm.isf(ALPHA / (2 * LEVELS.size))  # Bonferroni over the levels

LAM, SIG_GBM = -1.0, 0.5  # GBM of STATISTICS.md §3
A_SIN, SIG_SIN, X0_SIN = 3.0, 1.0, 1.0  # dX = −A sin(X) dt + σ dW, X_0 = 1


@field_kernel(dim=1, params=[LAM])
def gbm_drift(t, x, p, out):
    out[0] = p[0] * x[0]


@field_kernel(dim=1, params=[SIG_GBM])
def gbm_noise(t, x, p, out):
    out[0] = p[0] * x[0]


@field_kernel(dim=1, params=[A_SIN])
def sin_drift(t, x, p, out):
    out[0] = -p[0] * math.sin(x[0])


def _pair_sums(dw):
    """Increments of the grid with every other point removed: sums of consecutive pairs."""
    n, steps, d = dw.shape
    return dw.reshape(n, steps // 2, 2, d).sum(axis=2)


def _pair_swapped(dw):
    """The same increments with each consecutive pair swapped: the same law, and the same pair
    sums (the antithetic twin of Giles & Szpruch 2014)."""
    n, steps, d = dw.shape
    return np.ascontiguousarray(dw.reshape(n, steps // 2, 2, d)[:, :, ::-1].reshape(n, steps, d))


def _wls_order(h, D, se):
    """Weighted least-squares slope of log|D| on log h with variances se²/D² (delta method):
    (slope, its standard error)."""
    X = np.column_stack([np.ones(h.size), np.log(h)])
    w = (np.asarray(D) / np.asarray(se)) ** 2
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    beta = cov @ X.T @ (w * np.log(np.abs(D)))
    return float(beta[1]), float(np.sqrt(cov[1, 1]))


def _check_order(h, D_hat, se, D_exact, p_nom, strong):
    """The per-level checks, the noise budget and the decision rule of the module docstring;
    returns the numbers for the report."""
    D_hat, se, D_exact = map(np.asarray, (D_hat, se, D_exact))
    # the code reproduces the scheme's exact coupled differences at every level
    assert np.all(np.abs(D_hat - D_exact) <= Z_LEVEL * se), (D_hat, D_exact, se)
    # noise budget: the z-scaled noise is well below the bias at the finest h
    ratio = Z * se[-1] / abs(D_exact[-1])
    assert ratio <= 0.25, ratio
    assert np.all(np.sign(D_hat) == np.sign(D_exact[0]))
    p_hat, se_p = _wls_order(h, D_hat, se)
    p_star, _ = _wls_order(h, D_exact, se)  # the noise-free fit with the same weights
    delta_pre = abs(p_star - p_nom)
    margin = Z * se_p + delta_pre
    assert margin < 0.5, (margin, se_p, delta_pre)
    assert abs(p_hat - p_nom) <= margin, (p_hat, se_p, p_star)
    for wrong in (p_nom - 1.0, p_nom + 1.0, strong):
        assert abs(p_hat - wrong) > margin, (wrong, p_hat, margin)
    return p_hat, se_p, p_star, ratio


def _gbm_second_moment(n):
    """E (X_n)² of Euler–Maruyama on dX = λX dt + σX dW, X_0 = 1, T = 1, h = 1/n:
    X' = X(1 + λh + σΔW), so E X'² = ((1 + λh)² + σ²h) E X² (STATISTICS.md §3)."""
    h = 1.0 / n
    return ((1 + LAM * h) ** 2 + SIG_GBM**2 * h) ** n


def test_euler_maruyama_weak_order_one_coupled():
    """Euler–Maruyama on GBM dX = λX dt + σX dW (λ = −1, σ = 0.5, X_0 = 1, T = 1), f = x²:
    weak order 1 (Talay & Tubaro 1990; Kloeden & Platen 1992, ch. 14); the exact E f(X^h) of
    the scheme is ((1 + λh)² + σ²h)^{1/h}, so D(h) and p* are closed forms. Its strong order is
    1/2: the coupled difference has sd O(√h), not O(1). N = 100000 paths per level: at h = 1/32 the
    z-scaled noise is 0.13 of |D| (asserted <= 0.25). The compiled path with given increments
    and multiplicative compiled noise runs."""
    n_paths = 100_000
    D_hat, se = [], []
    for i, n in enumerate(LEVELS):
        fine = np.linspace(0.0, 1.0, 2 * n + 1)
        dw = brownian_increments(300 + i, n_paths, fine)
        x0 = np.ones(n_paths)
        xf = integrate_sde(gbm_drift, gbm_noise, x0, fine, brownian=dw).at()[:, 0]
        coarse = np.linspace(0.0, 1.0, n + 1)
        xc = integrate_sde(gbm_drift, gbm_noise, x0, coarse, brownian=_pair_sums(dw)).at()[:, 0]
        diff = xc**2 - xf**2
        D_hat.append(diff.mean())
        se.append(diff.std(ddof=1) / np.sqrt(n_paths))
    D_exact = [_gbm_second_moment(n) - _gbm_second_moment(2 * n) for n in LEVELS]
    _check_order(1.0 / LEVELS, D_hat, se, D_exact, p_nom=1.0, strong=0.5)


def _weak2_expectation(n, f, L=8.0, m=1601, q=40):
    """E f(X_n) of the weak2 scheme (steppers.py) on dX = −A sin(X) dt + σ dW, X_0 = 1, T = 1,
    h = 1/n, computed deterministically by the backward recursion of the scheme's Markov chain:
    u_n = f, u_k(x) = E u_{k+1}(Φ_h(x, ΔW)) with Φ_h(x, w) = x + ½(b(x) + b(x + b(x)h + σw))h
    + σw, the expectation by q-point Gauss–Hermite quadrature and u_{k+1} by a cubic spline on
    m points of [−L, L]. Doubling m and q changes the values by < 2e-9 (checked once), 1e-5 of
    the smallest |D| here."""
    h = 1.0 / n
    x = np.linspace(-L, L, m)
    z, w = np.polynomial.hermite_e.hermegauss(q)
    dw = SIG_SIN * np.sqrt(h) * z[None, :]
    bx = -A_SIN * np.sin(x)[:, None]
    xbar = x[:, None] + bx * h + dw
    step = x[:, None] + 0.5 * (bx - A_SIN * np.sin(xbar)) * h + dw
    u = f(x)
    for _ in range(n):
        u = CubicSpline(x, u)(step) @ (w / w.sum())
    return float(CubicSpline(x, u)(X0_SIN))


def _weak2_run(times, increments):
    """X_1 of the weak2 scheme from X_0 = 1 driven by the given increments."""
    x0 = np.full(increments.shape[0], X0_SIN)
    sol = integrate_sde(sin_drift, SIG_SIN, x0, times, brownian=increments, method="weak2")
    return sol.at()[:, 0]


def test_weak2_weak_order_two_nonlinear_drift_coupled():
    """The weak2 scheme (Kloeden & Platen 15.1.1, additive noise) on the nonlinear SDE
    dX = −A sin(X) dt + σ dW (A = 3, σ = 1, X_0 = 1, T = 1), f = x²: weak order 2, which the
    linear-moment test of test_sde.py does not imply (the predictor's f'' terms vanish there).
    The exact D(h) of the scheme comes from the deterministic backward recursion
    :func:`_weak2_expectation`.

    Variance: the plain coupled difference has sd O(h) (strong order 1) against a bias O(h²);
    the fine estimate is therefore the antithetic average ½(f(X^{h/2}) + f(X̃^{h/2})) over the
    path and its pair-swapped twin, which has the same mean (the twin has the same law and the
    same pair sums, so the coarse path is unchanged) and sd O(h^{3/2}) (measured 0.00066 against
    0.0078 plain at h = 1/32). N = 100000 paths per level: at h = 1/32 the z-scaled noise is
    0.04 of |D| (asserted <= 0.25)."""
    n_paths = 100_000

    def f(x):
        return x**2

    D_hat, se = [], []
    for i, n in enumerate(LEVELS):
        fine = np.linspace(0.0, 1.0, 2 * n + 1)
        dw = brownian_increments(400 + i, n_paths, fine)
        xf, xa = _weak2_run(fine, dw), _weak2_run(fine, _pair_swapped(dw))
        xc = _weak2_run(np.linspace(0.0, 1.0, n + 1), _pair_sums(dw))
        diff = f(xc) - 0.5 * (f(xf) + f(xa))
        D_hat.append(diff.mean())
        se.append(diff.std(ddof=1) / np.sqrt(n_paths))
    expect = {n: _weak2_expectation(n, f) for n in (*LEVELS, 2 * LEVELS[-1])}
    D_exact = [expect[n] - expect[2 * n] for n in LEVELS]
    _check_order(1.0 / LEVELS, D_hat, se, D_exact, p_nom=2.0, strong=1.0)
