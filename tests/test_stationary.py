"""verify_stationary and its pieces (pdecheck.stationary).

Each verdict spends alpha = 1e-3 (split inside between its two KS checks); seeds are fixed.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

import pdecheck as pc
from pdecheck.particles import langevin_kernels as lk
from pdecheck.particles.langevin import MALA, AnnealedLangevin, Langevin, geometric_sigmas
from pdecheck.stationary import (
    bias_curve,
    gaussian_ks_distance,
    integrated_autocorr_time,
    stationary_histogram,
    verify_stationary,
)

P = pc.Gaussian(0.5, 0.8)


def test_gaussian_ks_distance_against_a_dense_grid():
    """The closed form (extrema where the densities cross) equals a brute-force sup on a grid
    of spacing 1e-5 to the grid's resolution (density <= 1 times spacing)."""
    x = np.linspace(-12, 12, 2_400_001)
    for m1, s1, m2, s2 in [(0, 1, 0, 1.3), (0.2, 0.5, -0.4, 0.5), (1, 2, 0, 0.7)]:
        brute = np.max(np.abs(special.ndtr((x - m1) / s1) - special.ndtr((x - m2) / s2)))
        assert gaussian_ks_distance(m1, s1, m2, s2) == pytest.approx(brute, abs=1e-9)
        assert gaussian_ks_distance(m1, s1, m2, s2) >= brute


def test_autocorrelation_time_of_ula_is_the_ar1_value():
    """ULA on a Gaussian is AR(1) with ρ_k = aᵏ, a = 1 − ε/(2s²): τ = (1 + a)/(1 − a).
    Sokal's variance var(τ̂)/τ² ≈ 2(2W + 1)/N with window W ≈ 5τ gives a relative sd of about
    0.03 here (N = 2·10⁵): 15% is five sd."""
    eps = 0.2
    a = 1 - eps / (2 * 0.64)
    run = Langevin(P, eps=eps).run(P.sample(500, 1).reshape(-1, 1), 400, seed=1, keep_from=1)
    tau = integrated_autocorr_time(run.trace[:, :, 0])
    assert tau == pytest.approx((1 + a) / (1 - a), rel=0.15)
    with pytest.raises(ValueError, match="m >= 4"):
        integrated_autocorr_time(np.zeros((3, 5)))


def test_autocorrelation_time_refuses_a_nonfinite_trace():
    """One diverged chain used to turn τ into 1 (max(1, nan) = 1): now it is refused by name,
    with the count of NaN/inf entries."""
    y = np.random.default_rng(1).standard_normal((400, 5))
    y[100:, 2] = np.nan
    with pytest.raises(ValueError, match=r"trace=.* contains 300 non-finite value\(s\); it must"):
        integrated_autocorr_time(y)
    y[100:, 2] = 0.0
    y[7, 0] = np.inf
    with pytest.raises(ValueError, match=r"trace=.* contains 1 non-finite"):
        integrated_autocorr_time(y)


def test_diverged_chains_are_flagged_and_tau_is_timed_on_the_others():
    """A score that is NaN beyond |x − 0.5| > 2.2 kills some chains: the verdict carries the
    nonfinite error flag and τ comes from the chains that stayed finite (ULA's AR(1) value is
    (1 + a)/(1 − a) ≈ 11.8 here; it was 1 when the NaN reached the estimator)."""

    def score(x):
        return np.where(np.abs(x - 0.5) > 2.2, np.nan, -(x - 0.5) / 0.64)

    with pytest.warns(RuntimeWarning, match="NaN or infinite"):
        verdict = verify_stationary(Langevin(score, eps=0.2, dim=1), P, n_chains=500, n_steps=400)
    assert any(f.code == "nonfinite" and f.severity == "error" for f in verdict.flags)
    assert 5.0 < verdict.info["tau"] < 20.0


