"""Particles: samples pushed through the ODE or SDE of a probability path (DESIGN.md, answer 3).

- :func:`sample` — reproducible initial samples of a density;
- :func:`integrate_ode` — dx/dt = f_t(x), Euler / Heun / RK4, forward or backward, with the
  log-density along trajectories (seed eq. 12);
- :func:`integrate_sde` — dx = f_t(x) dt + g dW, Euler–Maruyama and a weak-order-2 scheme;
  reverse-time SDEs are drift fields integrated on decreasing times;
- :class:`ParticleSolution` — saved samples, counts of failed / escaped particles, flags,
  timings and ``to_grid`` (cell averages comparable with grid solutions);
- :func:`brownian_increments` — the Brownian increments ``integrate_sde(seed=...)`` uses
  (particle i's noise depends only on (seed, i): :mod:`.rng`);
- :data:`ODE_METHODS`, :data:`SDE_METHODS` — the scheme registries (:mod:`.steppers`);
- :class:`Langevin`, :class:`MALA`, :class:`AnnealedLangevin`, :class:`LangevinRun`,
  :func:`geometric_sigmas` — the Langevin samplers of :mod:`.langevin`, loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from pdecheck._validate import check_seed
from pdecheck.particles.ode import integrate_ode
from pdecheck.particles.rng import brownian_increments
from pdecheck.particles.sde import integrate_sde
from pdecheck.particles.solution import ParticleSolution
from pdecheck.particles.steppers import ODE_METHODS, SDE_METHODS

if TYPE_CHECKING:
    from pdecheck.particles.langevin import (
        MALA,
        AnnealedLangevin,
        Langevin,
        LangevinRun,
        geometric_sigmas,
    )

__all__ = [
    "MALA",
    "ODE_METHODS",
    "SDE_METHODS",
    "AnnealedLangevin",
    "Langevin",
    "LangevinRun",
    "ParticleSolution",
    "brownian_increments",
    "geometric_sigmas",
    "integrate_ode",
    "integrate_sde",
    "sample",
]

#: re-exported from :mod:`.langevin` on first access (its import costs ~0.5 s)
_LANGEVIN = frozenset({"MALA", "AnnealedLangevin", "Langevin", "LangevinRun", "geometric_sigmas"})


def __getattr__(name: str) -> Any:
    if name in _LANGEVIN:
        from pdecheck.particles import langevin

        return getattr(langevin, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sample(density: Any, n: int, seed: int) -> NDArray[np.float64]:
    """n samples of ``density`` as an (n, d) array, drawn by ``density.sample(n, rng)`` with
    ``rng = numpy.random.default_rng(seed)``: the same seed gives the same samples."""
    rng = np.random.default_rng(check_seed("seed", seed))
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"n={n!r} must be a positive integer number of particles")
    out = np.asarray(density.sample(int(n), rng), dtype=float)
    return out.reshape(int(n), -1)
