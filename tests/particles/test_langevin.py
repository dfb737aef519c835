"""Langevin samplers (pdecheck.particles.langevin): exact discrete laws, reproducibility, MALA's
invariance, annealing, bad input.

Statistical tests use a fixed seed; each spends a false-alarm rate of 1e-4 (comment per test).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import pdecheck as pc
from pdecheck.exact.langevin import annealed_gaussian_law, ula_gaussian_law
from pdecheck.particles.langevin import MALA, AnnealedLangevin, Langevin, geometric_sigmas

ALPHA = 1e-4
Z = stats.norm.ppf(1 - ALPHA / 4)  # two-sided, Bonferroni over mean and variance


def _moments_match(x: np.ndarray, law: pc.Gaussian) -> None:
    """Mean and variance of i.i.d. Gaussian samples against the exact law: |x̄ − m| <= z s/√N
    and (N − 1)s²/σ² within the χ²_{N−1} quantiles (false-alarm rate ALPHA in all)."""
    n = x.size
    m, s = float(law.loc[0]), float(law.std[0])
    assert abs(x.mean() - m) <= Z * s / np.sqrt(n)
    q = (n - 1) * x.var(ddof=1) / s**2
    assert stats.chi2.ppf(ALPHA / 4, n - 1) <= q <= stats.chi2.ppf(1 - ALPHA / 4, n - 1)


def test_ula_reproduces_its_exact_discrete_law():
    """After n ULA steps on N(0.5, 0.8²) from N(−1, 0.3²) the law is Gaussian with the moments
    of pdecheck.exact.langevin.ula_gaussian_law (recursion derived symbolically there)."""
    p, start = pc.Gaussian(0.5, 0.8), pc.Gaussian(-1.0, 0.3)
    x0 = start.sample(20000, 1).reshape(-1, 1)
    for n_steps in (3, 40):
        run = Langevin(p, eps=0.3).run(x0, n_steps, seed=2)
        _moments_match(run.x[:, 0], ula_gaussian_law(p, 0.3, start, n_steps))


def test_ula_missing_half_is_a_different_chain():
    """Doubling the drift (the step x + ε s + √ε z, '½ missing') is ULA on the score 2s; its
    stationary variance s²/(2 − ε/s²) differs from ULA's, and the moment test rejects it."""
    p = pc.Gaussian(0.0, 1.0)
    x0 = p.sample(20000, 3).reshape(-1, 1)
    wrong = Langevin(lambda x: 2.0 * p.score(x), eps=0.1, dim=1).run(x0, 200, seed=3)
    with pytest.raises(AssertionError):
        _moments_match(wrong.x[:, 0], ula_gaussian_law(p, 0.1, p, 200))
    assert wrong.x.var() == pytest.approx(1 / (2 - 0.1), rel=0.05)  # s²/(2 − ε/s²), 5% ≫ 3 sd


def test_compiled_and_callable_scores_give_identical_chains():
    """The closed-form (compiled) and the Python-callable paths share the update and the noise:
    the same chains up to the rounding of the two mixture-score formulas (a few ulps per step,
    contracted by the chain). Chain i depends only on (seed, i), not on the number of chains."""
    gm = pc.GaussianMixture([-1.0, 1.5], [0.5, 0.7], [0.4, 0.6])
    x0 = np.linspace(-2, 2, 300).reshape(-1, 1)
    fast = Langevin(gm, eps=0.05).run(x0, 70, seed=9, keep_from=60, thin=5)
    slow = Langevin(gm.score, eps=0.05, dim=1).run(x0, 70, seed=9, keep_from=60, thin=5)
    np.testing.assert_allclose(fast.x, slow.x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast.trace, slow.trace, rtol=0, atol=1e-12)
    assert fast.trace.shape == (3, 300, 1)
    np.testing.assert_array_equal(fast.trace[-1], fast.x)
    few = Langevin(gm, eps=0.05).run(x0[:17], 70, seed=9)
    np.testing.assert_array_equal(few.x, fast.x[:17])
    m1 = MALA(gm, eps=0.3).run(x0, 50, seed=4)
    m2 = MALA(gm.score, eps=0.3, dim=1, logpdf=gm.logpdf).run(x0, 50, seed=4)
    np.testing.assert_allclose(m1.x, m2.x, rtol=0, atol=1e-12)
    assert m1.accept_rate == m2.accept_rate


