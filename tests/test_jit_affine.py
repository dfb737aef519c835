"""pdecheck._jit.affine: the arithmetic exponential's error bound, the parameter layout, and the
compiled marginal field (CATALOGUE A4) against a 40-digit reference."""

from __future__ import annotations

import math

import mpmath
import numba
import numpy as np
import pytest

import pdecheck as pc
from pdecheck._jit.affine import EXP_FLOOR, LANES, exp_nonpositive, pack_params
from pdecheck._jit.signature import apply_field

ULP = 2.0**-52


@numba.njit
def _exp_all(u):
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = exp_nonpositive(u[i])
    return out


def test_exp_nonpositive_is_within_4_ulp_of_exp_above_the_floor(rng):
    """Error budget of exp_nonpositive (Cody–Waite reduction, degree-13 Taylor polynomial by
    Estrin's scheme, exact scaling by 2^n): r carries one rounding (<= ulp/2 of |r| <= 0.35,
    i.e. <= 0.2 ulp of e^r), the Taylor remainder is r^14/14! < 4e-18, the polynomial's
    roundings stay below 2 ulp because its value lies in [0.7, 1.42] with terms after 1 + r
    small; so <= 3 ulp against the exact value, checked against 40-digit mpmath at the worst
    points, and <= 4 ulp against libm (itself < 1 ulp) on a dense sweep of [EXP_FLOOR, 0]."""
    u = np.concatenate(
        [
            np.linspace(EXP_FLOOR, 0.0, 200_001),
            -rng.uniform(0.0, -EXP_FLOOR, 200_000),
            -rng.uniform(0.0, 1.0, 100_000),
            -np.logspace(-320, 0, 2_000),
            [0.0, -0.0, -5e-324, -(2.0**-53), -math.log(2.0) / 2, EXP_FLOOR],
        ]
    )
    got = _exp_all(u)
    libm = np.array([math.exp(v) for v in u])
    rel = np.abs(got - libm) / libm
    assert rel.max() <= 4 * ULP, rel.max() / ULP
    assert got[-6] == 1.0 and got[-5] == 1.0  # e^0 exactly
    mpmath.mp.dps = 40
    for i in np.argsort(rel)[-30:]:
        exact = mpmath.exp(mpmath.mpf(float(u[i])))
        assert abs(mpmath.mpf(float(got[i])) - exact) / exact <= 3 * ULP
    print(f"exp_nonpositive: max relative error vs libm {rel.max() / ULP:.2f} ulp")


def test_exp_nonpositive_below_the_floor_and_special_values():
    """Below EXP_FLOOR = −708 the result is 0, an absolute error below e^−708 < 2^−1021 (the
    weights it produces are relative to the largest, which is 1); −∞ gives 0, NaN stays NaN
    (so a NaN field value reaches apply_field's count)."""
    u = np.array([-708.0001, -720.0, -745.2, -746.0, -1e4, -1e308, -np.inf, np.nan])
    got = _exp_all(u)
    assert np.all(got[:-1] == 0.0) and np.isnan(got[-1])
    assert all(math.exp(v) < 2.0**-1021 for v in u[:-1])


def test_pack_params_drops_zero_weights_pads_and_stores_centres_by_coordinate():
    """Layout of the module docstring: K rounded up to a multiple of LANES with weight-0
    padding (log w = −∞) of variance min V, centres[j·K + k] = m_kj, weight-0 data dropped."""
    means = np.arange(18.0).reshape(9, 2)
    weights = np.array([0.1, 0.0, 0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.1])
    stds = np.linspace(0.1, 0.9, 9)
    prior = pc.Gaussian(np.zeros(2), 1.0)
    spec = pc.schedules.Linear().jit_spec()
    p = pack_params(spec, prior, pc.GaussianMixture(means, stds, weights))
    head = 2 + 1 + 1 + 4  # kind, n, schedule (T), prior kind, loc (2), std (2)
    k_count, var_min = int(p[head]), p[head + 1]
    kept = np.flatnonzero(weights)
    assert k_count == LANES and var_min == pytest.approx(0.1**2)
    logw = p[head + 2 : head + 2 + k_count]
    centres = p[head + 2 + k_count : head + 2 + 3 * k_count].reshape(2, k_count)
    var = p[head + 2 + 3 * k_count :]
    np.testing.assert_array_equal(logw, np.log(weights[kept]))
    np.testing.assert_array_equal(centres, means[kept].T)
    np.testing.assert_allclose(var, stds[kept] ** 2)
    nine = pack_params(spec, prior, pc.GaussianMixture(means, 0.2))
    assert int(nine[head]) == 2 * LANES and np.all(nine[head + 2 + 9 : head + 2 + 16] == -np.inf)


