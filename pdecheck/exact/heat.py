"""Heat-equation cases ∂_t p = D_t Δp (CATALOGUE B.1): H1, H2 and the probability-flow ODE H3.

With s_t = s_0 + 2∫_0^t D_r dr the solution from Gaussian-mixture data is
p_t = Σ_k w_k N(m_k, (V_k + s_t) I) (CATALOGUE H1/H2); H3 is the continuity equation with the
probability-flow field f = −D_t ∇log p_t, which is the marginal field of the affine path
α = 1, σ_t² = s_t (σσ' = D_t), so it comes from :class:`pdecheck.paths.AffinePath`.

Public names: :data:`D_RATE` (the D_t of H1/H2), :func:`heat_variance`, and the registered
cases H1, H2, H3.
"""

from __future__ import annotations

import numpy as np

from pdecheck.cases import Case, Problem, register
from pdecheck.densities import Density, Gaussian, GaussianMixture, PointMixture
from pdecheck.exact._domain import domain_over, zero_field
from pdecheck.schedules import VE

__all__ = ["D_RATE", "heat_variance"]


def D_RATE(t: float) -> float:
    """D_t = 0.5 + t, the (time-dependent) diffusivity of H1 and H2."""
    return 0.5 + float(t)


def heat_variance(t: float) -> float:
    """s_t = 2∫_0^t D_r dr = t + t² for D_RATE."""
    return float(t) + float(t) ** 2


def _g(t: float) -> float:
    """g_t = √(2 D_t): the heat equation as Fokker–Planck with f = 0."""
    return float(np.sqrt(2.0 * D_RATE(t)))


H1_MEAN = np.array([0.5, -0.3])


def _h1_marginal(t: float) -> Density:
    if t == 0.0:
        return PointMixture(H1_MEAN[None, :])
    return Gaussian(H1_MEAN, np.sqrt(heat_variance(t)))


def _build_h1() -> Problem:
    span = (0.0, 1.0)
    return Problem(
        drift=zero_field,
        initial=_h1_marginal(0.0),
        t_span=span,
        diffusion=_g,
        marginal=_h1_marginal,
        score=lambda t, x: _h1_marginal(t).score(x),
        domain=domain_over(lambda t: _h1_marginal(max(t, 1e-4)), span),
        notes={"D": D_RATE, "s": heat_variance},
    )


H2_DATA = GaussianMixture([-1.5, 0.3, 2.0], [0.2, 0.5, 0.3], [0.3, 0.5, 0.2])


def _h2_marginal(t: float) -> GaussianMixture:
    d = H2_DATA
    return GaussianMixture(d.means, np.sqrt(d.stds**2 + heat_variance(t)), d.weights)


def _build_h2() -> Problem:
    span = (0.0, 1.0)
    return Problem(
        drift=zero_field,
        initial=_h2_marginal(0.0),
        t_span=span,
        diffusion=_g,
        marginal=_h2_marginal,
        score=lambda t, x: _h2_marginal(t).score(x),
        domain=domain_over(_h2_marginal, span),
        notes={"D": D_RATE, "s": heat_variance},
    )


H3_DATA = GaussianMixture(
    [[-1.0, 0.5], [1.2, 1.0], [0.3, -1.1]], [0.15, 0.4, 0.25], [0.3, 0.45, 0.25]
)
#: σ_t² = s_t = σ_min²((σ_max/σ_min)^{2t} − 1), i.e. D_t = σ_min² ln(σ_max/σ_min) (σ_max/σ_min)^{2t}
H3_SCHEDULE = VE(sigma_min=0.5, sigma_max=1.5)


def _build_h3() -> Problem:
    from pdecheck.paths import AffinePath

    path = AffinePath(H3_SCHEDULE, Gaussian(np.zeros(2), 1.0))
    field = path.marginal_field(H3_DATA)
    span = (0.02, 1.0)

    def marginal(t: float) -> Density:
        return path.marginal(H3_DATA, t)

    ratio = H3_SCHEDULE.sigma_max / H3_SCHEDULE.sigma_min
    return Problem(
        drift=field,
        initial=marginal(span[0]),
        t_span=span,
        marginal=marginal,
        score=field.score,
        domain=domain_over(marginal, span),
        notes={
            "D": lambda t: H3_SCHEDULE.sigma_min**2 * np.log(ratio) * ratio ** (2 * t),
            "path": path,
            "data": H3_DATA,
        },
    )


register(
    Case(
        "H1",
        "heat kernel N(m, s_t I) from a point mass, D_t = 0.5 + t, 2-D",
        "δ initial data; the domain must grow like √s_t",
        "heat",
        2,
        _build_h1,
        params={"mean": H1_MEAN.tolist(), "D": "0.5 + t"},
    )
)
register(
    Case(
        "H2",
        "heat equation from 1-D Gaussian-mixture data, D_t = 0.5 + t",
        "narrow components (std 0.2) next to wide ones; time-dependent D",
        "heat",
        1,
        _build_h2,
        params={"D": "0.5 + t"},
    )
)
register(
    Case(
        "H3",
        "probability-flow ODE of the heat equation, 2-D, three components",
        "r_k switches sharply between components; likelihoods need the divergence",
        "continuity",
        2,
        _build_h3,
        params={"schedule": repr(H3_SCHEDULE)},
    )
)
