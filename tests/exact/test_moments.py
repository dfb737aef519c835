"""Exact densities of the cases: normalisation by quadrature and sample moments.

Sample means are checked against the exact mean with the CLT bound |x̄ − μ| <= z σ/√N, z for a
two-sided false-alarm rate of 1e-5 per coordinate (Bonferroni over ~40 assertions keeps the
file's rate below 1e-3); N = 20000, seed fixed.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate, special

from pdecheck.cases import get

CASES = ["H2", "A4", "A5", "A6", "G1", "L4", "M1", "H1", "H3", "A1", "A2", "A3", "L1", "L2", "L3"]
Z = float(special.ndtri(1 - 1e-5 / 2))


def _pieces(edges, lo, hi, n=100):
    """Gauss–Legendre on [lo, hi] split at the jumps of the density (uniform-prior cases)."""
    cuts = np.unique(np.clip(np.concatenate([[lo, hi], edges]), lo, hi))
    u, w = np.polynomial.legendre.leggauss(n)
    xs = [0.5 * (b - a) * u + 0.5 * (a + b) for a, b in itertools.pairwise(cuts)]
    ws = [0.5 * (b - a) * w for a, b in itertools.pairwise(cuts)]
    return np.concatenate(xs), np.concatenate(ws)


@pytest.mark.parametrize("case_id", CASES)
def test_normalised_by_quadrature(case_id):
    problem = get(case_id).problem()
    t = float(np.mean(problem.t_span))
    density = problem.marginal(t)
    lo, hi = problem.domain
    if problem.dim == 1:
        edges = [lo[0], hi[0]] + [
            float(e[0]) for c in getattr(density, "components", []) for e in c.bounds()
        ]
        cuts = np.unique(np.clip(edges, lo[0], hi[0]))
        mass = sum(
            integrate.quad(lambda u: density.pdf(np.array([u]))[0], a, b, limit=200)[0]
            for a, b in itertools.pairwise(cuts)
        )
        tol = 1e-8
    else:
        parts = getattr(density, "components", [])
        axes = [_pieces([e[j] for c in parts for e in c.bounds()], lo[j], hi[j]) for j in range(2)]
        xs, ws = [a[0] for a in axes], [a[1] for a in axes]
        gx, gy = np.meshgrid(*xs, indexing="ij")
        pdf = density.pdf(np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(gx.shape)
        mass = float(ws[0] @ pdf @ ws[1])
        tol = 1e-6
    assert abs(mass - 1.0) <= tol


@pytest.mark.parametrize("case_id", CASES)
def test_sample_mean_matches_exact(case_id):
    problem = get(case_id).problem()
    t = float(np.mean(problem.t_span))
    density = problem.marginal(t)
    n = 20000
    x = np.asarray(density.sample(n, 11), dtype=float).reshape(n, -1)
    sd = np.sqrt(np.diag(density.cov()))
    assert np.all(np.abs(x.mean(axis=0) - density.mean()) <= Z * sd / np.sqrt(n))


def test_torus_moments_by_quadrature():
    """TorusWave.mean/cov (closed forms in the docstrings) against quadrature."""
    density = get("M1").problem().marginal(0.4)
    pdf = lambda u: density.pdf(np.array([u]))[0]  # noqa: E731
    m1 = integrate.quad(lambda u: u * pdf(u), 0, 2 * np.pi)[0]
    m2 = integrate.quad(lambda u: u * u * pdf(u), 0, 2 * np.pi)[0]
    assert abs(m1 - density.mean()[0]) < 1e-10
    assert abs(m2 - m1**2 - density.cov()[0, 0]) < 1e-10