def _reference_field(t, x, means, stds, weights, mu, sd):
    """CATALOGUE A4 for the Linear path (α = 1 − t, σ = t) in 40-digit arithmetic."""
    mpmath.mp.dps = 40
    f = np.vectorize(mpmath.mpf, otypes=[object])
    x, mu, t = f(x), f(mu), mpmath.mpf(t)
    a, s, q = 1 - t, t, mpmath.mpf(sd) ** 2
    num, den = np.zeros(x.size, dtype=object), mpmath.mpf(0)
    for m, var, w in zip(f(means), f(stds) ** 2, weights, strict=True):
        v = a**2 * var + s**2 * q
        dev = x - a * m - s * mu
        r = w * v ** (-x.size / mpmath.mpf(2)) * mpmath.exp(-np.sum(dev * dev) / (2 * v))
        den += r
        num = num + r * (-m + mu + (-a * var + s * q) / v * dev)
    return np.array([float(n / den) for n in num])


@pytest.mark.parametrize("d", [1, 2, 3])
def test_isotropic_field_matches_a_40_digit_reference(d, rng):
    """The compiled field of an 11-component mixture (two blocks of LANES: padding and the
    rescale between blocks; one weight 0) equals CATALOGUE A4 evaluated in 40 digits to
    1e-13 (relative to 1 + |f|). Budget: exp_nonpositive adds <= 4 ulp to each weight, about
    1e-15 in f (a convex combination of bounded a_k); the rest is the rounding of the exponents
    q_k (relative error ε|q_k|, |q_k| up to a few hundred at these points, weights down to
    ~e^−700), at worst ~1e-13: the tolerance, which the libm kernel met as well."""
    k = 11
    means = rng.uniform(-3.0, 3.0, (k, d))
    stds = rng.uniform(0.2, 0.5, k)
    weights = rng.uniform(0.5, 1.5, k)
    weights[4] = 0.0
    weights /= weights.sum()
    mu, sd = np.full(d, 0.3), 1.2
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(mu, sd))
    cf = path.marginal_field(pc.GaussianMixture(means, stds, weights)).compiled()
    x = rng.uniform(-5.0, 5.0, (40, d))
    worst = 0.0
    for t in (0.1, 0.4, 0.8, 1.0):
        out = np.empty_like(x)
        assert apply_field(cf.kernel, cf.params, t, x, out) == 0
        for xi, fi in zip(x, out, strict=True):
            ref = _reference_field(t, xi, means, stds, weights, mu, sd)
            worst = max(worst, np.max(np.abs(fi - ref)) / (1.0 + np.max(np.abs(ref))))
    print(f"d = {d}: max error vs 40-digit A4 {worst:.1e}")
    assert worst <= 1e-13


def test_isotropic_field_in_high_dimension_does_not_underflow_to_nan():
    """d = 2000, data N(0, 1) and N(0, 4) (weights ½), x a draw of the narrow one: the factor
    (v_min/v_k)^{d/2} of the broad component, which has the larger q_k, underflows to 0 while
    the narrow one's weight e^{q − max q} falls below EXP_FLOOR, so every weight was 0 and the
    compiled field NaN. The log-space pass takes over and matches the NumPy field (a separate
    implementation: log-weights and a max-shifted softmax) to 1e-12."""
    d = 2000
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(np.zeros(d), 1.0))
    field = path.marginal_field(pc.GaussianMixture(np.zeros((2, d)), [1.0, 2.0]))
    cf = field.compiled()
    x = np.random.default_rng(0).standard_normal((3, d))
    for t in (0.0, 0.05, 0.5):
        out = np.empty_like(x)
        assert apply_field(cf.kernel, cf.params, t, x, out) == 0
        want = field(t, x)
        np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12 * np.max(np.abs(want)))
