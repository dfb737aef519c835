"""Cases S1–S6: linear SDEs dx = f_t x dt + g_t dW from point or Gaussian-mixture data
(CATALOGUE B.4), with exact marginals p_t = Σ w_k N(a_t m_k, a_t² V_k + b_t²).

δ data: a grid cannot hold a point mass, so the δ cases start at a small t_0 > 0 from the exact
p_{t_0} (a narrow Gaussian mixture); ``notes["start"]`` says so. ``domain`` is the union over
t of boxes that hold all but ``MASS_TOL`` of p_t.

Public names: :func:`linear_sde_problem` (the Problem of any linear SDE and data) and
:func:`domain_of` (the box holding the mass of a density family).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pdecheck.cases import Case, Problem, register
from pdecheck.densities import Density, GaussianMixture, PointMixture
from pdecheck.sde import OU, SDE, VESDE, VPSDE, GeometricNoiseSDE, LinearSDE, SubVPSDE

__all__ = ["MASS_TOL", "domain_of", "linear_sde_problem"]

#: mass a case's domain may leave outside, at any time
MASS_TOL = 1e-10


def domain_of(
    marginal: Callable[[float], Density], t0: float, t1: float, tol: float = MASS_TOL
) -> tuple:
    """The smallest box containing ``marginal(t).bounds(tol)`` at 33 times of [t0, t1]."""
    boxes = [marginal(float(t)).bounds(tol) for t in np.linspace(t0, t1, 33)]
    return np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)


def linear_sde_problem(sde: LinearSDE, data: Density, t0: float = 0.0, **notes: object) -> Problem:
    """dx = f_t x dt + g_t dW on [t0, T], exact p_t from ``data`` (CATALOGUE B.4)."""

    def marginal(t: float) -> Density:
        return sde.marginal(data, t)

    if t0 > 0 and isinstance(data, PointMixture):
        notes.setdefault(
            "start",
            f"δ data: starts at t0 = {t0:g} from the exact p_t0 "
            f"(std b_t0 = {float(sde.std(t0)):.3g})",
        )
    return Problem(
        drift=sde.drift,
        initial=marginal(t0),
        t_span=(t0, sde.T),
        diffusion=lambda t: float(sde.diffusion(t)),
        marginal=marginal,
        score=sde.score(data),
        domain=domain_of(marginal, t0, sde.T),
        notes={"sde": sde, "data": data, **notes},
    )


_POINTS = PointMixture([-1.0, 1.5], [0.4, 0.6])
_POINTS_2D = PointMixture([[0.5, 0.5], [-1.0, 0.3]], [0.5, 0.5])
_MIXTURE = GaussianMixture([-1.0, 1.0], [0.3, 0.2], [0.5, 0.5])


def _link_sde() -> LinearSDE:
    """S6 with a_t = 1 − t/2, b_t = t: the link gives f = −1/(2 − t), g² = 4t/(2 − t)."""
    return SDE.from_gaussian_marginals(
        lambda t: 1.0 - 0.5 * np.asarray(t),
        lambda t: np.asarray(t, dtype=float),
        lambda t: np.full(np.shape(t), -0.5),
        lambda t: np.ones(np.shape(t)),
    )


_CASES: list[tuple[str, str, str, int, Callable[[], Problem], dict[str, Any]]] = [
    (
        "S1",
        "Ornstein–Uhlenbeck dX = −θX dt + σ dW from two points",
        "δ data; relaxes to the stationary N(0, σ²/2θ)",
        1,
        lambda: linear_sde_problem(OU(2.0, 1.0), _POINTS, 0.005),
        {"theta": 2.0, "sigma": 1.0},
    ),
    (
        "S2",
        "VP SDE, β from 0.1 to 20, from two points",
        "δ data; β up to 20 is stiff near t = 1 and p_1 ≠ N(0, 1) (a_1 ≈ 0.0066)",
        1,
        lambda: linear_sde_problem(VPSDE(0.1, 20.0), _POINTS, 1e-3),
        {"beta_min": 0.1, "beta_max": 20.0},
    ),
    (
        "S3",
        "VE SDE, σ from 0.01 to 50: exact variance σ(t)² − σ_min²",
        "multi-scale: std 0.01 → 50 on a domain of about ±300; "
        "score_sde's σ(t)² is wrong from δ data",
        1,
        lambda: linear_sde_problem(VESDE(0.01, 50.0), PointMixture([0.5]), 0.05),
        {"sigma_min": 0.01, "sigma_max": 50.0},
    ),
    (
        "S4",
        "sub-VP SDE in 2-D from two points",
        "degenerate diffusion g² ≈ 2β_min² t → 0 at t = 0; δ data",
        2,
        lambda: linear_sde_problem(SubVPSDE(0.1, 20.0), _POINTS_2D, 0.05),
        {"beta_min": 0.1, "beta_max": 20.0},
    ),
    (
        "S5",
        "dx = σ^t dW with σ = 25 (the score-SDE tutorial)",
        "δ data; ends at std ≈ 9.8, so the domain must be wide",
        1,
        lambda: linear_sde_problem(GeometricNoiseSDE(25.0), PointMixture([0.0]), 1e-3),
        {"sigma": 25.0},
    ),
    (
        "S6",
        "SDE from Gaussian marginals N(a x_0, b²), a = 1 − t/2, b = t (the DDPM link)",
        "g² = 2ab(b/a)', not (b²)'; g_0 = 0 (degenerate) and Gaussian-mixture data",
        1,
        lambda: linear_sde_problem(_link_sde(), _MIXTURE, 0.0),
        {"a": "1 - t/2", "b": "t"},
    ),
]
for _id, _title, _hard, _dim, _build, _params in _CASES:
    register(Case(_id, _title, _hard, "fokker-planck", _dim, _build, _params))
