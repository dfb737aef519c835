"""Seed: diffusion-ode-heat-equation ("硬刚"扩散ODE: the diffusion ODE as a heat equation).

One test per derivation: eq. "ode-f-grad", f_t = −D_t ∇log p_t, turns the continuity equation
into the heat equation ∂_t p = D_t Δp; and its solution p_t = N(0, σ_t² I) * p_0 with
σ_t² = 2∫_0^t D_s ds (eq. "heat-sol-2", the Fourier argument ∂_t F = −D_t ω² F). Each is
re-derived in sympy, then checked on pdecheck's grid and particle solvers.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from scipy import special

import pdecheck as pc
from pdecheck import compare
from pdecheck.grid import Grid, solve_heat

t_, x_ = sp.symbols("t x", real=True)
D_ = sp.Function("D")
ALPHA = 1e-4  # false-alarm rate of the statistical test in this file


def _mixture(var: sp.Expr) -> sp.Expr:
    """0.3 N(−1, 0.2 + var) + 0.7 N(1.5, 0.5 + var)."""
    out = 0
    for w, m, v0 in (
        (sp.Rational(3, 10), -1, sp.Rational(1, 5)),
        (sp.Rational(7, 10), sp.Rational(3, 2), sp.Rational(1, 2)),
    ):
        out += w * sp.exp(-((x_ - m) ** 2) / (2 * (v0 + var))) / sp.sqrt(2 * sp.pi * (v0 + var))
    return out


def test_score_field_turns_continuity_into_the_heat_equation():
    """Eq. "ode-f-grad": with f = −D ∂_x log p, −∂_x(f p) = D ∂²_x p, so p_t solves the continuity
    equation iff it solves the heat equation; sympy verifies the residual of both for the
    Gaussian mixture whose variances grow by s_t with s' = 2D (generic D_t)."""
    s = sp.Function("s")(t_)
    p = _mixture(s).subs(sp.Derivative(s, t_), 2 * D_(t_))
    dp_dt = sp.diff(_mixture(s), t_).subs(sp.Derivative(s, t_), 2 * D_(t_))
    f = -D_(t_) * sp.diff(sp.log(p), x_)
    assert sp.simplify(dp_dt + sp.diff(f * p, x_)) == 0
    assert sp.simplify(dp_dt - D_(t_) * sp.diff(p, x_, 2)) == 0


def test_score_field_particles_follow_the_heat_flow():
    """The seed's generator dx/dt = −σ̇_t σ_t ∇log p_t (= −D_t ∇log p_t) with D_t = 0.5 + t:
    samples of p_0 (the mixture above) pushed to t = 1 by RK4 (100 steps) pass KS against the
    exact p_1, whose variances grew by σ_1² = 2∫_0^1 (0.5 + s) ds = 2 (DKW threshold)."""
    means, v0, w = np.array([-1.0, 1.5]), np.array([0.2, 0.5]), np.array([0.3, 0.7])

    def p(t: float) -> pc.GaussianMixture:
        return pc.GaussianMixture(means, np.sqrt(v0 + t + t**2), w)  # σ_t² = 2∫(0.5 + s) = t + t²

    def field(t: float, x: np.ndarray) -> np.ndarray:
        return -(0.5 + t) * p(t).score(x)

    x0 = p(0.0).sample(20_000, np.random.default_rng(59))
    sol = pc.particles.integrate_ode(field, x0[:, None], np.linspace(0.0, 1.0, 101))
    result = compare.ks_test(sol.samples[-1, :, 0], p(1.0), alpha=ALPHA)
    assert result.passed, result


def test_heat_kernel_variance_is_twice_the_integrated_diffusivity():
    """Eq. "heat-sol-2": N(x; x_0, σ_t²) solves ∂_t p = D_t ∂²_x p iff (σ_t²)' = 2D_t, i.e.
    σ_t² = 2∫_0^t D (the residual is ((σ²)'/2 − D) ∂²_x p, sympy). pdecheck's spectral heat
    solver (exact in time) takes N(0, 0.3²) with D_t = 0.5 + t to N(0, 0.09 + 2) at t = 1. On
    the periodic box [−8, 8] the solution is the *wrapped* Gaussian, which differs from the
    exact cell averages by at most twice the mass beyond ±8 in L1 (the aliasing of the initial
    spectrum at the Nyquist wavenumber, e^{−28}, adds nothing visible)."""
    v = sp.Function("v")(t_)
    p = sp.exp(-(x_**2) / (2 * v)) / sp.sqrt(2 * sp.pi * v)
    residual = sp.diff(p, t_) - D_(t_) * sp.diff(p, x_, 2)
    assert sp.simplify(residual - (sp.diff(v, t_) / 2 - D_(t_)) * sp.diff(p, x_, 2)) == 0
    assert sp.integrate(2 * (sp.Rational(1, 2) + t_), (t_, 0, 1)) == 2

    grid = Grid(-8.0, 8.0, 128)
    p0 = grid.cell_averages(pc.Gaussian(0.0, 0.3))
    sol = solve_heat(lambda t: 0.5 + t, p0, grid, (0.0, 1.0), method="spectral")
    exact = grid.cell_averages(pc.Gaussian(0.0, math.sqrt(0.09 + 2.0)))
    l1 = float(np.sum(np.abs(sol.at(1.0) - exact)) * 16.0 / 128)
    tail = 2 * special.ndtr(-8.0 / math.sqrt(2.09))  # P(|X| > 8) ≈ 3.1e-8
    assert l1 <= 2 * tail + 1e-12, (l1, tail)
