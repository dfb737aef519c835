"""Grid solvers: the density itself, evolved by finite volumes on a uniform box (DESIGN.md).

Public names:

- :class:`Grid` — uniform cell-centred box, d = 1, 2, 3 (``mesh``);
- :func:`solve_continuity` — ∂_t p = −∇·(f_t p): upwind, MUSCL + SSP-RK, one-step LW-TVD
  (``continuity``);
- :func:`solve_heat` — ∂_t p = D_t Δp: explicit, Crank–Nicolson / Douglas ADI, spectral
  (``heat``);
- :func:`solve_fokker_planck` — ∂_t p = −∇·(f_t p) + ½ g_t² Δp: Chang–Cooper fluxes, implicit
  Euler by line solves (``fokker_planck``);
- :class:`GridSolution`, :class:`Diagnostics` — what every solver returns (``solution``).

Kernels live in the private ``_kernels_*`` modules; each is compiled once and cached on disk.
Every loop that picks its own step stops with an error naming the time when the step falls
below 1e-12 of the span short of its end (a coefficient growing without bound), or would need
more than 10^8 steps of its size to finish (a coefficient too large for the grid); a fixed dt
needing more than 10^8 steps is refused before the run (``_stall``).
"""

from __future__ import annotations

from pdecheck.grid.continuity import solve_continuity
from pdecheck.grid.fokker_planck import solve_fokker_planck
from pdecheck.grid.heat import solve_heat
from pdecheck.grid.mesh import Grid
from pdecheck.grid.solution import Diagnostics, GridSolution

__all__ = [
    "Diagnostics",
    "Grid",
    "GridSolution",
    "solve_continuity",
    "solve_fokker_planck",
    "solve_heat",
]
