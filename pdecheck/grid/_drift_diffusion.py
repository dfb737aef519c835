"""The drift–diffusion operator A(t) p = −∇·(f_t p) + D_t Δp with Chang–Cooper fluxes, and the
time steps built on it: implicit Euler by dimension splitting, SSP-RK2, and Douglas
(Crank–Nicolson in 1-D). ``solve_fokker_planck`` and ``solve_heat`` are thin drivers over it.

- implicit Euler (FOKKER-PLANCK.md §1): for each axis in turn (Lie splitting, the order
  alternating between steps) solve (I − Δt A_k(t_{n+1})) x = q line by line; each sweep is a
  positive, conservative M-matrix solve (cyclic on periodic axes), so the step is positive and
  conservative for any Δt. Line kernels run serially up to ``PARALLEL_CELLS`` cells.
  First order in time (splitting error O(Δt), zero when the A_k commute).
- SSP-RK2 (Heun in Shu–Osher form): second order; positive iff Δt ≤ 1/max_i |A_ii|.
- Douglas (heat only, D independent of x): y₀ = p + Δt A p, (I − ½Δt A_k) y_k = y_{k−1} − ½Δt A_k p;
  Crank–Nicolson in 1-D, second order in Δt and h, unconditionally stable, not positive in
  general (flagged).

Public names: :class:`DriftDiffusion`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray

from pdecheck.grid import _kernels_flux as kf
from pdecheck.grid import _kernels_implicit as ki
from pdecheck.grid._faces import (
    FaceField,
    face_shape,
    non_finite_error,
    padded_shape,
    sweep_view,
)
from pdecheck.grid.boundaries import OUTFLOW, PERIODIC
from pdecheck.grid.mesh import Grid
from pdecheck.grid.solution import Diagnostics

__all__ = ["PARALLEL_CELLS", "DriftDiffusion", "threads_for"]

#: grids with more cells than this sweep their lines in parallel (a parallel region costs a
#: thread start-up that dominates a small sweep)
PARALLEL_CELLS = 100_000


@contextmanager
def threads_for(grid: Grid) -> Iterator[None]:
    """One Numba thread (in this Python thread only) while stepping a grid of at most
    ``PARALLEL_CELLS`` cells: between two parallel regions the workers go to sleep, and waking
    them costs more than a small stage (milliseconds on a loaded machine)."""
    if grid.size > PARALLEL_CELLS:
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


Array = NDArray[np.float64]


class DriftDiffusion:
    """A(t) on ``grid``: drift ``faces`` (None for pure diffusion) times ``sign`` and D(t)."""

    def __init__(
        self,
        grid: Grid,
        codes: NDArray[np.int64],
        faces: FaceField | None,
        diffusion: Callable[[float], float],
        sign: float,
        diag: Diagnostics,
    ) -> None:
        self.grid, self.codes, self.faces, self.diffusion, self.sign, self.diag = (
            grid,
            codes,
            faces,
            diffusion,
            sign,
            diag,
        )
        shape3 = padded_shape(grid)
        self.velocity = (
            faces.velocity
            if faces is not None
            else [np.zeros(face_shape(shape3, k)) for k in range(3)]
        )
        self.flux = [np.zeros(face_shape(shape3, k)) for k in range(3)]
        self.zero_flux = [np.zeros(face_shape(shape3, k)) for k in range(3)]
        self.buffers = (np.empty(shape3), np.empty(shape3), np.empty(shape3))
        self.rh = np.zeros(3)
        self.rh[: grid.dim] = 1.0 / grid.h
        self.area = grid.cell_volume / grid.h
        self.periodic = [bool(codes[k, 0] == PERIODIC) for k in range(grid.dim)]
        self.outflow_walls = [bool(np.any(codes[k] == OUTFLOW)) for k in range(grid.dim)]
        self.periodic3 = np.array(self.periodic + [False] * (3 - grid.dim))
        self.outflow3 = np.array(self.outflow_walls + [False] * (3 - grid.dim))
        self.outflow = np.zeros((grid.dim, 2))
        self.order = list(range(grid.dim))

    # -- coefficients ---------------------------------------------------------------------
    def at(self, t: float) -> float:
        """Load the drift at time t into the face velocities; return D_t."""
        if self.faces is not None:
            self.faces.update(t, self.sign)
        value = float(self.diffusion(t))
        if not np.isfinite(value) or value < 0:
            raise ValueError(
                f"diffusion D at t={float(t)!r} is {value!r}; it must be finite and >= 0"
            )
        if value > 0 and self.faces is not None:
            umax = max(
                float(np.abs(self.velocity[k]).max()) * self.grid.h[k] for k in range(self.grid.dim)
            )
            self.diag.peclet_max = max(self.diag.peclet_max, umax / value)
        return value

    def max_face_speed(self, t: float) -> float:
        """max_k max |f_k(t)| over the faces (walls as loaded); a compiled drift goes through
        the loader of the compiled loops (no other kernel to compile); a non-finite value
        raises."""
        faces = self.faces
        if faces is None:
            return 0.0
        if faces.compiled is None:
            self.at(t)
            return max(float(np.abs(self.velocity[k]).max()) for k in range(self.grid.dim))
        cf = faces.compiled
        umax = 0.0
        for k in range(self.grid.dim):
            low, high = self.codes[k]
            u = sweep_view(self.velocity[k], k)
            bad, speed = ki._load_axis(
                cf.kernel, cf.params, float(t), faces.points[k], k, self.sign, u, low, high
            )
            if bad:
                raise non_finite_error("drift", t, k)
            umax = max(umax, float(speed))
        return umax

    def rate(self, diffusion: float) -> float:
        """max_i |A_ii| for the loaded coefficients."""
        u = self.velocity
        return float(
            ki.max_generator_rate(
                u[0], u[1], u[2], diffusion, self.rh, self.grid.dim, self.periodic3, self.outflow3
            )
        )

    def _fluxes(self, q: Array, diffusion: float, axis: int) -> None:
        k = axis
        fluxes = ki.cc_fluxes_parallel if self.grid.size > PARALLEL_CELLS else ki.cc_fluxes
        fluxes(
            sweep_view(q, k),
            sweep_view(self.velocity[k], k),
            sweep_view(self.flux[k], k),
            diffusion,
            self.grid.h[k],
            self.periodic[k],
            self.outflow_walls[k],
        )

    def _count_outflow(self, weight: float, axis: int) -> None:
        if not self.periodic[axis]:
            view = sweep_view(self.flux[axis], axis)
            self.outflow[axis, 0] -= weight * self.area[axis] * float(view[:, 0, :].sum())
            self.outflow[axis, 1] += weight * self.area[axis] * float(view[:, -1, :].sum())

    def _explicit(
        self,
        p: Array,
        a: float,
        q: Array,
        b: float,
        dt: float,
        diffusion: float,
        clamp: bool,
        out: Array,
        weight: float | None = None,
    ) -> None:
        """out = a p + b (q + Δt A q), with the wall outflow counted with weight ``weight`` Δt:
        the share of this stage in the step's result (b for the last stage; for an earlier
        stage the product of the coefficients that carry it to the end)."""
        for k in range(self.grid.dim):
            self._fluxes(q, diffusion, k)
            self._count_outflow((b if weight is None else weight) * dt, k)
        f = self.flux
        self.diag.flushed_mass += self.grid.cell_volume * kf.combine_update(
            p, a, q, b, dt, f[0], f[1], f[2], self.rh, clamp, out
        )

    def _sweep(self, q: Array, diffusion: float, dt: float, axis: int, out: Array) -> None:
        """(I − Δt A_axis) out = q; outflow through the walls of that axis counted."""
        k = axis
        sweep = ki.implicit_sweep_parallel if self.grid.size > PARALLEL_CELLS else ki.implicit_sweep
        low, high, _ = sweep(
            sweep_view(q, k),
            sweep_view(self.velocity[k], k),
            diffusion,
            self.grid.h[k],
            dt,
            self.periodic[k],
            self.outflow_walls[k],
            sweep_view(out, k),
        )
        self.outflow[k, 0] += self.area[k] * low
        self.outflow[k, 1] += self.area[k] * high

    # -- steps ----------------------------------------------------------------------------
    def implicit_euler(self, t: float, dt: float, p: Array) -> None:
        """p <- Lie-split implicit Euler step with the coefficients at t + sign Δt."""
        diffusion = self.at(t + self.sign * dt)
        src = p
        for s, k in enumerate(self.order):
            out = self.buffers[s % 2]
            self._sweep(src, diffusion, dt, k, out)
            src = out
        p[...] = src
        self.order.reverse()

    def ssprk2(self, t: float, dt: float, p: Array, bound_ok: bool) -> None:
        """p <- Heun step (stages at t and t + sign Δt); positive when Δt max|A_ii| ≤ 1."""
        b0, b1 = self.buffers[0], self.buffers[1]
        diffusion = self.at(t)
        # p⁽¹⁾ enters the result with weight ½, so does the mass it lost through the walls
        self._explicit(p, 0.0, p, 1.0, dt, diffusion, bound_ok, b0, weight=0.5)
        diffusion = self.at(t + self.sign * dt)
        self._explicit(p, 0.5, b0, 0.5, dt, diffusion, bound_ok, b1)
        p[...] = b1

    def euler(self, t: float, dt: float, p: Array, bound_ok: bool) -> None:
        """p <- forward Euler step."""
        diffusion = self.at(t)
        self._explicit(p, 0.0, p, 1.0, dt, diffusion, bound_ok, self.buffers[0])
        p[...] = self.buffers[0]

    def douglas(self, t: float, dt: float, p: Array) -> None:
        """p <- Douglas step with D at the midpoint (Crank–Nicolson in 1-D); pure diffusion."""
        diffusion = self.at(t + 0.5 * self.sign * dt)
        y, tmp = self.buffers[0], self.buffers[1]
        self._explicit(p, 0.0, p, 1.0, dt, diffusion, False, y)
        for k in range(self.grid.dim):
            self._fluxes(p, diffusion, k)
            single = [self.flux[j] if j == k else self.zero_flux[j] for j in range(3)]
            # tmp = y − ½Δt A_k p = y + ½Δt ∇_k·F_k(p)
            kf.combine_update(
                y, 0.0, y, 1.0, -0.5 * dt, single[0], single[1], single[2], self.rh, False, tmp
            )
            self._sweep(tmp, diffusion, 0.5 * dt, k, y)
        p[...] = y
