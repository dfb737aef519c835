"""The tabulated linear-drift kernel (pdecheck.particles._linear_kernel): the same bits as the
general kernel for the same seed, failures and domain exits recorded on the step they happen,
and the exact law of the discrete Euler–Maruyama recursion (STATISTICS.md §3).

Monte Carlo assertions use alpha = 1e-5 each (suite budget 1e-3 over ~100 assertions).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import pdecheck as pc
from pdecheck.particles import integrate_sde
from pdecheck.sde import OU, VESDE, VPSDE, GeometricNoiseSDE, SubVPSDE

ALPHA = 1e-5
Z = stats.norm.isf(ALPHA / 2)
EPS = np.finfo(float).eps


class General:
    """The same drift without its linear coefficients: integrate_sde must call its kernel."""

    def __init__(self, field):
        self.field = field

    def __call__(self, t, x):
        return self.field(t, x)

    def compiled(self):
        return self.field.compiled()


def _pair(drift, diffusion, x0, t, **kw):
    fast = integrate_sde(drift, diffusion, x0, t, **kw)
    general = integrate_sde(General(drift), diffusion, x0, t, **kw)
    assert (fast.path, general.path) == ("linear", "compiled")
    return fast, general


SDES = [OU(1.5, 0.7), VPSDE(), SubVPSDE(), VESDE(0.1, 5.0), GeometricNoiseSDE(3.0)]


@pytest.mark.filterwarnings("ignore:outside:RuntimeWarning")
@pytest.mark.parametrize("sde", SDES, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("method", ["euler_maruyama", "weak2"])
@pytest.mark.parametrize("d", [1, 3])
def test_same_bits_as_the_general_kernel(sde, method, d):
    """Every built-in drift f_t x (forward on [0.05, 1], and in reverse time τ = T − t), N not a
    multiple of the block size, several save times and a domain that particles leave: samples
    and domain flags are bit for bit those of the kernel-calling path (the table holds the
    kernel's own coefficients and the update is the same arithmetic)."""
    x0 = np.random.default_rng(d).standard_normal((203, d))
    t = np.linspace(0.05, 1.0, 25)

    def g(s):
        return np.sqrt(sde.g2(s))

    box = (-np.full(d, 1.5), np.full(d, 2.0))
    for drift, noise in ((sde.drift, g), (sde.in_reverse_time().drift, 0.3)):
        fast, general = _pair(drift, noise, x0, t, seed=11, method=method, save_at=t[::6])
        general_box = integrate_sde(
            General(drift), noise, x0, t, seed=11, method=method, save_at=t[::6], domain=box
        )
        fast_box = integrate_sde(
            drift, noise, x0, t, seed=11, method=method, save_at=t[::6], domain=box
        )
        np.testing.assert_array_equal(fast.samples, general.samples)
        np.testing.assert_array_equal(fast_box.samples, general.samples)
        np.testing.assert_array_equal(fast_box.left_domain, general_box.left_domain)
        assert fast_box.outside > 0


@pytest.mark.parametrize("method", ["euler_maruyama", "weak2"])
def test_failed_particles_recorded_on_the_step_they_fail(method):
    """Backward OU (h < 0) grows |x| by (1 + θ|h|) per step: particles started at 1e308 and
    1e306 overflow to inf on a step the general kernel records (it checks every step); the
    tabulated kernel checks at the end and runs failed particles again alone. failed_step,
    the NaN rows after the failure, the flags and the healthy particles all agree."""
    x0 = np.concatenate([np.ones(70), [1e308, 1e306, -1e307], np.zeros(60)])
    t = np.linspace(1.0, 0.0, 41)
    with pytest.warns(RuntimeWarning, match="nonfinite: 3 of"):
        fast, general = _pair(OU(5.0).drift, 1.0, x0, t, seed=2, method=method, save_at=t[::8])
    np.testing.assert_array_equal(fast.failed_step, general.failed_step)
    np.testing.assert_array_equal(fast.samples, general.samples)
    assert sorted(set(fast.failed_step[fast.failed_step > 0])) == sorted(
        set(general.failed_step[general.failed_step > 0])
    )
    assert np.count_nonzero(fast.failed_step > 1) >= 1  # one fails after several steps
    assert fast.flags == general.flags


def test_moments_of_the_discrete_euler_maruyama_law():
    """VP SDE from x_0 = 1 by EM on 50 steps: X_N is Gaussian with the exact moments of the
    recursion m' = (1 + f_k h) m, v' = (1 + f_k h)² v + g_k² h (STATISTICS.md §3) — the law of
    the scheme, not of the SDE, so no bias enters. N = 2e5: mean by the CLT, variance by the
    chi-square law, each at alpha = 1e-5; and neighbouring particles (lanes of one block) are
    uncorrelated (|r| <= z/√N)."""
    sde, n, steps = VPSDE(), 200_000, 50
    t = np.linspace(0.0, 1.0, steps + 1)
    sol = integrate_sde(sde.drift, lambda s: np.sqrt(sde.g2(s)), np.ones(n), t, seed=31)
    assert sol.path == "linear"
    m, v = 1.0, 0.0
    for k in range(steps):
        h = t[k + 1] - t[k]
        r = 1.0 + float(sde.drift_coeff(t[k])) * h
        m, v = r * m, r * r * v + float(sde.g2(t[k])) * h
    x = sol.at()[:, 0]
    assert abs(x.mean() - m) <= Z * np.sqrt(v / n)
    lo, hi = stats.chi2.ppf([ALPHA / 2, 1 - ALPHA / 2], n - 1) * v / (n - 1)
    assert lo <= x.var(ddof=1) <= hi
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) <= Z / np.sqrt(n - 1)