@pytest.mark.parametrize(
    "args, words",
    [
        ((0.0, -1.0, 0.0, 1.0), ["s1=-1.0", "> 0"]),
        ((0.0, 0.0, 0.0, 1.0), ["s1=0.0", "> 0"]),
        ((0.0, 1.0, 0.0, np.nan), ["s2=nan", "non-finite", "finite"]),
        ((np.nan, 1.0, 0.0, 1.0), ["m1=nan", "non-finite", "finite"]),
        ((0.0, 1.0, np.inf, 1.0), ["m2=inf", "non-finite", "finite"]),
    ],
)
def test_gaussian_ks_distance_refuses_bad_parameters(args, words):
    """s = -1 returned 0, NaN returned nan and s = 0 divided by zero: now each is named."""
    with pytest.raises(ValueError) as info:
        gaussian_ks_distance(*args)
    for word in words:
        assert word in str(info.value)


def test_ula_passes_with_its_exact_bias_budget():
    verdict = verify_stationary(Langevin(P, eps=0.2), P, n_chains=1000, n_steps=400)
    assert verdict.passed, verdict.summary()
    assert verdict.info["bias_source"].startswith("exact")
    # the budget is ULA's exact stationary KS distance: s vs s/√(1 − ε/(4s²))
    s_ula = 0.8 / np.sqrt(1 - 0.2 / (4 * 0.64))
    assert verdict.info["bias"] == pytest.approx(gaussian_ks_distance(0, s_ula, 0, 0.8), rel=1e-6)
    assert verdict.info["tau"] > 1.0  # correlated chain: more than one step per sample
    assert verdict.info["n_eff"] < 1000 * 200


def test_mala_passes_with_zero_budget():
    verdict = verify_stationary(MALA(P, eps=0.5), P, n_chains=1000, n_steps=400)
    assert verdict.passed, verdict.summary()
    assert verdict.info["bias"] == 0.0


