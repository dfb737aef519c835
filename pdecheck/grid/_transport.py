"""The continuity driver: step control, the two field paths, diagnostics and progress.

:class:`Transport` holds one configured solve on the flat state (``_kernels_flux``). ``solve``
runs either

- the compiled path: the whole loop in ``_kernels_march.march`` (called in chunks of steps only
  to move a progress bar), for fields with a compiled kernel;
- the Python loop: the field evaluated once per stage time at the faces, each step one call of
  ``_kernels_march.step``.

Both keep the same statistics vector (``_kernels_march.STATS``), the same step control (the
module docstring of ``_kernels_march``) and the same step kernel, so they give the same steps
and the same answer to round-off. A steady field is sampled once per solve. Compile time is
the time Numba spent compiling kernels during the solve (``_common.counting_compile_time``),
not the first step's wall time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck.grid._common import close_diagnostics, counting_compile_time
from pdecheck.grid._faces import FaceField, non_finite_error
from pdecheck.grid._progress import ProgressBar
from pdecheck.grid._stall import stall_error, stalled
from pdecheck.grid.mesh import Grid
from pdecheck.grid.solution import Diagnostics, GridSolution

__all__ = ["Transport"]

Array = NDArray[np.float64]


@dataclass
class Transport:
    """One configured continuity solve (built by ``solve_continuity``).

    ``xs``: three flat state buffers (the state starts in xs[0]); ``u[k]``: the face
    velocities of axis k per stage, (stages, faces); ``flux``: one axis's face fluxes."""

    faces: FaceField
    grid: Grid
    shape: NDArray[np.int64]
    sign: float
    stages: Array
    weights: Array
    cfl: float
    bound: float
    fixed_dt: float
    one_step: bool
    limiter: int
    rh: Array
    area: Array
    u: list[Array]
    flux: Array
    xs: tuple[Array, Array, Array]
    outflow: Array
    steady: bool

    def solve(self, times: Array, diag: Diagnostics, progress: Any, scheme: str) -> GridSolution:
        from pdecheck.grid import _kernels_march as km

        p = self.xs[0]
        stats = np.zeros(km.STATS)
        stats[[km.DT_MIN, km.DT_LIMIT]] = np.inf
        stats[km.MIN_DENSITY] = p.min()
        stats[km.T_NOW] = times[0]
        stats[km.TARGET] = 1
        saved = np.empty((times.size, p.size))
        saved[0] = p
        diag.initial_mass = self.grid.mass(p)
        diag.outflow = self.outflow
        bar = ProgressBar(progress, float(times[0]), float(times[-1]))
        start = time.perf_counter()
        with counting_compile_time(diag):
            if self.faces.compiled is not None:
                self._compiled(times, saved, stats, bar)
            else:
                self._numpy(times, saved, stats, bar)
        bar.close()
        diag.wall_time = time.perf_counter() - start
        self._raise_on(stats, scheme, times)
        diag.steps = int(stats[km.STEPS])
        diag.dt_min, diag.dt_max = float(stats[km.DT_MIN]), float(stats[km.DT_MAX])
        diag.cfl_max, diag.dt_limit = float(stats[km.CFL_MAX]), float(stats[km.DT_LIMIT])
        diag.max_mass_drift = float(stats[km.MASS_DRIFT])
        diag.min_density = float(stats[km.MIN_DENSITY])
        diag.flushed_mass = float(stats[km.FLUSHED])
        diag.rejected_steps = int(stats[km.REJECTED])
        diag.final_mass = self.grid.mass(p)
        close_diagnostics(diag)
        density = saved.reshape(times.size, *self.grid.shape)
        return GridSolution(self.grid, times.copy(), density, diag)

    def _compiled(self, times: Array, saved: Array, stats: Array, bar: ProgressBar) -> None:
        from pdecheck.grid import _kernels_march as km

        cf = self.faces.compiled
        assert cf is not None
        pts = [*self.faces.points, *([np.zeros((0, self.grid.dim))] * (3 - self.grid.dim))]
        refill, rows = km.stage_rows(self.stages, self.steady)
        periodic = self.faces.codes[:, 0] == 2
        chunk = 1 << 40 if not bar.may_show else 8
        while stats[km.STATUS] == km.RUNNING:
            tick = time.perf_counter()
            km.march(
                cf.kernel, cf.params, pts[0], pts[1], pts[2], self.faces.codes, periodic,
                self.shape, self.steady, refill, rows, self.sign, self.stages, self.weights,
                self.cfl, self.bound, self.fixed_dt, self.one_step, self.limiter, self.rh,
                self.area, self.grid.cell_volume, self.grid.mass(saved[0]), self.xs, times, saved,
                *self.u, self.flux, self.outflow, stats, chunk,
            )  # fmt: skip
            bar.update(float(stats[km.T_NOW]))
            if time.perf_counter() - tick < 0.1:
                chunk *= 2

    def _numpy(self, times: Array, saved: Array, stats: Array, bar: ProgressBar) -> None:
        """The loop of ``_kernels_march.march`` with the field called from Python."""
        from pdecheck.grid import _kernels_flux as kf
        from pdecheck.grid import _kernels_march as km

        u, rh, sign, shape = self.u, self.rh, self.sign, self.shape
        periodic = self.faces.codes[:, 0] == 2
        refill, rows = km.stage_rows(self.stages, self.steady)
        initial_mass = self.grid.mass(saved[0])
        t, j, cur = float(times[0]), 1, 0
        span = abs(float(times[-1]) - t)

        def fill(ts: float, s: int) -> float:
            self.faces.update(ts, sign)
            for k in range(self.grid.dim):
                u[k][s] = self.faces.velocity[k].reshape(-1)
            rate = kf.max_outflow_rate(u[0][s], u[1][s], u[2][s], *shape, rh)
            return float(rate)

        rate = fill(t, 0)
        while j < times.size:
            target = float(times[j])
            remaining = abs(target - t)
            if stats[km.STEPS] and not self.steady:
                rate = fill(t, 0)
            step = self.fixed_dt if self.fixed_dt else (self.cfl / rate if rate else remaining)
            h = remaining if remaining <= step * (1 + 1e-8) else step
            for _ in range(km._MAX_REJECTIONS):
                worst = rate
                for s in range(len(self.stages)):
                    if refill[s]:
                        worst = max(worst, fill(t + sign * float(self.stages[s, 2]) * h, s))
                courant = h * worst
                if worst:
                    stats[km.DT_LIMIT] = min(stats[km.DT_LIMIT], self.bound / worst)
                if courant <= self.bound * (1 + 1e-9):
                    break
                if self.fixed_dt:
                    stats[[km.STATUS, km.BAD_TIME, km.BAD_VALUE]] = km.DT_TOO_LARGE, t, courant
                    return
                stats[km.REJECTED] += 1
                h *= 0.9 * self.cfl / courant
            else:
                stats[[km.STATUS, km.BAD_TIME]] = km.NO_STEP, t
                return
            if not self.fixed_dt and stalled(h, remaining, span):
                stats[[km.STATUS, km.BAD_TIME, km.BAD_VALUE]] = km.STALLED, t, h
                return
            cur, flushed, mass, low = km.step_from_python(
                self.xs, cur, *u, rows, self.flux, shape, periodic, self.stages, self.weights, h,
                self.one_step, self.limiter, rh, self.area, self.outflow,
                stats[km.STEPS] % 2 == 1,
            )  # fmt: skip
            stats[km.FLUSHED] += self.grid.cell_volume * flushed
            t = target if h >= remaining * (1 - 1e-12) else t + sign * h
            total = mass * self.grid.cell_volume + float(self.outflow.sum())
            stats[km.MASS_DRIFT] = max(
                stats[km.MASS_DRIFT], abs(total - initial_mass) / initial_mass
            )
            stats[km.MIN_DENSITY] = min(stats[km.MIN_DENSITY], low)
            stats[km.STEPS] += 1
            stats[km.DT_MIN] = min(stats[km.DT_MIN], h)
            stats[km.DT_MAX] = max(stats[km.DT_MAX], h)
            stats[km.CFL_MAX] = max(stats[km.CFL_MAX], courant)
            if t == target:
                saved[j] = self.xs[cur]
                j += 1
            bar.update(t)
        if cur:
            self.xs[0][:] = self.xs[cur]
        stats[km.STATUS] = km.DONE

    def _raise_on(self, stats: Array, scheme: str, times: Array) -> None:
        from pdecheck.grid import _kernels_march as km

        status, t = int(stats[km.STATUS]), float(stats[km.BAD_TIME])
        if status == km.NON_FINITE:
            raise non_finite_error(self.faces.name, t, int(stats[km.BAD_VALUE]))
        if status == km.DT_TOO_LARGE:
            courant = float(stats[km.BAD_VALUE])
            if not np.isfinite(courant):
                raise ValueError(
                    f"dt={self.fixed_dt!r}: the Courant number of {self.faces.name} overflows "
                    f"at t={t!r} (max |f| / h is inf in floating point); no step is stable: "
                    "check the field's scale"
                )
            limit = self.fixed_dt * self.bound / courant
            raise ValueError(
                f"dt={self.fixed_dt!r} exceeds the stability limit {limit:.6g} of scheme "
                f"{scheme!r} at t={t!r} (Courant number {courant:.4g} > {self.bound}); use "
                f"dt <= {limit:.6g} or dt=None"
            )
        if status == km.STALLED:
            raise stall_error(t, float(stats[km.BAD_VALUE]), (times[0], times[-1]))
        if status == km.NO_STEP:
            raise ValueError(
                f"no step of Courant number <= {self.bound} found at t={t!r} after "
                f"{km._MAX_REJECTIONS} rejections; the field is too large for this grid there, "
                "or grows without bound (check its scale, regularise it, or stop the run before "
                "that time)"
            )
