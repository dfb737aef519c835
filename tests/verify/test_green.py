"""check_green_function: seed eq. 8, eq. 12 and the findiff PDE residual (issue 6, item 4)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pdecheck as pc

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _check(path, x0, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return pc.check_green_function(path, x0, **kw)


class _WrongField:
    """A user's path whose conditional field is off by 10 % in its σ'/σ term (a typical slip in
    differentiating σ_t); everything else is the correct cosine path."""

    def __init__(self) -> None:
        self.inner = pc.AffinePath(pc.schedules.Cosine(), prior=pc.Gaussian(0.0, 1.0))
        self.dim, self.T, self.prior = 1, 1.0, self.inner.prior
        self.mu, self.sigma = self.inner.mu, self.inner.sigma
        self.conditional, self.conditional_density = (
            self.inner.conditional,
            self.inner.conditional_density,
        )

    def conditional_field(self, t, x, x0):
        x = np.asarray(x, dtype=float).reshape(-1, 1)
        a, da = self.inner.alpha(t), self.inner.dalpha(t)
        s, ds = self.inner.sigma(t), self.inner.dsigma(t)
        return da * x0 + 1.1 * ds / s * (x - a * x0)


def test_cosine_gaussian_path_is_a_green_function():
    """Residual of eq. 8 at difference-error level, findiff residual of order 2 (the fitted
    slope printed in the check detail), and the eq. 12 comparisons all pass."""
    path = pc.AffinePath(pc.schedules.Cosine(), prior=pc.Gaussian(0.0, 1.0))
    v = _check(path, 1.2)
    assert v.passed, v.summary()
    kinds = {c.method for c in v.checks}
    assert {"eq. 8", "PDE residual", "eq. 12: particles vs exact", "eq. 12: grid vs exact"} <= kinds
    orders = [float(c.detail.split()[2]) for c in v.checks if c.method == "PDE residual"]
    assert all(abs(p - 2.0) < 0.1 for p in orders), orders


def test_uniform_prior_skips_the_pointwise_residual():
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Uniform(0.0, 2.0))
    v = _check(path, 1.2)
    assert v.passed, v.summary()
    assert any(f.code == "weak-solution" for f in v.flags)
    assert not any(c.method == "PDE residual" for c in v.checks)


def test_wrong_conditional_field_fails_all_three_ways():
    v = _check(_WrongField(), 1.2)
    assert not v.passed
    failed = {c.method for c in v.failed}
    assert {"eq. 8", "PDE residual"} <= failed
    assert any(m.startswith("eq. 12") for m in failed), v.summary()


def test_bad_x0():
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(0.0, 1.0))
    with pytest.raises(ValueError, match="x0"):
        pc.check_green_function(path, [np.nan])
    with pytest.raises(ValueError, match="x0='abc' must be a real number"):
        pc.check_green_function(path, "abc")
    with pytest.raises(ValueError, match="times"):
        pc.check_green_function(path, 0.0, times=[0.0])
    with pytest.raises(ValueError, match=r"times=\[0.5 nan\] contains 1 non-finite"):
        pc.check_green_function(path, 0.0, times=[0.5, np.nan])


def test_a_case_id_stands_for_the_path_the_case_is_built_on():
    """'A5' is the linear path to U[0, 2]: the same verdict as the path itself (same seed)."""
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Uniform(0.0, 2.0))
    kw = {"n": 1000, "times": [0.5]}
    by_id, by_path = _check("A5", 1.2, **kw), _check(path, 1.2, **kw)
    assert by_id.passed, by_id.summary()
    assert [c.statistic for c in by_id.checks] == [c.statistic for c in by_path.checks]
    assert by_id.subject == by_path.subject


def test_a_subject_that_is_not_a_path_names_path_and_what_it_accepts():
    with pytest.raises(TypeError, match=r"path='H1': case H1 is not built on .* A5"):
        pc.check_green_function("H1", 0.0)
    with pytest.raises(TypeError, match=r"path=3 lacks dim, prior, .*conditional path"):
        pc.check_green_function(3, 0.0)
    with pytest.raises(KeyError, match="unknown case 'Z9'"):
        pc.check_green_function("Z9", 0.0)
