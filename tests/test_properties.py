"""Property tests on generated designs (issue 8 item 4, strategies of pdecheck.testing).

- an affine path carries p_T back to p_t: exact vs particles (quantiles pushed by the marginal
  field keep their level, a 1-D flow preserves the CDF) and exact vs grid (verify_transport's
  grid answer within its convergence index of the exact cell averages);
- the SDE built by the DDPM link has the path's marginals (its moment equations hold with the
  schedule's own derivatives; Euler–Maruyama draws the discrete Gaussian law);
- the same-marginal family holds for a random s_t >= 0 (Fokker–Planck residual of the exact p_t);
- the probability-flow ODE carries p_t to p_t'.

Properties inside ``@given`` are deterministic (no false alarms to share out); the single
statistical test is outside it with a fixed seed. Example counts are small (4–10, stated per
test) and grids and particle counts small, to keep the file within its time budget.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

import pdecheck as pc
from pdecheck import compare
from pdecheck.testing import assert_transports
from pdecheck.testing import strategies as pst

GAUSSIAN = st.just(pc.Gaussian(0.0, 1.0))
QUANTILES = np.linspace(0.05, 0.95, 19)
#: RK4 on [T/2, T] with 200 steps: global error C h⁴ ≈ 4e-11 C for these smooth fields
#: (|x| <= 2 data, σ_t >= σ_{T/2}), so 1e-6 allows C up to ~2e4
QUANTILE_TOL = 1e-6


def _quantiles(density, u: np.ndarray) -> np.ndarray:
    """F⁻¹(u) of a 1-D density by bisection on its bounds (60 halvings: exact to round-off)."""
    lo, hi = (np.full(u.shape, float(b[0])) for b in density.bounds(1e-14))
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        below = density.cdf(mid) < u
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


@settings(max_examples=8)
@given(pst.affine_paths(1, prior=GAUSSIAN), pst.point_mixtures(1, (1, 3)))
def test_affine_path_particles_keep_their_quantile(path, data):
    """α_T = 0, σ_T = 1, so p_T is the prior: its u-quantiles, pushed from T to T/2 by the
    marginal field (RK4, 200 steps), are the u-quantiles of the exact p_{T/2}."""
    x_T = special.ndtri(QUANTILES)
    times = np.linspace(path.T, path.T / 2, 201)
    sol = pc.particles.integrate_ode(path.marginal_field(data), x_T[:, None], times)
    level = path.marginal(data, path.T / 2).cdf(sol.samples[-1, :, 0])
    assert np.max(np.abs(level - QUANTILES)) <= QUANTILE_TOL


@settings(max_examples=2)
@given(
    pst.affine_paths(
        1, schedule=st.sampled_from([pc.schedules.Linear(), pc.schedules.Cosine()]), prior=GAUSSIAN
    ),
    pst.gaussian_mixtures(1, (1, 2), std_range=(0.3, 1.0)),
)
def test_affine_path_grid_matches_the_exact_marginal(path, data):
    """verify_transport with methods exact and grid (deterministic: no false-alarm rate spent):
    three nested grids run the continuity equation from the prior at T back to T/2 and the
    finest is held to the exact cell averages within its grid convergence index, with mass
    and positivity flags as errors. Built-in schedules only: their compiled fields keep the
    three grid solves fast."""
    assert_transports(path, data, t_span=(path.T, path.T / 2), methods=("exact", "grid"), grid=64)


@settings(max_examples=10)
@given(pst.schedules(("polynomial", "vp", "subvp"), alpha_end="positive"))
def test_ddpm_link_sde_has_the_schedules_marginals(schedule):
    """CATALOGUE S6: the linear SDE with f = α'/α and g² = 2ασ(σ/α)' has p(x_t|x_0) =
    N(α_t x_0, σ_t²): its mean and variance solve m' = f m and v' = 2 f v + g², checked with
    the schedule's exact derivatives (so independently of the SDE's own arithmetic)."""
    sde = pc.SDE.from_schedule(schedule)
    t = np.linspace(0.05, 1.0, 20) * schedule.T
    a, da, s, ds = schedule.alpha(t), schedule.dalpha(t), schedule.sigma(t), schedule.dsigma(t)
    np.testing.assert_allclose(sde.mean_coeff(t), a, rtol=1e-12)
    np.testing.assert_allclose(sde.std(t), s, rtol=1e-12)
    f = sde.drift_coeff(t)
    np.testing.assert_allclose(da, f * a, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(2 * s * ds, 2 * f * s**2 + sde.g2(t), rtol=1e-9, atol=1e-12)


def test_ddpm_link_euler_maruyama_draws_the_discrete_gaussian_law():
    """Euler–Maruyama on the DDPM link of α_t = 1 − t/2, σ_t = t, from x_0 = 1.5, draws
    X_{k+1} = (1 + f_k h) X_k + g_k √h ε: Gaussian with m_{k+1} = (1 + f_k h) m_k and
    v_{k+1} = (1 + f_k h)² v_k + g_k² h, the law the samples must follow exactly (KS with the
    DKW threshold, false-alarm rate 1e-4, seed 5; no bias budget is needed)."""
    schedule = pc.schedules.Schedule.from_functions(
        lambda t: 1 - t / 2, lambda t: t, lambda t: -0.5 + 0 * t, lambda t: 1 + 0 * t
    )
    sde = pc.SDE.from_schedule(schedule)
    times = np.linspace(0.0, 1.0, 65)
    h, m, v = times[1], 1.5, 0.0
    for t in times[:-1]:
        r = 1.0 + float(sde.drift_coeff(t)) * h
        m, v = r * m, r * r * v + float(sde.g2(t)) * h
    sol = pc.particles.integrate_sde(
        lambda t, x: float(sde.drift_coeff(t)) * x,
        sde.diffusion,
        np.full((20_000, 1), 1.5),
        times,
        seed=5,
    )
    result = compare.ks_test(sol.samples[-1, :, 0], pc.Gaussian(m, math.sqrt(v)), alpha=1e-4)
    assert result.passed, result


NOISE = st.tuples(
    st.integers(0, 12).map(lambda i: i / 4), st.sampled_from(["constant", "rising", "falling"])
)


def _noise(level: float, shape: str, T: float):
    if shape == "constant":
        return level
    if shape == "rising":
        return lambda t: level * np.asarray(t, dtype=float) / T
    return lambda t: level * (1.0 - np.asarray(t, dtype=float) / T)


def _d1(f, x: np.ndarray, h: float) -> np.ndarray:
    """Fourth-order central first difference (error h⁴ f⁽⁵⁾/30)."""
    return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h)


@settings(max_examples=8)
@given(pst.linear_sdes(), pst.gaussian_mixtures(1, (1, 2), std_range=(0.5, 1.0)), NOISE)
def test_same_marginal_family_holds_for_random_noise_levels(sde, data, noise):
    """CATALOGUE F1: for any s_t >= 0 (here 0 … 3, constant, rising or falling — often above
    g_t), dx = [f − ½(g² − s²)∇log p] dt + s dW has the marginals p_t: the Fokker–Planck
    residual ∂_t p + ∂_x(b p) − ½ s² ∂²_x p of the exact p_t, by fourth-order differences
    (truncation ~h⁴/30 · p⁽⁵⁾ ≈ 1e-9, round-off ~1e-13), is below 1e-6 of the terms' size."""
    s = _noise(*noise, sde.T)
    family = sde.same_marginal(sde.score(data), s)
    x = np.linspace(-3.0, 3.0, 25)
    hx, ht = 1e-2, 1e-3 * sde.T

    def p(tt: float, xx: np.ndarray = x) -> np.ndarray:
        return sde.marginal(data, tt).pdf(xx)

    for t in (0.3 * sde.T, 0.7 * sde.T):
        dp_dt = _d1(lambda tt: p(float(tt)), np.array(t), ht)
        flux_dx = _d1(lambda xx, t=t: family.drift(t, xx[:, None])[:, 0] * p(t, xx), x, hx)
        s2 = float(np.asarray(family.diffusion(t))) ** 2
        d2p = _d1(lambda xx, t=t: _d1(lambda y: p(t, y), xx, hx), x, hx)
        residual = dp_dt + flux_dx - 0.5 * s2 * d2p
        scale = np.max(np.abs(dp_dt)) + np.max(np.abs(flux_dx)) + np.max(np.abs(0.5 * s2 * d2p))
        assert np.max(np.abs(residual)) <= 1e-6 * scale


@settings(max_examples=8)
@given(pst.linear_sdes(), pst.gaussian_mixtures(1, (1, 2), std_range=(0.3, 1.0)))
def test_probability_flow_carries_p_t_to_p_t_prime(sde, data):
    """CATALOGUE F3: dx/dt = f − ½g²∇log p_t carries p_t to p_t'. The u-quantiles of the exact
    p_{T/4}, pushed to T by RK4 (200 steps on a smooth field), are the u-quantiles of p_T."""
    t0, t1 = 0.25 * sde.T, sde.T
    x0 = _quantiles(sde.marginal(data, t0), QUANTILES)
    sol = pc.particles.integrate_ode(
        sde.probability_flow(sde.score(data)), x0[:, None], np.linspace(t0, t1, 201)
    )
    level = sde.marginal(data, t1).cdf(sol.samples[-1, :, 0])
    assert np.max(np.abs(level - QUANTILES)) <= QUANTILE_TOL
