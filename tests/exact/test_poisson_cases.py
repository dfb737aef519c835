"""Cases P1–P5 (CATALOGUE B.6): continuity residual in z, normalisation, tails."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate

from pdecheck import cases
from tests.exact.test_sde_cases import residual_slope


@pytest.mark.parametrize("case_id", ["P1", "P2", "P3", "P4", "P5"])
def test_continuity_residual_in_z_shrinks_at_second_order(case_id, rng):
    """p_z solves ∂_z p + ∇·(p E_x/E_z) = 0 (P2): findiff residual slope 2."""
    problem = cases.get(case_id).problem()
    assert problem.diffusion is None
    slope, rel = residual_slope(problem, rng)
    print(f"{case_id}: slope {slope:.3f}, relative residual {rel:.2e}")
    assert abs(slope - 2.0) < 0.3
    assert rel < 1e-3


@pytest.mark.parametrize("case_id", ["P2", "P5"])
def test_1d_normalisation_and_domain_tail(case_id):
    """∫ p_z = 1 by quadrature on R; the mass outside the domain is the recorded O(z/R) tail."""
    problem = cases.get(case_id).problem()
    lo, hi = problem.domain
    for z in problem.t_span:
        p = problem.marginal(z)
        ys = np.sort(p.charges[:, 0])
        edges = np.r_[-np.inf, ys, np.inf]
        mass = sum(
            integrate.quad(lambda x, p=p: p.pdf(np.array([x]))[0], a, b, limit=200, epsabs=1e-14)[0]
            for a, b in itertools.pairwise(edges)
        )
        assert abs(mass - 1.0) < 1e-9
    zmax = max(problem.t_span)
    inside = integrate.quad(
        lambda x: problem.marginal(zmax).pdf(np.array([x]))[0], lo[0], hi[0], limit=400
    )[0]
    assert np.isclose(1.0 - inside, problem.notes["mass_outside"], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("case_id", ["P1", "P3", "P4"])
def test_2d_normalisation_by_polar_quadrature(case_id):
    """∫ p_z = 1 in 2-D: polar quadrature over r ∈ [0, ∞), θ ∈ [0, 2π) about the origin."""
    problem = cases.get(case_id).problem()
    p = problem.marginal(0.3)

    def radial(r):
        th = np.linspace(0.0, 2 * np.pi, 512, endpoint=False)  # periodic: spectral accuracy
        pts = np.column_stack([r * np.cos(th), r * np.sin(th)])
        return r * np.mean(p.pdf(pts)) * 2 * np.pi

    mass = sum(
        integrate.quad(radial, a, b, limit=400, epsabs=1e-13)[0] for a, b in [(0, 1), (1, np.inf)]
    )
    assert abs(mass - 1.0) < 1e-8
