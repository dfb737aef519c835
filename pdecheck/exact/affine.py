"""Affine-path cases x_t = α_t x_0 + σ_t x_1 (CATALOGUE B.2): A1–A6.

Each case is built from :class:`pdecheck.paths.AffinePath` (the numpy implementation that the
tests check), except A6, a library path written in the noise → data convention and converted
with f^{ours}_t(x) = −u^{fm}_{1−t}(x) (CATALOGUE "Other libraries' conventions").

Public names: :data:`A5_PATH`, :data:`A5_DATA` (the seed's worked example) and the registered
cases A1–A6.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck.cases import Case, Problem, register
from pdecheck.densities import Density, Gaussian, GaussianMixture, PointMixture, Uniform
from pdecheck.exact._domain import domain_over
from pdecheck.schedules import Cosine, Linear

__all__ = ["A5_DATA", "A5_PATH"]

Array = NDArray[np.float64]

#: the seed's example: prior U[0, 2], data {0.5, 0.5, 1.2, 1.7}, x_t = (1 − t) x_0 + t x_1
A5_DATA = PointMixture([0.5, 0.5, 1.2, 1.7])


def _path(schedule: Any, prior: Density) -> Any:
    from pdecheck.paths import AffinePath

    return AffinePath(schedule, prior)


def A5_PATH() -> Any:
    """The A5 path (built on call so that importing this module stays light)."""
    return _path(Linear(), Uniform(0.0, 2.0))


def _affine_problem(path: Any, data: Density, span: tuple[float, float]) -> Problem:
    field = path.marginal_field(data)

    def marginal(t: float) -> Density:
        return path.marginal(data, t)

    smooth = isinstance(path.prior, Gaussian)
    return Problem(
        drift=field,
        initial=marginal(span[0]),
        t_span=span,
        marginal=marginal,
        score=field.score if smooth else None,
        domain=domain_over(marginal, span),
        notes={"path": path, "data": data},
    )


def _build(schedule: Any, prior: Density, data: Density, span: tuple[float, float]) -> Any:
    return lambda: _affine_problem(_path(schedule, prior), data, span)


# -- A6: Lipman et al.'s OT path, noise (τ = 0) → data (τ = 1), in our time t = 1 − τ -------
A6_SIGMA_MIN = 0.1
A6_TARGET = 1.5


def _a6_std(t: float) -> float:
    """Their std 1 − (1 − σ_min)τ at τ = 1 − t."""
    return 1.0 - (1.0 - A6_SIGMA_MIN) * (1.0 - t)


def _a6_marginal(t: float) -> Density:
    """N(τ x_1, (1 − (1 − σ_min)τ)²) at τ = 1 − t (CATALOGUE A6)."""
    return Gaussian((1.0 - t) * A6_TARGET, _a6_std(t))


def _a6_field(t: float, x: Array) -> Array:
    """f_t(x) = −u_{1−t}(x), u_τ(x) = (x_1 − (1 − σ_min)x)/(1 − (1 − σ_min)τ) (CATALOGUE A6)."""
    xx = np.asarray(x, dtype=float)
    return -(A6_TARGET - (1.0 - A6_SIGMA_MIN) * xx) / _a6_std(t)


def _build_a6() -> Problem:
    span = (1.0, 0.0)
    return Problem(
        drift=_a6_field,
        initial=_a6_marginal(1.0),
        t_span=span,
        marginal=_a6_marginal,
        score=lambda t, x: _a6_marginal(t).score(x),
        domain=domain_over(_a6_marginal, span),
        notes={"sigma_min": A6_SIGMA_MIN, "target": A6_TARGET},
    )


_G2D = Gaussian(np.zeros(2), 1.0)
_BOX2D = Uniform([-1.0, -1.0], [1.0, 1.0])
_A3_DATA = PointMixture([[-1.0, 0.5], [0.8, 0.9], [0.3, -1.2]], [0.5, 0.3, 0.2])
_A4_DATA = GaussianMixture([-1.5, 0.4, 2.0], [0.1, 0.3, 0.2], [0.3, 0.4, 0.3])

_CASES = [
    (
        "A1",
        "conditional Gaussian path, cosine schedule, 2-D",
        "σ'/σ ~ 1/t as t → 0 with atomic data",
        2,
        _build(Cosine(), _G2D, PointMixture([[1.0, -0.5]]), (1.0, 0.05)),
    ),
    (
        "A2",
        "conditional path with a uniform-box prior, 2-D",
        "piecewise-constant density with moving jumps; identity holds only weakly",
        2,
        _build(Linear(), _BOX2D, PointMixture([[0.5, -0.2]]), (1.0, 0.05)),
    ),
    (
        "A3",
        "three weighted points, Gaussian prior, linear schedule, 2-D",
        "O(1/t) transition layers in f between close points",
        2,
        _build(Linear(), _G2D, _A3_DATA, (1.0, 0.02)),
    ),
    (
        "A4",
        "Gaussian-mixture data, Gaussian prior, cosine schedule, 1-D",
        "narrow components (std 0.1): stiff responsibilities near t = 0",
        1,
        _build(Cosine(), Gaussian(0.0, 1.0), _A4_DATA, (1.0, 0.0)),
    ),
    (
        "A5",
        "the seed's example: prior U[0,2], data {0.5,0.5,1.2,1.7}, linear path",
        "zero-density gaps where f is 0/0; f jumps across box edges; moving discontinuities",
        1,
        _build(Linear(), Uniform(0.0, 2.0), A5_DATA, (1.0, 0.05)),
    ),
    (
        "A6",
        "Lipman OT path (σ_min = 0.1) written noise → data, converted",
        "the convention flip t → 1 − t, f → −u; p_0 = N(x_1, σ_min²) not a point",
        1,
        _build_a6,
    ),
]

for _id, _title, _hard, _dim, _builder in _CASES:
    register(Case(_id, _title, _hard, "continuity", _dim, _builder))