def test_one_component_score_drifts_agree_with_the_kernel_to_round_off():
    """The reverse SDE and probability-flow-with-noise drifts of VP from Gaussian data are
    linear: A_t x + B_t with A = f + λ/s², B = −λ a m/s² (s² = a² V + b²). Rewriting
    f x − λ(a m − x)/s² that way changes each step's drift by a few roundings of its terms,
    about 4ε·(|x| + |a m|)·λ/s² ≤ 4ε·C with C = max_k |A_k| (|x| + |B_k/A_k|); the reverse
    run contracts (|1 + A_k h_k| <= 1, checked), so the differences add up to at most
    steps · |h| · 4ε · C. A two-component mixture is not linear: the kernel path runs."""
    sde = VPSDE()
    data = pc.Gaussian([0.5, -1.0], 0.3)
    t = np.linspace(1.0, 1e-3, 101)
    x0 = np.random.default_rng(3).standard_normal((150, 2))
    drift = sde.reverse(sde.score(data)).drift
    fast, general = _pair(drift, lambda s: np.sqrt(sde.g2(s)), x0, t, seed=4)
    A, B = drift.linear_coefficients(t[:-1], 2)
    h = np.diff(t)
    assert np.all(np.abs(1 + A * h) <= 1.0)
    scale = np.max(np.abs(general.samples)) + np.max(np.abs(B))
    bound = 4 * EPS * np.sum(np.abs(h) * np.abs(A)) * scale + 4 * EPS * scale * t.size
    diff = np.max(np.abs(fast.samples - general.samples))
    assert diff <= bound, (diff, bound)
    two = pc.GaussianMixture([[0.5, -1.0], [-1.0, 0.0]], [0.3, 0.2])
    mixed = sde.reverse(sde.score(two)).drift
    assert mixed.linear_coefficients(t, 2) is None
    assert integrate_sde(mixed, 1.0, x0, t, seed=4).path == "compiled"


def test_given_increments_and_multiplicative_noise_take_the_general_kernel():
    t = np.linspace(0.0, 1.0, 5)
    x0 = np.zeros((7, 1))
    given = integrate_sde(OU().drift, 1.0, x0, t, brownian=np.zeros((7, 4, 1)))
    assert given.path == "compiled"
    np.testing.assert_array_equal(given.at(), x0)
    assert integrate_sde(OU().drift, 1.0, x0, t, seed=1).path == "linear"
