"""ParticleSolution: to_grid mass and cell averages, failed and escaped particles, and the
messages for bad input (DESIGN.md, "Bad input")."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from pdecheck import Gaussian
from pdecheck.fields import field_kernel
from pdecheck.particles import integrate_ode, integrate_sde, sample


def _grid(lower, upper, n):
    edges = [np.linspace(lo, hi, k + 1) for lo, hi, k in zip(lower, upper, n, strict=True)]
    vol = float(np.prod([(hi - lo) / k for lo, hi, k in zip(lower, upper, n, strict=True)]))
    return SimpleNamespace(edges=edges, shape=tuple(n), cell_volume=vol)


@field_kernel(dim=2)
def still(t, x, p, out):
    out[0] = 0.0
    out[1] = 0.0


@field_kernel(dim=1)
def blows_up(t, x, p, out):
    """f = 1/(1 − x): particles starting at x0 < 1 reach x = 1 at t = 1 − x0 … (NaN past it)."""
    out[0] = 1.0 / (1.0 - x[0]) if x[0] < 1.0 else np.nan


def test_to_grid_counts_and_mass():
    """Cell averages times the cell volume sum to the share of particles inside the grid; the
    counts are the histogram."""
    x = np.array([[0.1, 0.1], [0.6, 0.1], [0.6, 0.9], [0.7, 0.8], [5.0, 0.0]])
    sol = integrate_ode(still, x, [0.0, 1.0])
    avg, counts = sol.to_grid(_grid([0, 0], [1, 1], [2, 2]))
    np.testing.assert_array_equal(counts, [[1, 0], [1, 2]])
    np.testing.assert_allclose(avg * 0.25, counts / 5)
    assert np.sum(avg) * 0.25 == pytest.approx(4 / 5)


def test_sample_is_reproducible():
    g = Gaussian([0.0, 1.0], 2.0)
    a, b = sample(g, 10, 3), sample(g, 10, 3)
    assert a.shape == (10, 2)
    np.testing.assert_array_equal(a, b)
    assert sample(Gaussian(0.0, 1.0), 4, 1).shape == (4, 1)


@pytest.mark.parametrize(
    "field", [blows_up, lambda t, x: np.where(x < 1.0, 1.0 / np.abs(1.0 - x), np.nan)]
)
def test_nonfinite_particles_are_counted_flagged_and_excluded(field):
    """dx/dt = 1/(1 − x) from x0 has x(t) = 1 − sqrt((1 − x0)² − 2t): particles with
    (1 − x0)² < 2t_end blow up (NaN) and must be counted, flagged and left out of at()."""
    x0 = np.array([-2.0, -1.0, 0.5, 0.9])
    with pytest.warns(RuntimeWarning, match="nonfinite"):
        sol = integrate_ode(field, x0, np.linspace(0.0, 1.0, 201), method="euler")
    assert sol.nonfinite == 2
    np.testing.assert_array_equal(sol.valid, [True, True, False, False])
    assert any("nonfinite" in f for f in sol.flags)
    assert sol.at().shape == (2, 1)
    assert np.all(np.isnan(sol.samples[-1, 2:]))
    np.testing.assert_allclose(sol.at()[:, 0], 1 - np.sqrt((1 - x0[:2]) ** 2 - 2), atol=2e-2)


def test_particles_leaving_the_domain_are_counted():
    with pytest.warns(RuntimeWarning, match="outside"):
        sol = integrate_sde(
            lambda t, x: np.ones_like(x),
            0.0,
            np.array([0.0, 0.5, 0.95]),
            np.linspace(0, 0.2, 5),
            seed=1,
            domain=(-1.0, 1.0),
        )
    assert sol.outside == 1
    np.testing.assert_array_equal(sol.left_domain, [False, False, True])
    assert sol.at().shape == (3, 1)  # they keep moving: still in the statistics


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"times": [0.0, 0.5, 0.4]}, ValueError, "strictly monotone"),
        ({"times": [0.0]}, ValueError, "at least two"),
        ({"times": [0.0, np.nan]}, ValueError, "non-finite"),
        ({"x0": np.zeros((0, 1))}, ValueError, "N >= 1"),
        (
            {"x0": "origin"},
            ValueError,
            r"x0='origin' must be a real number or a \(rectangular\) array",
        ),
        ({"times": ["start", "end"]}, ValueError, r"times=.* must be a real number or a"),
        ({"method": "rk5"}, ValueError, "known: .*rk4"),
        ({"save_at": [0.3]}, ValueError, "not on the time grid"),
        ({"domain": (1.0, 0.0)}, ValueError, "lower < upper"),
        ({"domain": ("a", "b")}, ValueError, r"domain lower='a' must be a real number"),
        (
            {"domain": ([0.0, 0.0], [1.0, 1.0])},
            ValueError,
            r"lower=\[0\. 0\.\] must be a number \(every coordinate\) or a vector of length 1",
        ),
    ],
)
def test_bad_ode_input(kwargs, error, match):
    args = {"x0": np.zeros(3), "times": [0.0, 0.5, 1.0], **kwargs}
    x0, times = args.pop("x0"), args.pop("times")
    with pytest.raises(error, match=match):
        integrate_ode(lambda t, x: -x, x0, times, **args)


def test_bad_sde_input():
    drift = lambda t, x: -x  # noqa: E731
    with pytest.raises(TypeError, match="seed=None"):
        integrate_sde(drift, 1.0, np.zeros(3), [0.0, 1.0])
    with pytest.raises(TypeError, match=r"seed=1\.5"):
        integrate_sde(drift, 1.0, np.zeros(3), [0.0, 1.0], seed=1.5)
    with pytest.raises(ValueError, match="additive noise"):
        integrate_sde(drift, lambda t, x: x, np.zeros(3), [0.0, 1.0], seed=1, method="weak2")
    with pytest.raises(ValueError, match=r"not finite at t=0\.0"):
        integrate_sde(drift, lambda t: np.inf, np.zeros(3), [0.0, 1.0], seed=1)
    with pytest.raises(
        TypeError, match=r"diffusion\(t=0\.0\) returned \[1\. 2\.\]; the rule is one"
    ):
        integrate_sde(drift, lambda t: np.array([1.0, 2.0]), np.zeros(3), [0.0, 1.0], seed=1)
    with pytest.raises(TypeError, match=r"drift=.* must be callable as f\(t, x\)"):
        integrate_sde(lambda x: -x, 1.0, np.zeros(3), [0.0, 1.0], seed=1)
    with pytest.raises(ValueError, match="brownian has shape"):
        integrate_sde(drift, 1.0, np.zeros(3), [0.0, 1.0], brownian=np.zeros((3, 2, 1)))
    with pytest.raises(ValueError, match="dimension 2 but the field has dim=1"):
        integrate_sde(blows_up, 1.0, np.zeros((3, 2)), [0.0, 1.0], seed=1)
    with pytest.raises(ValueError, match="n=0"):
        sample(Gaussian(0.0, 1.0), 0, 1)
