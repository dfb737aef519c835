"""The result of a particle integration: saved samples, diagnostics and binning onto a grid.

Public name: :class:`ParticleSolution`.

A particle whose field (or noise) produced NaN/inf is *failed*: it is stopped at that step,
its later saved rows are NaN, it is counted in ``nonfinite`` and excluded by :meth:`at` and
:meth:`to_grid`. A particle that left the declared ``domain`` is counted in ``outside`` (it
keeps moving: the field may still be defined there) and marked in ``left_domain``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["ParticleSolution"]

Array = NDArray[np.float64]


@dataclass
class ParticleSolution:
    """Samples at the saved times and what happened on the way.

    times: (n_save,) saved times, in the order of integration.
    samples: (n_save, N, d) particle positions (NaN for failed particles after their failure).
    failed_step: (N,) the step (1-based) at which a particle became non-finite, 0 if never.
    left_domain: (N,) True where a particle left ``domain`` at some step.
    path: which kernel ran — ``"linear"`` (a drift linear in x, tabulated on the grid: no
        field calls), ``"compiled"`` (the field's compiled kernel in one parallel loop) or
        ``"numpy"`` (the vectorised field, batched over particles).
    delta_log_density: (n_save, N) ∫_{t_0}^{t} −∇·f_s(X_s) ds along each path (seed eq. 12:
        log p_t(X_t) = log p_{t_0}(X_{t_0}) + this), or None when not requested.
    """

    times: Array
    samples: Array
    failed_step: NDArray[np.int64]
    left_domain: NDArray[np.bool_]
    method: str
    wall_time: float
    compile_time: float
    path: str = "compiled"
    delta_log_density: Array | None = None
    flags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.nonfinite:
            first = int(self.failed_step[self.failed_step > 0].min())
            self.flags.append(
                f"nonfinite: {self.nonfinite} of {self.n} particles met a NaN/inf from the field "
                f"(first at step {first}); they are excluded from at() and to_grid()"
            )
        if self.outside:
            self.flags.append(f"outside: {self.outside} of {self.n} particles left the domain")
        for flag in self.flags:
            warnings.warn(flag, RuntimeWarning, stacklevel=3)

    # -- sizes and counts ----------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of particles integrated."""
        return int(self.samples.shape[1])

    @property
    def dim(self) -> int:
        return int(self.samples.shape[2])

    @property
    def valid(self) -> NDArray[np.bool_]:
        """(N,) True for the particles that stayed finite."""
        return self.failed_step == 0

    @property
    def nonfinite(self) -> int:
        """Count of particles whose field produced NaN/inf."""
        return int(np.count_nonzero(self.failed_step))

    @property
    def outside(self) -> int:
        """Count of particles that left the declared domain."""
        return int(np.count_nonzero(self.left_domain))

    # -- access --------------------------------------------------------------------------
    def index(self, t: float | None = None) -> int:
        """Position of the saved time t (the last saved time when None)."""
        if t is None:
            return self.times.size - 1
        gap = np.abs(self.times - float(t))
        k = int(np.argmin(gap))
        if gap[k] > 1e-12 * max(1.0, float(np.max(np.abs(self.times)))):
            raise ValueError(f"t={t!r} is not a saved time; saved times are {self.times}")
        return k

    def at(self, t: float | None = None) -> Array:
        """(N_valid, d) samples of the finite particles at the saved time t (default: last)."""
        return self.samples[self.index(t)][self.valid]

    def log_density(self, initial_logpdf: Array, t: float | None = None) -> Array:
        """log p_t(X_t) of the finite particles, from log p_{t_0}(X_{t_0}) (shape (N,))."""
        if self.delta_log_density is None:
            raise ValueError("log_density needs a run with log_density=True")
        start = np.asarray(initial_logpdf, dtype=float).reshape(-1)
        if start.size != self.n:
            raise ValueError(
                f"initial_logpdf has {start.size} entries; it must have one per particle ({self.n})"
            )
        return (start + self.delta_log_density[self.index(t)])[self.valid]

    def to_grid(self, grid: Any, t: float | None = None) -> tuple[Array, NDArray[np.int64]]:
        """Cell averages of the particle density on ``grid`` and the counts per cell.

        average = count / (N_valid · cell_volume), so Σ average · cell_volume is the share of
        finite particles inside the grid; it compares directly with a grid solution's cell
        averages. ``grid`` needs ``edges`` (one array per axis), ``shape`` and ``cell_volume``.
        """
        x = self.at(t)
        edges = [np.asarray(e, dtype=float) for e in grid.edges]
        if len(edges) != self.dim:
            raise ValueError(f"grid has {len(edges)} axes but the particles live in d={self.dim}")
        counts, _ = np.histogramdd(x, bins=edges)
        counts = counts.astype(np.int64).reshape(tuple(grid.shape))
        total = max(x.shape[0], 1)
        return counts / (total * float(grid.cell_volume)), counts

    def __repr__(self) -> str:
        return (
            f"ParticleSolution(method={self.method!r}, path={self.path!r}, n={self.n}, "
            f"d={self.dim}, "
            f"times=[{self.times[0]:g} … {self.times[-1]:g}] ({self.times.size} saved), "
            f"nonfinite={self.nonfinite}, outside={self.outside}, wall_time={self.wall_time:.3g}s)"
        )
