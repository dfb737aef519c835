"""Cases L1–L4: the compiled linear field equals the NumPy field, which is A x/(1 + c t);
FullGaussian refuses a covariance that is not one."""

from __future__ import annotations

import numpy as np
import pytest

from pdecheck._jit.signature import apply_field
from pdecheck.cases import get
from pdecheck.exact.linear import L4_RATE, FullGaussian


@pytest.mark.parametrize("case_id", ["L1", "L2", "L3", "L4"])
def test_compiled_field_equals_numpy(case_id, rng):
    """Kernel vs NumPy at points of p_t over the case's span, and both against the formula of
    CATALOGUE B.7 written out here (A from the case's notes, c = a for L4)."""
    problem = get(case_id).problem()
    field = problem.drift
    cf = field.compiled()
    assert cf is not None and cf.dim == get(case_id).dim
    A = np.atleast_2d(problem.notes.get("A", problem.notes.get("a")))
    rate = L4_RATE if case_id == "L4" else 0.0
    for t in np.linspace(*sorted(problem.t_span), 4):
        x = np.asarray(problem.marginal(t).sample(40, rng), dtype=float).reshape(40, -1)
        out = np.empty_like(x)
        assert apply_field(cf.kernel, cf.params, t, x, out) == 0
        np.testing.assert_allclose(out, field(t, x), rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(out, x @ A.T / (1 + rate * t), rtol=1e-14, atol=1e-14)


def test_l4_field_at_the_collapse_is_nan_in_both_paths(capfd):
    """At t = −1/a = 1.25 the L4 density is a δ and f = a x/(1 + a t) is undefined: NaN from the
    NumPy field and from the kernel (counted by apply_field, no exception inside the cfunc)."""
    field = get("L4").problem().drift
    cf = field.compiled()
    x = np.array([[0.1], [0.4]])
    out = np.zeros_like(x)
    t = -1.0 / L4_RATE
    assert apply_field(cf.kernel, cf.params, t, x, out) == 2
    assert np.all(np.isnan(out)) and np.all(np.isnan(field(t, x)))
    assert "Error" not in capfd.readouterr().err


@pytest.mark.parametrize(
    "mean, cov, words",
    [
        ([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]], ["cov=", "not symmetric", "0.5", "cov = covᵀ"]),
        ([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]], ["cov=", "not positive definite", "-1"]),
        ([0.0, 0.0], [[1.0, 1.0], [1.0, 1.0]], ["cov=", "not positive definite", "eigenvalue"]),
        ([0.0, 0.0], [[1.0, np.nan], [np.nan, 1.0]], ["cov=", "2 non-finite", "finite"]),
        ([np.nan, 0.0], np.eye(2), ["mean=", "1 non-finite", "finite"]),
        ([0.0, 0.0], np.eye(3), ["cov has shape (3, 3)", "(2, 2)"]),
    ],
)
def test_full_gaussian_refuses_a_covariance_that_is_no_covariance(mean, cov, words):
    """A non-symmetric cov was accepted (the score used inv(cov), scipy's pdf one triangle: two
    laws), an indefinite one gave scipy's bare message and a NaN mean was accepted."""
    with pytest.raises(ValueError) as info:
        FullGaussian(mean, cov)
    for word in words:
        assert word in str(info.value)


def test_full_gaussian_score_is_the_gradient_of_its_logpdf():
    """With a symmetric cov (round-off asymmetry 1e-15 is accepted and symmetrised) the score
    equals the central difference of logpdf."""
    cov = np.array([[1.0, 0.3], [0.3 + 1e-15, 0.5]])
    law = FullGaussian([0.2, -0.1], cov)
    x, h = np.array([[0.4, 0.3]]), 1e-5
    grad = [(law.logpdf(x + h * e) - law.logpdf(x - h * e))[0] / (2 * h) for e in np.eye(2)]
    assert np.allclose(law.score(x)[0], grad, atol=1e-8)
