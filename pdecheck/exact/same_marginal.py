"""Cases F1–F3: the same-marginal family, the reverse SDE and the probability-flow ODE of an
OU process from a two-component Gaussian mixture (CATALOGUE B.5).

Data p_0 = 0.3 N(−2, 0.1²) + 0.7 N(1.5, 0.3²), OU with θ = σ = 1 on [0, 1]; the exact score is
that of the marginals Σ w_k N(a_t m_k, a_t² V_k + b_t²). The reverse case F2 is posed as a
forward equation in τ = T − t (drift −f_rev(T − τ, x), diffusion s, marginal p_{T−τ}), so that
every solver integrates it forwards; ``notes["time"]`` says so.
"""

from __future__ import annotations

import numpy as np

from pdecheck.cases import Case, Problem, register
from pdecheck.densities import Density, GaussianMixture
from pdecheck.exact.sde import domain_of
from pdecheck.sde import OU, SDE

__all__ = ["DATA", "F1_NOISE", "ou_process"]

DATA = GaussianMixture([-2.0, 1.5], [0.1, 0.3], [0.3, 0.7])


def F1_NOISE(t: float) -> float:
    """s_t = √(1/3 + 5t²/4): exceeds g = 1 for t > 0.73 (CATALOGUE F1, no bound s <= g)."""
    return float(np.sqrt(1.0 / 3.0 + 1.25 * np.asarray(t) ** 2))


def ou_process() -> OU:
    return OU(1.0, 1.0)


def _problem(sde: SDE, reverse: bool, **notes: object) -> Problem:
    ou = ou_process()
    T = ou.T

    def marginal(t: float) -> Density:
        return ou.marginal(DATA, T - t if reverse else t)

    score = ou.score(DATA)
    return Problem(
        drift=sde.drift,
        initial=marginal(0.0),
        t_span=(0.0, T),
        diffusion=None if notes.get("ode") else (lambda t: float(sde.diffusion(t))),
        marginal=marginal,
        score=(lambda tau, x: score(T - tau, x)) if reverse else score,
        domain=domain_of(marginal, 0.0, T),
        notes={"sde": sde, "data": DATA, **notes},
    )


def _f1() -> Problem:
    ou = ou_process()
    return _problem(ou.same_marginal(ou.score(DATA), F1_NOISE), False, s="sqrt(1/3 + 5 t^2/4)")


def _f2() -> Problem:
    ou = ou_process()
    rev = ou.reverse(ou.score(DATA)).in_reverse_time()
    return _problem(rev, True, s="g", time="τ = T − t: the reverse SDE run from T down to 0")


def _f3() -> Problem:
    ou = ou_process()
    flow = SDE(ou.probability_flow(ou.score(DATA)), lambda t: 0.0, ou.T, name="probability flow")
    return _problem(flow, False, ode=True)


register(
    Case(
        "F1",
        "same-marginal SDE f − ½(g² − s²)∇log p, s² = 1/3 + 5t²/4 (OU, 2-component mixture)",
        "needs the exact score, stiff ~1/V_min near t = 0; s exceeds g (no bound s <= g needed)",
        "fokker-planck",
        1,
        _f1,
        {"theta": 1.0, "sigma": 1.0},
    )
)
register(
    Case(
        "F2",
        "reverse SDE dx = (f − g²∇log p) dt + g dW̄ from T down to 0 (OU, 2-component mixture)",
        "starts from the exact p_T, not the prior; Euler–Maruyama bias grows with s near t = 0",
        "fokker-planck",
        1,
        _f2,
        {"theta": 1.0, "sigma": 1.0, "s": "g"},
    )
)
register(
    Case(
        "F3",
        "probability-flow ODE f − ½g²∇log p (OU, 2-component mixture)",
        "the score switches sharply between components (stiff) near t = 0",
        "continuity",
        1,
        _f3,
        {"theta": 1.0, "sigma": 1.0},
    )
)
