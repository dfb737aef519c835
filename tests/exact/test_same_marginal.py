"""Cases F1–F3 (CATALOGUE B.5): residual order of the same-marginal family, the reverse SDE (as
a forward equation in τ = T − t) and the probability-flow ODE, all from the numpy fields."""

from __future__ import annotations

import numpy as np
import pytest

from pdecheck import cases
from pdecheck.exact.same_marginal import DATA, ou_process
from tests.exact.test_sde_cases import residual_slope


@pytest.mark.parametrize("case_id", ["F1", "F2", "F3"])
def test_residual_shrinks_at_second_order(case_id, rng):
    """Every member of the family has the OU marginals, so the findiff residual is truncation
    error only: slope 2 for accuracy-2 central differences."""
    slope, rel = residual_slope(cases.get(case_id).problem(), rng)
    print(f"{case_id}: slope {slope:.3f}, relative residual {rel:.2e}")
    assert abs(slope - 2.0) < 0.3
    assert rel < 1e-3


@pytest.mark.parametrize("s", [0.0, 0.5, 2.0, lambda t: 1.0 + np.sin(3 * np.asarray(t)) ** 2])
def test_any_noise_level_keeps_the_marginals(s, rng):
    """F1 for several s_t, constant or not, below and above g = 1: residual order 2."""
    from pdecheck.cases import Problem

    ou = ou_process()
    sde = ou.same_marginal(ou.score(DATA), s)
    problem = Problem(sde.drift, DATA, (0.0, 1.0), sde.diffusion, lambda t: ou.marginal(DATA, t))
    slope, rel = residual_slope(problem, rng)
    assert abs(slope - 2.0) < 0.3 and rel < 1e-3


def test_wrong_sign_in_reverse_time_is_caught(rng):
    """Control: the forward SDE written in reverse time is not the reverse SDE; its residual
    against p_{T−τ} does not shrink (slope near 0), so the residual test can fail."""
    from pdecheck.cases import Problem

    ou = ou_process()
    wrong = ou.in_reverse_time()
    problem = Problem(
        wrong.drift, DATA, (0.0, 1.0), wrong.diffusion, lambda tau: ou.marginal(DATA, 1.0 - tau)
    )
    slope, rel = residual_slope(problem, rng)
    assert slope < 0.5 and rel > 1e-2


def test_compiled_fields_match_numpy(rng):
    """The compiled kernels of F1 (constant s), F2 (in τ) and F3 agree with the numpy fields."""
    from pdecheck._jit.signature import apply_field

    ou = ou_process()
    score = ou.score(DATA)
    fields = [
        ou.same_marginal(score, 1.5).drift,
        ou.reverse(score).in_reverse_time().drift,
        ou.reverse(score, 0.3).drift,
        ou.probability_flow(score),
    ]
    x = rng.normal(size=(7, 1)) * 2
    for field in fields:
        cf = field.compiled()
        assert cf is not None
        for t in (0.0, 0.3, 1.0):
            out = np.empty_like(x)
            assert apply_field(cf.kernel, cf.params, t, x, out) == 0
            assert np.allclose(out, field(t, x), rtol=1e-12, atol=1e-12)
    assert ou.same_marginal(score, lambda t: 1.0).drift.compiled() is None
