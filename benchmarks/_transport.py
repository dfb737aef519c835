"""Peers of the continuity benchmarks (TRANSPORT.md §1–2): PyMPDATA and FiPy drivers.

- :func:`mpdata` — PyMPDATA with given ``Options`` on a periodic (1-D) or zero-flux-wall (2-D)
  grid, Courant numbers on the staggered faces; returns the compile time (first ``advance``),
  the state after ``steps`` and the wall time of one long ``advance`` call;
- :func:`fipy_run` — FiPy's explicit van Leer term (its most accurate), one ``eq.solve`` per
  step; accuracy only (it costs milliseconds per step whatever the grid).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def mpdata(
    options: dict[str, Any],
    psi0: np.ndarray,
    courant: tuple[np.ndarray, ...],
    steps: int,
    threads: int = 1,
    repeat: int = 1,
) -> tuple[float, np.ndarray, float]:
    """(compile s, advectee after ``steps``, best wall s of ``advance(steps)``)."""
    from PyMPDATA import Options, ScalarField, Solver, Stepper, VectorField
    from PyMPDATA.boundary_conditions import Periodic

    opts = Options(**options)
    bcs = tuple(Periodic() for _ in psi0.shape)
    stepper = Stepper(options=opts, grid=psi0.shape, n_threads=threads)

    def solver() -> Any:
        return Solver(
            stepper=stepper,
            advectee=ScalarField(psi0.copy(), halo=opts.n_halo, boundary_conditions=bcs),
            advector=VectorField(courant, halo=opts.n_halo, boundary_conditions=bcs),
        )

    start = time.perf_counter()
    solver().advance(n_steps=1)
    compile_s = time.perf_counter() - start
    best, out = np.inf, psi0
    for _ in range(repeat):
        s = solver()
        start = time.perf_counter()
        s.advance(n_steps=steps)
        best = min(best, time.perf_counter() - start)
        out = s.advectee.get().copy()
    return compile_s, out, best


def fipy_run(
    psi0: np.ndarray,
    velocity: Any,
    lower: tuple[float, ...],
    lengths: tuple[float, ...],
    steps: int,
    dt: float,
    periodic: bool,
) -> np.ndarray:
    """FiPy ``VanLeerConvectionTerm`` (explicit TVD), ``steps`` steps of ``dt``; ``velocity`` a
    constant vector or a function of the face-centre coordinates returning the velocity
    components there (exterior faces carry no flux in FiPy unless constrained)."""
    import fipy

    shape = psi0.shape
    if len(shape) == 1:
        mesh_cls = fipy.PeriodicGrid1D if periodic else fipy.Grid1D
        mesh = mesh_cls(nx=shape[0], dx=lengths[0] / shape[0])
        values = psi0
    else:
        mesh_cls = fipy.PeriodicGrid2D if periodic else fipy.Grid2D
        mesh = mesh_cls(
            nx=shape[0], ny=shape[1], dx=lengths[0] / shape[0], dy=lengths[1] / shape[1]
        )
        values = psi0.T.ravel()  # FiPy numbers cells x fastest
    var = fipy.CellVariable(mesh=mesh, value=values.ravel())
    if callable(velocity):
        centres = mesh.faceCenters.value + np.asarray(lower)[:, None]
        coeff: Any = fipy.FaceVariable(mesh=mesh, rank=1)
        coeff.setValue(np.vstack(velocity(*centres)))
    else:
        coeff = tuple(velocity)
    eq = fipy.TransientTerm() + fipy.VanLeerConvectionTerm(coeff=coeff) == 0
    for _ in range(steps):
        eq.solve(var=var, dt=dt)
    out = np.asarray(var.value)
    return out if len(shape) == 1 else out.reshape(shape[1], shape[0]).T