def test_mala_removes_the_step_size_bias():
    """With a step so large that ULA's stationary variance is 1/(1 − 1.5/4) = 1.6 times p's,
    MALA started in p stays at p (detailed balance): exact Gaussian moments (rate ALPHA)."""
    p = pc.Gaussian(0.0, 1.0)
    x0 = p.sample(20000, 5).reshape(-1, 1)
    run = MALA(p, eps=1.5).run(x0, 100, seed=5)
    assert 0.3 < run.accept_rate < 1.0
    # the final state is a Markov chain started in p: exactly p-distributed, chains independent
    _moments_match(run.x[:, 0], p)
    ula = Langevin(p, eps=1.5).run(x0, 100, seed=5)
    assert ula.x.var() == pytest.approx(1 / (1 - 1.5 / 4), rel=0.05)


def test_annealed_langevin_on_gaussian_data_matches_its_exact_law():
    """Algorithm 1 on Gaussian data: the law after all levels is the exact composition of the
    per-level ULA laws on q_σ = N(m, s² + σ²) (rate ALPHA)."""
    data, start = pc.Gaussian(0.3, 0.5), pc.Gaussian(0.0, 3.0)
    sigmas = geometric_sigmas(3.0, 0.1, 6)
    sampler = AnnealedLangevin(data, sigmas, 0.01, 30)
    np.testing.assert_allclose(sampler.alphas, 0.01 * sigmas**2 / 0.01)
    run = sampler.run(start.sample(20000, 6).reshape(-1, 1), seed=6)
    _moments_match(run.x[:, 0], annealed_gaussian_law(data, sigmas, sampler.alphas, 30, start))


def test_annealed_langevin_on_point_data_recovers_the_weights():
    """Point data (closed-form q_σ scores): the mass near each point matches its weight within
    a multinomial z-bound (rate ALPHA, Bonferroni over 3 points)."""
    data = pc.PointMixture([-1.0, 0.5, 2.0], [0.3, 0.5, 0.2])
    sampler = AnnealedLangevin(data, geometric_sigmas(3.0, 0.05, 10), 2e-4, 100)
    n = 4000
    run = sampler.run(pc.Gaussian(0.0, 3.0).sample(n, 7).reshape(-1, 1), seed=7)
    share = np.histogram(run.x[:, 0], bins=[-np.inf, -0.25, 1.25, np.inf])[0] / n
    w = np.array([0.3, 0.5, 0.2])
    z = stats.norm.ppf(1 - ALPHA / 6)
    # q_{0.05} leaks at most Φ(−0.75/0.05) ≈ 4e-51 of each component across the bin edges
    assert np.all(np.abs(share - w) <= z * np.sqrt(w * (1 - w) / n))


def test_bad_input():
    p = pc.Gaussian(0.0, 1.0)
    with pytest.raises(ValueError, match=r"eps=0.0 must be > 0"):
        Langevin(p, eps=0.0)
    with pytest.raises(ValueError, match="eps"):
        MALA(p, eps=-1.0)
    with pytest.raises(ValueError, match="strictly decreasing"):
        AnnealedLangevin(p, [0.1, 1.0], 0.01, 10)
    with pytest.raises(ValueError, match="sigmas"):
        AnnealedLangevin(p, [1.0, 0.0], 0.01, 10)
    with pytest.raises(ValueError, match="dim=None"):
        Langevin(lambda x: -x, eps=0.1)
    with pytest.raises(TypeError, match="logpdf"):
        MALA(lambda x: -x, eps=0.1, dim=1)
    with pytest.raises(ValueError, match=r"x0 has shape \(5, 2\)"):
        Langevin(p, eps=0.1).run(np.zeros((5, 2)), 10)
    with pytest.raises(ValueError, match="n_steps"):
        Langevin(p, eps=0.1).run(np.zeros(5), 0)
    with pytest.raises(ValueError, match=r"score returned shape \(5, 2\)"):
        Langevin(lambda x: np.zeros((x.shape[0], 2)), eps=0.1, dim=1).run(np.zeros(5), 3)


def test_nan_score_is_flagged():
    """A score that returns NaN is counted on the run and warned about, never silent."""

    def score(x):
        out = -x.copy()
        out[0] = np.nan
        return out

    with pytest.warns(RuntimeWarning, match="NaN or infinite"):
        run = Langevin(score, eps=0.1, dim=1).run(np.zeros(4), 3)
    assert run.nonfinite >= 3 and "nonfinite" in run.flags


def test_a_gaussian_with_small_unequal_stds_is_not_taken_for_isotropic():
    """stds 1e-9 and 5e-9 differ by a factor 5; an absolute tolerance of 1e-8 called them equal
    and sampled N(0, 1e-18 I) instead. Only isotropic Gaussians have the built-in closed form."""
    with pytest.raises(TypeError, match="built-in closed forms are isotropic Gaussians"):
        MALA(pc.Gaussian([0.0, 0.0], [1e-9, 5e-9]), 1e-19)
    MALA(pc.Gaussian([0.0, 0.0], [1e-9, 1e-9]), 1e-19)  # isotropic: accepted
