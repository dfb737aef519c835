"""What ``pdecheck report`` runs for each case: sizes, schemes and refinement levels.

:class:`Plan` holds the settings of one run (default or ``--quick``); :func:`plan` builds it.
Levels refine by 2, at least four of them (the order check needs four: STATISTICS.md §3).

- grid studies: cells per axis ``grid_levels[dim]``; the time step follows h (CFL, Δt ∝ h or
  the explicit bound);
- particle ``dt`` studies: dt = |t_span| / k for k in ``step_levels``, ``n_particles`` paths;
- ``n_particles`` studies (KS against the exact CDF, order 1/2): ``sample_levels``;
- verification: :func:`pdecheck.verify_transport` with ``verify_n`` particles and
  ``verify_grid[dim]`` cells per axis on the finest of its three grids.

Public names: :class:`Plan`, :func:`plan`, :data:`DEFAULT_SCHEMES`, :data:`QUICK_SCHEMES`,
:func:`reason` (an exception as the one-line reason a report gives for a part not run).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

__all__ = ["DEFAULT_SCHEMES", "QUICK_SCHEMES", "Plan", "plan", "reason"]

#: schemes studied by default (the rest of pdecheck.studies.STUDY_METHODS on request)
DEFAULT_SCHEMES = (
    "upwind",
    "muscl",
    "crank-nicolson",
    "explicit",
    "chang-cooper",
    "euler",
    "rk4",
    "euler_maruyama",
    "weak2",
)
#: one grid and one particle scheme per equation
QUICK_SCHEMES = ("muscl", "crank-nicolson", "chang-cooper", "rk4", "weak2")


@dataclass(frozen=True)
class Plan:
    """Settings of one report run."""

    quick: bool
    schemes: tuple[str, ...]
    grid_levels: dict[int, tuple[int, ...]]
    step_levels: tuple[int, ...]
    n_particles: int
    sample_levels: tuple[int, ...]
    verify_n: int
    verify_grid: dict[int, int]
    profile_grid: dict[int, int]
    profile_particles: int
    seed: int = 0
    #: Langevin cases (:mod:`.stationary`): chains, and steps per chain (half are burn-in)
    stationary_chains: int = 1000
    stationary_steps: int = 400
    #: the dimension above which NumPy-only fields are too slow for grid sweeps in this budget
    numpy_grid_dim: int = 1


def plan(quick: bool = False) -> Plan:
    """The default plan, or the ``--quick`` one (smaller sizes, fewer schemes, no KS sweep)."""
    if quick:
        return Plan(
            quick=True,
            schemes=QUICK_SCHEMES,
            grid_levels={1: (16, 32, 64, 128), 2: (8, 16, 32, 64)},
            step_levels=(4, 8, 16, 32),
            n_particles=1000,
            sample_levels=(),
            verify_n=500,
            verify_grid={1: 32, 2: 16},
            profile_grid={1: 128, 2: 32},
            profile_particles=5000,
        )
    return Plan(
        quick=False,
        schemes=DEFAULT_SCHEMES,
        grid_levels={1: (32, 64, 128, 256), 2: (8, 16, 32, 64)},
        # one level finer than --quick and 4x the paths: the weak biases of the coarsest step
        # (span/4) are still pre-asymptotic on most S and L cases, and the finer levels'
        # coupled differences need the extra paths to stand out of the Monte Carlo noise
        step_levels=(8, 16, 32, 64),
        n_particles=16000,
        sample_levels=(250, 1000, 4000, 16000),
        verify_n=2000,
        verify_grid={1: 64, 2: 32},
        profile_grid={1: 256, 2: 64},
        profile_particles=20000,
    )


def reason(error: BaseException) -> str:
    """``"ValueError: <first line> (at grid/_faces.py:64)"``: what failed and where."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    at = f" (at {where.filename.rsplit('pdecheck/', 1)[-1]}:{where.lineno})" if where else ""
    return f"{type(error).__name__}: {text[:300]}{at}"
