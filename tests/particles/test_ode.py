"""integrate_ode: global orders, backward runs, fast path = slow path, and the log-density
along trajectories (seed eq. 12) against the exact single-Gaussian flow (CATALOGUE H3).

The test flow is the probability-flow ODE of the heat equation with D_t = ½ + t from
p_0 = N(m, V I): s_t = 2∫_0^t D = t + t², f_t(x) = D_t (x − m)/(V + s_t), exact trajectories
X_t = m + √((V + s_t)/V)(X_0 − m), ∇·f = d D_t/(V + s_t), p_t = N(m, (V + s_t) I).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from pdecheck.fields import field_kernel
from pdecheck.particles import ODE_METHODS, integrate_ode

M = np.array([0.3, -0.5])
V = 0.4


def s_of(t):
    return t + t * t


def exact(x0, t0, t1):
    return M + np.sqrt((V + s_of(t1)) / (V + s_of(t0))) * (x0 - M)


def logp(t, x):
    return stats.multivariate_normal(M, (V + s_of(t)) * np.eye(2)).logpdf(x)


@field_kernel(dim=2, params=[0.3, -0.5, 0.4])
def heat_flow(t, x, p, out):
    rate = (0.5 + t) / (p[2] + t + t * t)
    out[0] = rate * (x[0] - p[0])
    out[1] = rate * (x[1] - p[1])


def heat_flow_numpy(t, x):
    return (0.5 + t) / (V + s_of(t)) * (x - M)


class WithDivergence:
    """The NumPy field with its exact divergence (the slow path's exact-divergence branch)."""

    def __call__(self, t, x):
        return heat_flow_numpy(t, x)

    def divergence(self, t, x):
        return np.full(x.shape[0], 2 * (0.5 + t) / (V + s_of(t)))


X0 = np.random.default_rng(1).normal(M, np.sqrt(V), size=(64, 2))


@pytest.mark.parametrize("field", [heat_flow, heat_flow_numpy], ids=["compiled", "numpy"])
@pytest.mark.parametrize("method", sorted(ODE_METHODS))
@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_global_order(field, method, direction, slope):
    """Fixed-step explicit RK of order p has global error C h^p on smooth fields (Hairer,
    Nørsett & Wanner I, Thm II.3.4): the fitted slope over 5 halvings is within 0.15 of p,
    forward 0 → 1 and backward 1 → 0."""
    p = ODE_METHODS[method].order
    t0, t1 = (0.0, 1.0) if direction == "forward" else (1.0, 0.0)
    x0 = X0 if direction == "forward" else exact(X0, 0.0, 1.0)
    steps = np.array([8, 16, 32, 64, 128])
    err = []
    for n in steps:
        sol = integrate_ode(field, x0, np.linspace(t0, t1, n + 1), method=method)
        err.append(np.max(np.abs(sol.at() - exact(x0, t0, t1))))
    assert abs(slope(1.0 / steps, err) - p) <= 0.15, (method, err)


def test_fast_and_slow_paths_agree_and_save_at():
    t = np.linspace(0.0, 1.0, 11)
    fast = integrate_ode(heat_flow, X0, t, method="rk4", save_at=[0.0, 0.5, 1.0])
    slow = integrate_ode(heat_flow_numpy, X0, t, method="rk4", save_at=[0.0, 0.5, 1.0])
    np.testing.assert_allclose(fast.samples, slow.samples, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(fast.times, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(fast.at(0.0), X0)
    np.testing.assert_allclose(fast.at(0.5), exact(X0, 0.0, 0.5), atol=1e-5)


@pytest.mark.parametrize(
    "field",
    [heat_flow, heat_flow_numpy, WithDivergence()],
    ids=["compiled-fd", "numpy-fd", "exact-div"],
)
def test_log_density_along_trajectories(field, slope):
    """log p_1(X_1) = log p_0(X_0) − ∫ ∇·f (seed eq. 12) against the exact Gaussian density;
    the augmented ODE is integrated by RK4, so its error falls at order 4 (finite-difference
    divergence error ~1e-10 stays below the finest RK4 error ~1e-8)."""
    steps = np.array([4, 8, 16, 32])
    err = []
    for n in steps:
        sol = integrate_ode(field, X0, np.linspace(0.0, 1.0, n + 1), log_density=True)
        logp1 = sol.log_density(logp(0.0, X0), 1.0)
        err.append(np.max(np.abs(logp1 - logp(1.0, sol.at(1.0)))))
    assert abs(slope(1.0 / steps, err) - 4) <= 0.15, err
    assert err[-1] < 1e-6


def test_log_density_backward_returns_to_start():
    """Generation direction: from X_1 ~ p_1 down to t = 0 the increments reverse sign."""
    x1 = exact(X0, 0.0, 1.0)
    sol = integrate_ode(heat_flow, x1, np.linspace(1.0, 0.0, 65), log_density=True)
    np.testing.assert_allclose(
        sol.log_density(logp(1.0, x1), 0.0), logp(0.0, sol.at(0.0)), atol=1e-7
    )
    np.testing.assert_allclose(sol.at(0.0), X0, atol=1e-7)


def test_compiled_divergence_is_used():
    """A field exposing compiled_divergence() gets it inside the kernel: here a deliberately
    wrong constant divergence 1 shows up exactly as −(t1 − t0)."""

    @field_kernel(dim=2)
    def one(t, x, p, out):
        out[0] = 1.0

    class Field:
        def __call__(self, t, x):
            return heat_flow(t, x)

        def compiled(self):
            return heat_flow.compiled()

        def compiled_divergence(self):
            return one.compiled()

    sol = integrate_ode(Field(), X0, np.linspace(0.0, 0.5, 5), log_density=True)
    np.testing.assert_allclose(sol.delta_log_density[-1], -0.5, rtol=1e-14)


@pytest.mark.parametrize("prior_std", [1.0, [1.0, 0.5]], ids=["isotropic", "diagonal"])
@pytest.mark.parametrize("data_std", [0.0, [0.05, 0.4, 0.1, 0.2]], ids=["points", "gaussians"])
def test_mixture_marginal_kernel_matches_the_formula(prior_std, data_std):
    """The compiled marginal field of a 4-component 2-D mixture (CATALOGUE A4; the isotropic
    prior takes the log-free path with prefactors (v_min/v_k)^{d/2}, the diagonal one the
    per-coordinate path) equals the NumPy formula of pdecheck.paths at times from near the
    data to the prior, far from the components too (|x| up to 8: responsibilities ~e^-30)."""
    import pdecheck as pc
    from pdecheck._jit.signature import apply_field

    means = np.array([[-2.0, 1.0], [0.5, 0.5], [2.0, -1.5], [0.0, 3.0]])
    weights = np.array([0.1, 0.4, 0.3, 0.2])
    data = (
        pc.PointMixture(means, weights)
        if data_std == 0.0
        else pc.GaussianMixture(means, data_std, weights)
    )
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian([0.2, -0.1], prior_std))
    field = path.marginal_field(data)
    cf = field.compiled()
    x = np.random.default_rng(5).uniform(-8.0, 8.0, size=(200, 2))
    for t in (0.02, 0.3, 0.7, 1.0):
        out = np.empty_like(x)
        assert apply_field(cf.kernel, cf.params, t, x, out) == 0
        np.testing.assert_allclose(out, field(t, x), rtol=1e-11, atol=1e-11)


class _PerPointOnly:
    """A built-in field with its block kernel hidden: the ODE kernel calls the per-point
    kernel once per particle and stage."""

    def __init__(self, field):
        self.field = field

    def __call__(self, t, x):
        return self.field(t, x)

    def compiled(self):
        import dataclasses

        return dataclasses.replace(self.field.compiled(), block=None)


@pytest.mark.parametrize("method", sorted(ODE_METHODS))
def test_block_and_per_point_field_calls_agree(method):
    """The stage-major loop gives the same trajectories whether a stage is one block call or
    one per-point call per particle (both kernels agree to 1e-13, test_jit_affine_block; RK
    steps are Lipschitz-stable over this short grid, so the difference stays ~1e-13). With
    point data σ_0 = 0 and the field is NaN at t = 0: every particle fails on the last step,
    in both paths alike, and is marked, never carried as a number."""
    import pdecheck as pc

    rng = np.random.default_rng(11)
    data = pc.GaussianMixture(rng.uniform(-2, 2, (8, 2)), rng.uniform(0.1, 0.4, 8))
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(np.zeros(2), 1.0))
    field = path.marginal_field(data)
    x0 = rng.standard_normal((700, 2))  # 700: two full chunks and a partial one
    times = np.linspace(1.0, 0.0, 21)
    block = integrate_ode(field, x0, times, method=method, save_at=times[::5])
    point = integrate_ode(_PerPointOnly(field), x0, times, method=method, save_at=times[::5])
    assert block.path == point.path == "compiled"
    np.testing.assert_allclose(block.samples, point.samples, rtol=0, atol=1e-12)
    assert not np.any(block.failed_step)

    atoms = path.marginal_field(pc.PointMixture(data.means))
    expected = 0 if method == "euler" else times.size - 1  # Euler never evaluates at t = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        block = integrate_ode(atoms, x0, times, method=method)
        point = integrate_ode(_PerPointOnly(atoms), x0, times, method=method)
    assert len([w for w in caught if "nonfinite" in str(w.message)]) == (2 if expected else 0)
    np.testing.assert_array_equal(block.failed_step, np.full(700, expected))
    np.testing.assert_array_equal(point.failed_step, block.failed_step)
    np.testing.assert_array_equal(np.isnan(block.samples), np.isnan(point.samples))


def test_a_divergence_of_the_wrong_shape_is_named() -> None:
    class TwoColumns:
        def __call__(self, t, x):
            return -x

        def divergence(self, t, x):
            return -np.ones((x.shape[0], 2))

    with pytest.raises(ValueError, match=r"divergence returned shape \(3, 2\) at t=0\.0"):
        integrate_ode(TwoColumns(), np.zeros(3), [0.0, 0.5, 1.0], log_density=True)
