"""General endpoint-matched paths and trajectory families (CATALOGUE B.3): G1, G2.

- G1: x_t = μ_t(x_0) + σ_t x_1 with μ_t(x_0) = (1 − t)x_0 + t(1 − t) sin(2x_0), σ_t = t, a
  Gaussian prior and three data points (a μ that is not affine in x_0).
- G2: the nonlinear 2-D family φ_t(x, y) = (e^{−kt}x, y − t x² + x sin t) with label density
  N(0, I): p_t = p(φ_t)|det ∂φ| and f = −(∂φ)^{−1}∂_tφ (seed eq. 6/8/12), curved
  characteristics.

Public names: :func:`g1_mu`, :func:`g1_dmu`, :func:`g2_phi` (and its derivatives, the Jacobian's
included), cases G1, G2.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck.cases import Case, Problem, register
from pdecheck.densities import Density, Gaussian, PointMixture
from pdecheck.exact._domain import domain_over
from pdecheck.schedules import Linear

__all__ = [
    "g1_dmu",
    "g1_mu",
    "g2_djacobian",
    "g2_dphi_dt",
    "g2_inverse",
    "g2_jacobian",
    "g2_phi",
]

Array = NDArray[np.float64]


def g1_mu(t: float, x0: Array) -> Array:
    """μ_t(x_0) = (1 − t)x_0 + t(1 − t) sin(2x_0) (CATALOGUE G1 examples, h = sin 2x)."""
    return (1.0 - t) * x0 + t * (1.0 - t) * np.sin(2.0 * x0)


def g1_dmu(t: float, x0: Array) -> Array:
    """∂_t μ_t(x_0) = −x_0 + (1 − 2t) sin(2x_0)."""
    return -x0 + (1.0 - 2.0 * t) * np.sin(2.0 * x0)


G1_DATA = PointMixture([-1.0, 0.5, 1.8], [0.3, 0.3, 0.4])


def _problem(path: Any, data: Density, span: tuple[float, float]) -> Problem:
    field = path.marginal_field(data)

    def marginal(t: float) -> Density:
        return path.marginal(data, t)

    return Problem(
        drift=field,
        initial=marginal(span[0]),
        t_span=span,
        marginal=marginal,
        domain=domain_over(marginal, span),
        notes={"path": path, "data": data},
    )


def _build_g1() -> Problem:
    from pdecheck.paths import GeneralAffinePath

    return _problem(
        GeneralAffinePath(g1_mu, g1_dmu, Linear(), Gaussian(0.0, 1.0)), G1_DATA, (1.0, 0.05)
    )


G2_RATE = 0.5


def g2_phi(t: float, x: Array, x0: Array) -> Array:
    """φ_t(x, y) = (e^{−kt}x, y − t x² + x sin t) (CATALOGUE G2; x0 does not enter)."""
    u, v = x[:, 0], x[:, 1]
    return np.stack([np.exp(-G2_RATE * t) * u, v - t * u**2 + u * np.sin(t)], axis=1)


def g2_jacobian(t: float, x: Array, x0: Array) -> Array:
    """∂φ/∂(x, y) = [[e^{−kt}, 0], [−2tx + sin t, 1]]."""
    u = x[:, 0]
    jac = np.zeros((x.shape[0], 2, 2))
    jac[:, 0, 0] = np.exp(-G2_RATE * t)
    jac[:, 1, 0] = -2.0 * t * u + np.sin(t)
    jac[:, 1, 1] = 1.0
    return jac


def g2_djacobian(t: float, x: Array, x0: Array) -> Array:
    """(∂_t J, ∂_x J, ∂_y J) with ∂_t J = [[−k e^{−kt}, 0], [−2x + cos t, 0]], ∂_x J =
    [[0, 0], [−2t, 0]], ∂_y J = 0; det J = e^{−kt}, so ∇·f = k for every data point."""
    u = x[:, 0]
    out = np.zeros((x.shape[0], 3, 2, 2))
    out[:, 0, 0, 0] = -G2_RATE * np.exp(-G2_RATE * t)
    out[:, 0, 1, 0] = -2.0 * u + np.cos(t)
    out[:, 1, 1, 0] = -2.0 * t
    return out


def g2_dphi_dt(t: float, x: Array, x0: Array) -> Array:
    """∂φ/∂t = (−k e^{−kt}x, −x² + x cos t)."""
    u = x[:, 0]
    return np.stack([-G2_RATE * np.exp(-G2_RATE * t) * u, -(u**2) + u * np.cos(t)], axis=1)


def g2_inverse(t: float, y: Array, x0: Array) -> Array:
    """The x with φ_t(x) = y: x = e^{kt}y_1, then y = y_2 + t x² − x sin t."""
    u = np.exp(G2_RATE * t) * y[:, 0]
    return np.stack([u, y[:, 1] + t * u**2 - u * np.sin(t)], axis=1)


def _build_g2() -> Problem:
    from pdecheck.paths import CharacteristicPath

    path = CharacteristicPath(
        g2_phi,
        Gaussian(np.zeros(2), 1.0),
        g2_jacobian,
        g2_dphi_dt,
        djacobian=g2_djacobian,
        inverse=g2_inverse,
    )
    data = PointMixture([[0.0, 0.0]])
    field = path.marginal_field(data)
    span = (0.0, 1.0)

    def marginal(t: float) -> Density:
        return path.marginal(data, t)

    def box(t: float) -> tuple[Array, Array]:
        # the label box |y_i| <= 6 (all but 1.5e-8 of N(0, I)) mapped through the inverse
        r = 6.0
        grid = np.linspace(-r, r, 15)
        edge = np.concatenate(
            [np.stack([grid, np.full(15, s)], 1) for s in (-r, r)]
            + [np.stack([np.full(15, s), grid], 1) for s in (-r, r)]
        )
        pts = g2_inverse(t, edge, data.points[0])
        return pts.min(axis=0), pts.max(axis=0)

    boxes = [box(t) for t in np.linspace(*span, 9)]
    domain = (np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0))
    return Problem(
        drift=field,
        initial=marginal(0.0),
        t_span=span,
        marginal=marginal,
        domain=domain,
        notes={"path": path, "data": data},
    )


register(
    Case(
        "G1",
        "x_t = μ_t(x_0) + t x_1 with μ not affine in x_0, three points, 1-D",
        "the marginal field is not a posterior-mean formula; σ'/σ ~ 1/t",
        "continuity",
        1,
        _build_g1,
    )
)
register(
    Case(
        "G2",
        "nonlinear 2-D trajectory family φ_t = (e^{−t/2}x, y − t x² + x sin t)",
        "curved characteristics and Jacobian solves; tests solver order",
        "continuity",
        2,
        _build_g2,
        methods=("exact", "grid", "particles"),
    )
)
