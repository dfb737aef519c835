"""PDE residuals of the exact cases (heat, affine, general, linear, torus).

For every smooth case, R = ∂_t p + ∇·(f p) − ½ g² Δp of the *implementation* (Problem.marginal
pdf, Problem.drift, Problem.diffusion) is computed at random points of the support with
second-order central differences whose coefficients come from findiff. The exact R is 0, so
the computed R is pure truncation error C h² (theory: the stencils are exact for quadratics);
the fitted slope of log max|R| against log h over 4 steps must be 2 within 0.3. A wrong density
or field leaves an O(1) residual and a slope near 0. The discontinuous uniform-prior cases
(A2, A5) are checked in the weak form d/dt ∫φ p = ∫∇φ·f p by piecewise Gauss–Legendre
quadrature between the jumps.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pdecheck.cases import get
from pdecheck.residual import fokker_planck_residual

SMOOTH = ["H1", "H2", "H3", "A1", "A3", "A4", "A6", "G1", "G2", "L1", "L2", "L3", "L4", "M1"]
STEPS = np.array([0.04, 0.02, 0.01, 0.005])


def residual(problem, t, x, h):
    """R(t, x) with step h in t and x (findiff second-order central stencils)."""
    return fokker_planck_residual(problem.marginal, problem.drift, problem.diffusion, t, x, h)


@pytest.mark.parametrize("case_id", SMOOTH)
def test_residual_shrinks_at_second_order(case_id):
    problem = get(case_id).problem()
    t = float(np.mean(problem.t_span))
    x = np.asarray(problem.marginal(t).sample(12, 7), dtype=float).reshape(12, -1)
    if case_id == "M1":  # keep stencils inside [0, 2π)
        x = np.clip(x, 0.3, 2 * np.pi - 0.3)
    errs = np.array([np.max(np.abs(residual(problem, t, x, h))) for h in STEPS])
    slope = np.polyfit(np.log(STEPS), np.log(errs), 1)[0]
    print(case_id, errs, slope)
    assert abs(slope - 2.0) <= 0.3


def _pieces(edges, lo, hi, n=24):
    """Gauss–Legendre nodes and weights on [lo, hi] split at the given edges."""
    cuts = np.unique(np.clip(np.concatenate([[lo, hi], edges]), lo, hi))
    u, w = np.polynomial.legendre.leggauss(n)
    xs, ws = [], []
    for a, b in itertools.pairwise(cuts):
        xs.append(0.5 * (b - a) * u + 0.5 * (a + b))
        ws.append(0.5 * (b - a) * w)
    return np.concatenate(xs), np.concatenate(ws)


def _edges(problem, t):
    density = problem.marginal(t)
    boxes = [c.bounds() for c in density.components]
    return [
        np.array([b[0][j] for b in boxes] + [b[1][j] for b in boxes]) for j in range(problem.dim)
    ]


def _integrals(problem, t, phi, grad_phi):
    """∫φ p_t and ∫∇φ·f p_t by tensor Gauss–Legendre between the jumps of p_t."""
    lo, hi = problem.domain
    axes = [_pieces(e, lo[j], hi[j]) for j, e in enumerate(_edges(problem, t))]
    grids = np.meshgrid(*[a[0] for a in axes], indexing="ij")
    weights = np.prod(np.meshgrid(*[a[1] for a in axes], indexing="ij"), axis=0).ravel()
    x = np.stack([g.ravel() for g in grids], axis=1)
    p = problem.marginal(t).pdf(x)
    inside = p > 0
    f = np.zeros_like(x)
    f[inside] = problem.drift(t, x[inside]).reshape(-1, x.shape[1])
    return weights @ (phi(x) * p), weights @ (np.sum(grad_phi(x) * f, axis=1) * p)


@pytest.mark.parametrize("case_id", ["A2", "A5"])
def test_weak_form_for_the_uniform_prior(case_id):
    """d/dt ∫φ p = ∫∇φ·f p for φ = sin(3x_1) + x_1 x_2 (or sin 3x in 1-D); the t-derivative by
    central differences converges at order 2 (4 steps), and at the finest step it matches."""
    problem = get(case_id).problem()

    def phi(x):
        return np.sin(3 * x[:, 0]) + (x[:, 0] * x[:, -1] if x.shape[1] > 1 else 0.0)

    def grad_phi(x):
        g = np.zeros_like(x)
        g[:, 0] = 3 * np.cos(3 * x[:, 0])
        if x.shape[1] > 1:
            g[:, 0] += x[:, 1]
            g[:, 1] += x[:, 0]
        return g

    t = 0.6
    rhs = _integrals(problem, t, phi, grad_phi)[1]
    steps = np.array([0.08, 0.04, 0.02, 0.01])
    errs = []
    for h in steps:
        lhs = (
            _integrals(problem, t + h, phi, grad_phi)[0]
            - _integrals(problem, t - h, phi, grad_phi)[0]
        ) / (2 * h)
        errs.append(abs(lhs - rhs))
    slope = np.polyfit(np.log(steps), np.log(errs), 1)[0]
    print(case_id, errs, slope)
    assert abs(slope - 2.0) <= 0.3


@pytest.mark.parametrize("case_id, end", [("S2", 1), ("H2", 0), ("H2", 1), ("L1", 1)])
def test_residual_at_an_end_of_t_span_is_second_order_one_sided(case_id, end):
    """With t_span the time derivative at t = t_span[end] is findiff's one-sided stencil of
    accuracy 2 (the central one would leave t_span): the slope stays 2. dt = h/4: the
    one-sided stencil reaches 2 dt, and at H2's start its narrow components (std 0.2) widen
    fastest, so dt = h is still pre-asymptotic there (local slopes 1.1, 1.4, 1.7, 1.8)."""
    problem = get(case_id).problem()
    t = problem.t_span[end]
    x = np.asarray(problem.marginal(t).sample(12, 7), dtype=float).reshape(12, -1)
    fields = (problem.marginal, problem.drift, problem.diffusion)
    errs = [
        np.max(np.abs(fokker_planck_residual(*fields, t, x, h, h / 4, t_span=problem.t_span)))
        for h in STEPS
    ]
    slope = np.polyfit(np.log(STEPS), np.log(errs), 1)[0]
    assert abs(slope - 2.0) <= 0.3


def test_a_stencil_past_the_end_names_t_dt_and_the_rule():
    """At t = T the central stencil reached T + dt, and the error named t=1.001, a time the
    caller never passed: now it names t, dt, the stencil time and what to do."""
    problem = get("S2").problem()
    args = (problem.marginal, problem.drift, problem.diffusion)
    with pytest.raises(ValueError) as info:
        fokker_planck_residual(*args, 1.0, [[0.1]], 1e-3)
    for word in ["t=1.0", "dt=0.001", "t+1·dt = 1.001", "smaller dt", "t_span="]:
        assert word in str(info.value)
    with pytest.raises(ValueError) as info:
        fokker_planck_residual(*args, 0.5, [[0.1]], 1e-3, 0.6, t_span=problem.t_span)
    for word in ["t=0.5", "dt=0.6", "t_span=[0.001, 1]", "[t − 1·dt, t + 1·dt]", "[t, t + 2·dt]"]:
        assert word in str(info.value)
    with pytest.raises(ValueError, match=r"t=2.5 must lie in t_span=\[0.001, 1\]"):
        fokker_planck_residual(*args, 2.5, [[0.1]], 1e-3, t_span=problem.t_span)
