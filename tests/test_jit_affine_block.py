"""pdecheck._jit.affine_block: the block kernel of the affine marginal field (CATALOGUE A4)
against the 40-digit reference and against the per-point kernel, on every built-in schedule,
with point and Gaussian data, including the σ_t = 0 end and non-finite rows."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import pdecheck as pc
from pdecheck._jit.signature import apply_field
from tests.test_jit_affine import _reference_field

SCHEDULES = {
    "linear": pc.schedules.Linear(),
    "cosine": pc.schedules.Cosine(),
    "vp": pc.schedules.VP(),
    "subvp": pc.schedules.SubVP(),
    "ve": pc.schedules.VE(),
}


@numba.njit
def _block(block, params, t, x, out):
    block(t, x.ctypes, x.shape[0], x.shape[1], params.ctypes, out.ctypes)


def _both(cf, t, x):
    """(per-point kernel, block kernel) at the rows of x."""
    point, block = np.empty_like(x), np.empty_like(x)
    apply_field(cf.kernel, cf.params, t, x, point)
    _block(cf.block(), cf.params, t, x, block)
    return point, block


@pytest.mark.parametrize("d", [1, 2, 3])
def test_block_matches_a_40_digit_reference(d, rng):
    """The 11-component mixture of test_jit_affine (two blocks of LANES, one weight 0): the
    block kernel equals CATALOGUE A4 in 40 digits to 1e-13 relative to 1 + |f|. Budget as for
    the per-point kernel: <= 4 ulp per weight from exp_nonpositive, and the rounding of the
    exponents λ_k − |x − M_k|²/2v_k (relative ε·|exponent|, a few hundred at most here); the
    log-prefactor (d/2) log(v_min/v_k) adds one rounding of a number below 10."""
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
        _, block = _both(cf, t, x)
        for xi, fi in zip(x, block, strict=True):
            ref = _reference_field(t, xi, means, stds, weights, mu, sd)
            worst = max(worst, np.max(np.abs(fi - ref)) / (1.0 + np.max(np.abs(ref))))
    print(f"d = {d}: block kernel, max error vs 40-digit A4 {worst:.1e}")
    assert worst <= 1e-13


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
@pytest.mark.parametrize("data_kind", ["points", "gaussians"])
@pytest.mark.parametrize("d", [1, 2])
def test_block_equals_the_per_point_kernel(schedule, data_kind, d, rng):
    """Both kernels evaluate A4 from the same parameters; they differ only in the order of
    the roundings (the prefactor in the log-weight, sums over points rather than lanes), so
    they agree to the 40-digit budget above, 1e-13 relative to 1 + |f|, at interior times and
    at the schedule's ends; where σ_t = 0 with point data both return NaN (p_t atomic)."""
    sched = SCHEDULES[schedule]
    k = 13  # not a multiple of LANES: padding is exercised
    means = rng.uniform(-2.0, 2.0, (k, d))
    weights = rng.dirichlet(np.ones(k))
    data = (
        pc.PointMixture(means, weights)
        if data_kind == "points"
        else pc.GaussianMixture(means, rng.uniform(0.1, 0.4, k), weights)
    )
    path = pc.AffinePath(sched, prior=pc.Gaussian(np.full(d, -0.2), 0.9))
    cf = path.marginal_field(data).compiled()
    assert cf.block is not None
    x = rng.uniform(-4.0, 4.0, (300, d))
    for t in np.linspace(0.0, sched.T, 6):
        point, block = _both(cf, t, x)
        np.testing.assert_array_equal(np.isnan(point), np.isnan(block))
        ok = ~np.isnan(point)
        scale = 1.0 + np.abs(point[ok])
        assert np.max(np.abs(point[ok] - block[ok]) / scale, initial=0.0) <= 1e-13, t


def test_non_finite_rows_stay_in_their_rows(rng):
    """A NaN or infinite point gives a NaN row and leaves every other row bit-for-bit as it is
    without it (points are independent in the block's passes)."""
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(np.zeros(2), 1.0))
    cf = path.marginal_field(pc.GaussianMixture(rng.normal(size=(8, 2)), 0.3)).compiled()
    x = rng.normal(size=(50, 2))
    _, clean = _both(cf, 0.4, x)
    bad = x.copy()
    bad[3, 0], bad[17, 1], bad[40] = np.nan, np.inf, -np.inf
    _, dirty = _both(cf, 0.4, bad)
    assert np.all(np.isnan(dirty[[3, 17, 40]]))
    others = np.setdiff1d(np.arange(50), [3, 17, 40])
    np.testing.assert_array_equal(dirty[others], clean[others])


def test_empty_and_single_row_blocks(rng):
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(0.0, 1.0))
    cf = path.marginal_field(pc.GaussianMixture([-1.0, 1.0], 0.3)).compiled()
    empty = np.empty((0, 1))
    _block(cf.block(), cf.params, 0.5, empty, np.empty((0, 1)))
    x = np.array([[0.7]])
    point, block = _both(cf, 0.5, x)
    np.testing.assert_allclose(block, point, rtol=1e-14)


def test_only_the_isotropic_gaussian_prior_has_a_block_kernel():
    data = pc.PointMixture([[-1.0, 0.0], [1.0, 0.5]])
    diagonal = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(np.zeros(2), [1.0, 0.5]))
    uniform = pc.AffinePath(pc.schedules.Linear(), prior=pc.Uniform([-1.0, -1.0], [1.0, 1.0]))
    assert diagonal.marginal_field(data).compiled().block is None
    assert uniform.marginal_field(data).compiled().block is None
