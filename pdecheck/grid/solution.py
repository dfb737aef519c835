"""What a grid solve returns: the density at the saved times and how the run went.

Public names: :class:`Diagnostics` (steps, rejected steps, step sizes, Courant number, mass
balance, outflow per wall, minimum density, wall and compile time, flags) and
:class:`GridSolution` (``times``, ``density``, ``at(t)``, ``mass()``, ``summary()``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from pdecheck.grid.mesh import Grid

__all__ = ["Diagnostics", "GridSolution"]

Array = NDArray[np.float64]

#: a relative mass-balance drift above this is flagged: the conservative schemes keep it at
#: round-off (<= 1e-12 over 10^4 steps, issue 4 item 3), so 100x that is news
MASS_DRIFT_FLAG = 1e-10


@dataclass
class Diagnostics:
    """How a solve went. ``outflow[k, 0]`` / ``outflow[k, 1]`` is the mass that left through the
    low / high wall of axis k (0 for closed walls), so that
    ``mass inside + outflow.sum() = initial mass`` closes the balance; ``max_mass_drift`` is the
    largest |inside + out − initial| / initial over every step (the mass at each saved time is
    ``GridSolution.mass()``). ``compile_time``: the seconds Numba spent compiling kernels
    during the solve (0 when they were compiled earlier in the process or loaded from the disk
    cache); ``wall_time`` leaves a separate first compile out where the solver can."""

    method: str
    steps: int = 0
    dt_min: float = np.inf
    dt_max: float = 0.0
    cfl_max: float = 0.0
    dt_limit: float = np.inf
    rejected_steps: int = 0
    initial_mass: float = 0.0
    final_mass: float = 0.0
    max_mass_drift: float = 0.0
    outflow: Array = field(default_factory=lambda: np.zeros((0, 2)))
    min_density: float = np.inf
    flushed_mass: float = 0.0
    peclet_max: float = 0.0
    wall_time: float = 0.0
    compile_time: float = 0.0
    flags: list[str] = field(default_factory=list)

    def flag(self, message: str) -> None:
        """Record a numerical warning (once per message) and warn."""
        if message not in self.flags:
            self.flags.append(message)
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    def record_step(self, dt: float, courant: float) -> None:
        self.steps += 1
        self.dt_min = min(self.dt_min, dt)
        self.dt_max = max(self.dt_max, dt)
        self.cfl_max = max(self.cfl_max, courant)


@dataclass
class GridSolution:
    """Cell averages ``density[i]`` (shape ``grid.shape``) at ``times[i]``.

    Subnormal values (|p| below the smallest normal float64, 2.2e-308) are stored as 0, so that
    ``p > 0`` means a normal number and tails computed with ~100x slower subnormal arithmetic
    do not reach users' own code; the mass removed is below 2.3e-308 per cell."""

    grid: Grid
    times: Array
    density: Array
    diagnostics: Diagnostics

    def __post_init__(self) -> None:
        self.density[np.abs(self.density) < np.finfo(np.float64).tiny] = 0.0
        self._check()

    def _check(self) -> None:
        """Flag a density that is not finite, and a mass balance (inside + out = initial) that
        drifted beyond :data:`MASS_DRIFT_FLAG` at any step or at the end: the running
        statistics of the loops use min/max, which pass NaN over."""
        d = self.diagnostics
        bad = int(np.count_nonzero(~np.isfinite(self.density)))
        if bad:
            d.min_density = float("nan")
            d.max_mass_drift = float("nan")
            d.flag(
                f"non-finite density: {bad} saved cell value(s) are NaN or inf (the scheme "
                "broke down; a coefficient or the step is out of floating-point range)"
            )
            return
        if d.initial_mass > 0:
            end = float(self.mass()[-1]) + float(np.sum(d.outflow))
            d.max_mass_drift = max(d.max_mass_drift, abs(end - d.initial_mass) / d.initial_mass)
        if d.max_mass_drift > MASS_DRIFT_FLAG:
            d.flag(
                f"mass balance drifted by {d.max_mass_drift:.3e} (relative), above "
                f"{MASS_DRIFT_FLAG:g}: mass was lost or created (a coefficient or step far out "
                "of the scheme's range)"
            )

    def at(self, t: float) -> Array:
        """The saved density at time t (t must be one of ``times``, to 1e-12 relative)."""
        idx = int(np.argmin(np.abs(self.times - t)))
        if abs(self.times[idx] - t) > 1e-12 * max(1.0, abs(t)):
            raise ValueError(f"t={t!r} is not a saved time; the saved times are {self.times}")
        return self.density[idx]

    def mass(self) -> Array:
        """Mass inside the box at every saved time."""
        axes = tuple(range(1, self.density.ndim))
        return np.asarray(self.density.sum(axis=axes) * self.grid.cell_volume)

    def summary(self) -> str:
        d = self.diagnostics
        lines = [
            f"{d.method} on {self.grid!r}: {d.steps} steps ({d.rejected_steps} rejected), dt in "
            f"[{d.dt_min:.3g}, {d.dt_max:.3g}]",
            f"  Courant max {d.cfl_max:.3g}, mass {d.initial_mass:.15g} -> {d.final_mass:.15g} "
            f"(max relative drift {d.max_mass_drift:.2e}), outflow {d.outflow.sum():.3e}",
            f"  min density {d.min_density:.3e}, wall {d.wall_time:.3f} s, compile "
            f"{d.compile_time:.3f} s",
        ]
        if d.peclet_max:
            lines.append(f"  max cell Peclet number {d.peclet_max:.3g}")
        lines.append("  flags: " + (", ".join(d.flags) if d.flags else "none"))
        return "\n".join(lines)