class _HalfMissing(Langevin):
    """A user's ULA whose step forgets the ½: x + ε s(x) + √ε z (the detection test)."""

    def _block(self, sigma, alpha, x, z, u, record, step0, keep_from, thin):
        for b in range(z.shape[0]):
            lk.ula_rows(x, 2.0 * self.target.score(x).reshape(x.shape), z[b], alpha, x)
            k = step0 + b + 1
            if k >= keep_from and (k - keep_from) % thin == 0:
                record[(k - keep_from) // thin] = x
        return 0, 0


def test_langevin_step_missing_the_half_fails():
    """Its stationary variance is s²/(2 − ε/s²) ≈ s²/2, far outside ULA's exact budget."""
    verdict = verify_stationary(_HalfMissing(P, eps=0.2), P, n_chains=1000, n_steps=400)
    assert not verdict.passed
    assert not verdict.checks[1].passed  # the long-run check (N_eff ≈ 10⁴) sees it clearly


def test_wrong_score_fails():
    verdict = verify_stationary(
        Langevin(pc.Gaussian(0.5, 0.9), eps=0.2), P, n_chains=1000, n_steps=400
    )
    assert not verdict.passed


def test_annealed_constant_step_is_reported_with_its_bias():
    """Algorithm 1's α_i = ε σ_i²/σ_L² keeps every level near equilibrium; a constant α = ε
    barely moves at large σ and leaves a bias that the exact law (annealed_gaussian_law)
    measures. Both pass the statistical check with their budget; the constant step's bias is
    flagged and fails max_bias."""
    data = pc.Gaussian(0.3, 0.5)
    p = pc.Gaussian(0.3, np.sqrt(0.25 + 0.1**2))
    sigmas = geometric_sigmas(5.0, 0.1, 8)
    verdicts = {
        step: verify_stationary(
            AnnealedLangevin(data, sigmas, 0.005, 50, step=step),
            p,
            n_chains=4000,
            start=pc.Gaussian(0.3, 5.0),
            max_bias=0.02,
        )
        for step in ("scaled", "constant")
    }
    scaled, constant = verdicts["scaled"], verdicts["constant"]
    assert scaled.passed, scaled.summary()
    assert not constant.passed
    assert constant.checks[0].passed  # the samples follow the exact (biased) law
    assert constant.info["bias"] > 10 * scaled.info["bias"]
    assert any(f.code == "bias" for f in constant.flags)
    # reported, not hidden: the flag and the number are in the summary a user reads
    flag = next(f for f in constant.flags if f.code == "constant-step")
    assert flag.value == constant.info["bias"]
    assert f"{constant.info['bias']:.3g}" in constant.summary()
    assert not any(f.code == "constant-step" for f in scaled.flags)


def test_bias_curve_is_first_order_in_eps():
    """ULA's relative variance error 1/(1 − ε/(4s²)) − 1 = ε/(4s²) + O(ε²): the log–log slope
    over four halvings of ε tends to 1 (local slope 1 + O(ε)); the KS bias too."""
    eps = 0.2 / 2.0 ** np.arange(5)
    curve = bias_curve(P, eps)
    slope = np.polyfit(np.log(eps), np.log(curve["variance_error"]), 1)[0]
    assert abs(slope - 1.0) < 0.05  # the O(ε) correction is ε/(4s²) ≤ 0.08 at the coarsest ε
    ks_slope = np.polyfit(np.log(eps), np.log(curve["ks"]), 1)[0]
    assert abs(ks_slope - 1.0) < 0.05


def test_stationary_histogram_shapes_and_exact_cells():
    x = P.sample(5000, 3)
    edges = np.linspace(-2, 3, 11)
    h = stationary_histogram(x, P, edges)
    exact = np.diff(special.ndtr((edges - 0.5) / 0.8)) / 0.5
    np.testing.assert_allclose(h["exact"], exact, rtol=1e-12)
    assert h["empirical"].shape == (10,)


def test_bad_input():
    with pytest.raises(ValueError, match="alpha"):
        verify_stationary(Langevin(P, eps=0.1), P, alpha=1.5)
    with pytest.raises(ValueError, match="burn_in"):
        verify_stationary(Langevin(P, eps=0.1), P, n_steps=10, burn_in=10)
    with pytest.raises(ValueError, match="dimension"):
        verify_stationary(Langevin(P, eps=0.1), pc.Gaussian(np.zeros(2), 1.0))


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"n_steps": 0}, ["n_steps=0", "positive integer"]),
        ({"n_chains": 0}, ["n_chains=0", "positive integer"]),
        ({"n_chains": 10.5}, ["n_chains=10.5", "positive integer"]),
        ({"n_steps": 20.0}, ["n_steps=20.0", "positive integer"]),
        (
            {"start": pc.Gaussian([0.0, 0.0], 1.0)},
            ["start=Gaussian", "dim=2", "p has dim=1", "must agree"],
        ),
        ({"start": [0.0]}, ["start=[0.0]", "must be a Density"]),
    ],
)
def test_bad_counts_and_start_are_named(kwargs, words):
    """n_steps=0 was blamed on burn_in, n_chains=0 reported as "n=0", n_chains=10.5 a raw
    TypeError and a start of the wrong dimension a reshape error."""
    settings = {"n_chains": 20, "n_steps": 10, **kwargs}
    with pytest.raises((ValueError, TypeError)) as info:
        verify_stationary(Langevin(P, eps=0.1), P, **settings)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    "samples, edges, axis, pattern",
    [
        (np.array([0.0, np.nan]), np.linspace(-2, 3, 11), 0, r"samples=.*non-finite"),
        (np.zeros(10), [0.0, 1.0, 1.0], 0, r"edges=.* strictly increasing"),
        (np.zeros(10), [0.0], 0, r"edges=.* at least 2"),
        (np.zeros(10), np.linspace(-2, 3, 11), 1, r"axis=1 must be an integer in \[0, 1\)"),
        (np.zeros((10, 2)), np.linspace(-2, 3, 11), 0, r"samples"),
    ],
)
def test_stationary_histogram_names_bad_samples_edges_and_axis(samples, edges, axis, pattern):
    with pytest.raises(ValueError, match=pattern):
        stationary_histogram(samples, P, edges, axis=axis)
