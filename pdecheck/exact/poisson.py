"""Cases P1–P5: the Poisson-field flow (CATALOGUE B.6) as a continuity equation with the height
z in the place of time: ∂_z p_z + ∇·(p_z E_x/E_z) = 0 (P2), p_z = Σ w_i P_z(x − y_i) (P1).

Point charges are δ data: every case starts at a height z_0 > 0 (from the exact p_{z_0}). Cauchy
tails never fit in a box: ``domain`` holds all but ``TAIL_TOL`` of every p_z and
``notes["mass_outside"]`` is the exact (1-D) or bounded (d >= 2) mass it leaves out, O(z/R).
"""

from __future__ import annotations

import numpy as np

from pdecheck.cases import Case, Problem, register
from pdecheck.densities import Density, PointMixture
from pdecheck.exact.sde import domain_of
from pdecheck.poisson import PoissonField

__all__ = ["TAIL_TOL", "poisson_problem"]

#: mass of p_z a P case's domain may leave outside (Cauchy tails: R ~ z/TAIL_TOL)
TAIL_TOL = 1e-2


def poisson_problem(field: PoissonField, z_span: tuple[float, float], **notes: object) -> Problem:
    """dx/dz = E_x/E_z from p_{z_span[0]} (z may decrease: generation runs z_max → 0)."""
    z0, z1 = z_span

    def marginal(z: float) -> Density:
        return field.hyperplane_density(z)

    lo, hi = domain_of(marginal, min(z_span), max(z_span), TAIL_TOL)
    radius = float(np.max(np.abs(np.concatenate([lo, hi]))))
    outside = (
        1.0 - float(marginal(max(z_span)).box_probability(lo, hi)[0])
        if field.d == 1
        else field.tail_bound(max(z_span), radius)
    )
    return Problem(
        drift=field.velocity,
        initial=marginal(z0),
        t_span=(z0, z1),
        marginal=marginal,
        score=lambda z, x: marginal(z).score(x),
        domain=(lo, hi),
        boundary="outflow",
        notes={
            "field": field,
            "time": "z, the height above the data plane",
            "mass_outside": outside,
            **notes,
        },
    )


_THREE = PointMixture([[0.3, 0.1], [-0.5, 0.2], [0.1, -0.4]], [0.5, 0.3, 0.2])
_A5 = PointMixture([0.5, 1.2, 1.7], [0.5, 0.25, 0.25])

for _id, _title, _hard, _dim, _build in [
    (
        "P1",
        "hyperplane density of three charges in 2-D, p_z = Σ w P_z(x − y)",
        "Cauchy tails lose O(z/R) mass from any box; E singular at the charges as z → 0",
        2,
        lambda: poisson_problem(PoissonField(_THREE), (0.05, 1.0)),
    ),
    (
        "P2",
        "continuity in z for two charges in 1-D: dx/dz = E_x/E_z",
        "v = E_x/E_z grows far out where E_z → 0; a separatrix between the charges",
        1,
        lambda: poisson_problem(PoissonField(PointMixture([-1.0, 1.0], [0.4, 0.6])), (0.05, 2.0)),
    ),
    (
        "P3",
        "point charge in 2-D: straight field lines x(z) = x(Z) z/Z, prior P_z",
        "the radius law |x|²/z² ~ BetaPrime(d/2, ½) does not concentrate; heavy tails",
        2,
        lambda: poisson_problem(PoissonField(PointMixture([[0.0, 0.0]])), (0.1, 1.0)),
    ),
    (
        "P4",
        "off-centre charge in 2-D: hemisphere flux exactly ½",
        "angular flux density uniform only as r → ∞ (deviation O(|y|/r))",
        2,
        lambda: poisson_problem(
            PoissonField(PointMixture([[0.36, 0.0]])),
            (0.05, 1.0),
            hemisphere_flux="1/2 for every r > |y|",
        ),
    ),
    (
        "P5",
        "exact 1-D case: F_z = Σ w (½ + arctan((x − y)/z)/π), run z = 3 → 0.05",
        "field lines conserve F_z and end on the charge their quantile selects; separatrices",
        1,
        lambda: poisson_problem(PoissonField(_A5), (3.0, 0.05)),
    ),
]:
    register(Case(_id, _title, _hard, "continuity", _dim, _build, {}))
