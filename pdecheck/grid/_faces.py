"""A velocity field sampled at the faces of a grid, through either path of the field protocol.

:class:`FaceField` holds, for every axis k < d, the face centres (coordinate k on an edge, the
others at cell centres) and a preallocated array of the normal component f_k there, shaped like
the padded 3-D state with n_k + 1 along axis k. ``update(t, sign)`` refills them: the compiled
kernel in a loop when the field has one (fast path), otherwise one vectorised call per axis
(slow path, ``pdecheck.fields.evaluate``). Closed walls get velocity 0, periodic axes share
their first face, and a non-finite value raises ``ValueError`` naming the time.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck.fields import compiled_form, evaluate
from pdecheck.grid.boundaries import PERIODIC, ZERO_FLUX
from pdecheck.grid.mesh import Grid

__all__ = ["FaceField", "non_finite_error", "padded_shape", "sweep_view"]

Array = NDArray[np.float64]


def padded_shape(grid: Grid) -> tuple[int, int, int]:
    """The state's 3-D shape: ``grid.shape`` followed by ones."""
    s = tuple(grid.shape) + (1,) * (3 - grid.dim)
    return (s[0], s[1], s[2])


def face_shape(shape3: tuple[int, int, int], axis: int) -> tuple[int, int, int]:
    s = list(shape3)
    s[axis] += 1
    return (s[0], s[1], s[2])


def sweep_view(a: Array, axis: int) -> Array:
    """A C-contiguous 3-D array seen as (outer, n_axis, inner) without copying."""
    s = a.shape
    outer = int(np.prod(s[:axis])) if axis else 1
    inner = int(np.prod(s[axis + 1 :])) if axis < 2 else 1
    return a.reshape(outer, s[axis], inner)


class FaceField:
    """Normal velocities sign · f_k(t, x) at the faces of ``grid`` (see the module docstring)."""

    def __init__(
        self, field: Any, grid: Grid, codes: NDArray[np.int64], *, name: str = "field"
    ) -> None:
        if not callable(field):
            raise TypeError(
                f"{name}={field!r} must be callable as f(t, x) with x of shape (n, {grid.dim})"
            )
        self.field = field
        self.name = name
        self.grid = grid
        self.codes = codes
        self.compiled = compiled_form(field)
        if self.compiled is not None and self.compiled.dim not in (0, grid.dim):
            raise ValueError(
                f"{name} is a {self.compiled.dim}-D field; the grid has dim={grid.dim} (a "
                "compiled field must have the grid's dimension, or dim 0: any dimension)"
            )
        shape3 = padded_shape(grid)
        self.velocity: list[Array] = [np.zeros(face_shape(shape3, k)) for k in range(3)]
        self.points: list[Array] = []
        for k in range(grid.dim):
            axes = [grid.edges[j] if j == k else grid.centers[j] for j in range(grid.dim)]
            mesh = np.meshgrid(*axes, indexing="ij")
            self.points.append(np.ascontiguousarray(np.stack([m.ravel() for m in mesh], axis=1)))
        self.compile_time = 0.0

    def update(self, t: float, sign: float) -> None:
        """Fill ``velocity`` with sign · f_k(t, face) for every axis."""
        for k in range(self.grid.dim):
            u = self.velocity[k]
            flat = u.reshape(-1)
            if self.compiled is not None:
                from pdecheck.grid._kernels_flux import face_velocity

                start = time.perf_counter()
                bad = face_velocity(
                    self.compiled.kernel,
                    self.compiled.params,
                    float(t),
                    self.points[k],
                    k,
                    float(sign),
                    flat,
                )
                if not self.compile_time:
                    self.compile_time = time.perf_counter() - start
            else:
                values = evaluate(self.field, float(t), self.points[k], name=self.name)[:, k]
                bad = int(np.count_nonzero(~np.isfinite(values)))
                if not bad:
                    flat[:] = sign * values
            if bad:
                raise non_finite_error(self.name, t, k)
            view = sweep_view(u, k)
            if self.codes[k, 0] == PERIODIC:
                view[:, -1, :] = view[:, 0, :]
            else:
                if self.codes[k, 0] == ZERO_FLUX:
                    view[:, 0, :] = 0.0
                if self.codes[k, 1] == ZERO_FLUX:
                    view[:, -1, :] = 0.0


def non_finite_error(name: str, t: float, axis: int) -> ValueError:
    """The error for a field that gave NaN or inf at the faces of ``axis`` at time t."""
    return ValueError(
        f"{name} returned non-finite value(s) at t={float(t)!r} on the faces of axis {axis}; "
        "the rule is a finite velocity everywhere in the grid box (restrict the box to the "
        "support, or regularise the field)"
    )
