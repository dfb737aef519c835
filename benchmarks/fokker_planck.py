"""Fokker–Planck work–precision (issue 4 item 8; set-up of FOKKER-PLANCK.md §2): OU
dX = −X dt + dW (D = ½) from N(2, 0.1²) on [−4, 6] (zero-flux walls) to t = 1; L1 error of
the density against the exact N(2e^{−1}, 0.01e^{−2} + (1 − e^{−2})/2) against wall time.
fplanck's SqRA is 2.4× more accurate than SG at equal N in this diffusive case
(FOKKER-PLANCK.md §2), so we need ~1.5× its N: every fplanck run gets its own time ratio
against our fastest run that is at least as accurate.

- ``pdecheck.grid.solve_fokker_planck`` (Chang–Cooper/Scharfetter–Gummel fluxes):
  ``mprk22`` (MPRK22, positive and conservative for every Δt, second order in time) over
  N = 150 … 2600 with two step rules: steps = N/2 (Δt = h/5: the error is within 12 % of the
  one with twice the steps at every N, measured, so the time error is well below the spatial
  one) and steps = N/4 (Δt = 2h/5: time and spatial errors of one size, the cheaper run for a
  given error when both fall like the square);
  ``ssprk2`` (second order, dt = 0.95 of its positivity bound) over N; ``implicit`` (Euler,
  first order in time) over the step count at fixed N; and ``mprk22`` on the same drift as a
  NumPy callable (the slow path of the field protocol: the faces evaluated from Python each
  step; the same error, shown for its cost, not a candidate for the targets);
- a SciPy sparse reference: the same SG generator A assembled with ``scipy.sparse``,
  Crank–Nicolson with an ``splu`` factorisation, dt = 2.5e-4 (FOKKER-PLANCK.md's set-up), and
  ``expm_multiply(A t) p0`` (exact in time: the spatial error alone);
- fplanck 0.2.2 (its SqRA master equation, ``expm_multiply``), in its own environment through
  ``peers/fplanck_ou.py``; the interpreter is ``$FPLANCK_PYTHON`` (default
  ``/tmp/fpenv/bin/python``).

Errors: ours and SciPy's are cell averages against exact cell averages; fplanck's node values
against the exact density at the nodes (the same points: the cell centres). Times: our wall
time is the whole ``solve_fokker_planck`` call (initial cell averages, set-up, the compiled
loop), best of 3; fplanck's is build + ``propagate``. Target: for every fplanck run, the
fastest of our runs with an error no larger, ≥ 10× faster.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from _common import Report, best_of, main
from scipy import sparse
from scipy.sparse.linalg import expm_multiply, splu

import pdecheck as pc
from pdecheck.grid import Grid, solve_fokker_planck

LOWER, UPPER, T = -4.0, 6.0, 1.0
FPLANCK_PYTHON = os.environ.get("FPLANCK_PYTHON", "/tmp/fpenv/bin/python")


def exact() -> pc.Gaussian:
    v = 0.01 * math.exp(-2 * T) + 0.5 * (1 - math.exp(-2 * T))
    return pc.Gaussian(2.0 * math.exp(-T), math.sqrt(v))


def l1(grid: Grid, p: np.ndarray) -> float:
    return float(np.abs(p - grid.cell_averages(exact())).sum() * grid.h[0])


@pc.field_kernel(dim=1, steady=True)
def ou_drift(t, x, params, out):
    """f(x) = −x. (``OU(1, 1).drift`` is the same field, but its compiled form has dim 0, which
    ``grid._faces.FaceField`` rejects.)"""
    out[0] = -x[0]


def numpy_ou_drift(t: float, x: np.ndarray) -> np.ndarray:
    """f(x) = −x as a NumPy callable: the slow path, evaluated at the faces from Python."""
    return -x


def ours(
    n: int, time_scheme: str, steps: int | None, drift: object = ou_drift
) -> tuple[np.ndarray, object]:
    grid = Grid(LOWER, UPPER, n)
    sol = solve_fokker_planck(
        drift,
        1.0,
        pc.Gaussian(2.0, 0.1),
        grid,
        (0.0, T),
        time=time_scheme,
        dt=None if steps is None else T / steps,
    )
    return sol.density[-1], sol.diagnostics


def bernoulli(z: np.ndarray) -> np.ndarray:
    """B(z) = z / (e^z − 1), B(0) = 1 (FOKKER-PLANCK.md §1)."""
    out = np.ones_like(z)
    nz = np.abs(z) > 1e-10
    out[nz] = z[nz] / np.expm1(z[nz])
    return out


def sg_generator(grid: Grid) -> sparse.csc_matrix:
    """dp/dt = A p with SG face fluxes J = (D/h)[B(−Pe) p_i − B(Pe) p_{i+1}], zero-flux walls."""
    n, h, d = grid.shape[0], grid.h[0], 0.5
    faces = grid.edges[0][1:-1]
    pe = -faces * h / d  # OU drift −x at the interior faces
    right, left = d / h**2 * bernoulli(-pe), d / h**2 * bernoulli(pe)  # i -> i+1, i+1 -> i
    diag = np.zeros(n)
    diag[:-1] -= right
    diag[1:] -= left
    return sparse.diags([left, diag, right], [1, 0, -1], shape=(n, n), format="csc")


def scipy_cn(n: int, steps: int) -> np.ndarray:
    grid = Grid(LOWER, UPPER, n)
    a, dt = sg_generator(grid), T / steps
    eye = sparse.identity(n, format="csc")
    lu, rhs = splu(eye - 0.5 * dt * a), eye + 0.5 * dt * a
    p = grid.cell_averages(pc.Gaussian(2.0, 0.1))
    for _ in range(steps):
        p = lu.solve(rhs @ p)
    return p


def scipy_expm(n: int) -> np.ndarray:
    grid = Grid(LOWER, UPPER, n)
    return expm_multiply(sg_generator(grid) * T, grid.cell_averages(pc.Gaussian(2.0, 0.1)))


def fplanck(sizes: list[int]) -> dict:
    script = Path(__file__).with_name("peers") / "fplanck_ou.py"
    out = subprocess.run(
        [FPLANCK_PYTHON, str(script), *map(str, sizes)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(out.stdout)


def run(tiny: bool = False, peers: bool = True) -> list[Report]:
    sizes = [50, 100] if tiny else [100, 200, 400, 800, 1600]
    k = 1 if tiny else 3
    rep = Report(
        "Fokker–Planck OU 1-D, t = 1: work–precision",
        ["code", "version", "N", "steps", "L1", "mass change", "min p", "wall s"],
    )
    points: list[tuple[float, float]] = []  # (L1, wall) of our runs
    ours(sizes[0], "ssprk2", None)  # compile / load the kernels
    ours(sizes[0], "mprk22", 10)
    for n in sizes:
        wall, (p, diag) = best_of(lambda n=n: ours(n, "ssprk2", None), k)
        err = l1(Grid(LOWER, UPPER, n), p)
        points.append((err, wall))
        rep.add(
            code="pdecheck ssprk2 (dt = 0.95 bound)",
            version="this tree",
            N=n,
            steps=diag.steps,
            L1=err,
            **{"mass change": diag.max_mass_drift, "min p": diag.min_density, "wall s": wall},
        )
    mprk_sizes = [50, 100] if tiny else [150, 200, 300, 400, 600, 800, 1200, 1700, 2400, 2600]
    for per_step in (2, 4):
        for n in mprk_sizes:
            steps = n // per_step
            wall, (p, diag) = best_of(lambda n=n, s=steps: ours(n, "mprk22", s), k)
            err = l1(Grid(LOWER, UPPER, n), p)
            points.append((err, wall))
            rep.add(
                code=f"pdecheck mprk22 (steps = N/{per_step})",
                version="this tree",
                N=n,
                steps=diag.steps,
                L1=err,
                **{"mass change": diag.max_mass_drift, "min p": diag.min_density, "wall s": wall},
            )
    for n in mprk_sizes[1::3]:  # the slow path: not a candidate for the targets below
        steps = n // 2
        wall, (p, diag) = best_of(lambda n=n, s=steps: ours(n, "mprk22", s, numpy_ou_drift), k)
        rep.add(
            code="pdecheck mprk22 (steps = N/2), NumPy drift",
            version="this tree",
            N=n,
            steps=diag.steps,
            L1=l1(Grid(LOWER, UPPER, n), p),
            **{"mass change": diag.max_mass_drift, "min p": diag.min_density, "wall s": wall},
        )
    n_imp = sizes[-1]
    for steps in [10, 20] if tiny else [100, 1000, 10_000]:
        wall, (p, diag) = best_of(lambda s=steps: ours(n_imp, "implicit", s), k)
        err = l1(Grid(LOWER, UPPER, n_imp), p)
        points.append((err, wall))
        rep.add(
            code="pdecheck implicit Euler",
            version="this tree",
            N=n_imp,
            steps=diag.steps,
            L1=err,
            **{"mass change": diag.max_mass_drift, "min p": diag.min_density, "wall s": wall},
        )
    if peers:
        import scipy

        for n in sizes:
            grid = Grid(LOWER, UPPER, n)
            wall, p = best_of(lambda n=n: scipy_cn(n, 4000), k)
            rep.add(
                code="SciPy sparse SG + CN (splu)",
                version=scipy.__version__,
                N=n,
                steps=4000,
                L1=l1(grid, p),
                **{"wall s": wall, "min p": float(p.min())},
            )
            wall, p = best_of(lambda n=n: scipy_expm(n), k)
            rep.add(
                code="SciPy SG, expm_multiply (exact in time)",
                version=scipy.__version__,
                N=n,
                L1=l1(grid, p),
                **{"wall s": wall, "min p": float(p.min())},
            )
        try:
            fp = fplanck(sizes)
        except (OSError, subprocess.SubprocessError) as err:
            rep.notes.append(f"fplanck: not measured ({err})")
        else:
            for r in fp["rows"]:
                rep.add(
                    code="fplanck (SqRA, expm_multiply)",
                    version=f"{fp['version']} (Python {fp['python']}, numpy {fp['numpy']})",
                    N=r["N"],
                    L1=r["L1"],
                    **{
                        "mass change": r["mass change"],
                        "min p": r["min p"],
                        "wall s": r["build s"] + r["solve s"],
                    },
                )
            for r in fp["rows"]:
                t_fp = r["build s"] + r["solve s"]
                reached = [w for e, w in points if e <= r["L1"]]
                rep.target(
                    f"fplanck N = {r['N']}: its time / our fastest at L1 <= {r['L1']:.3g}",
                    t_fp / min(reached) if reached else 0.0,
                    10.0,
                )
            rep.notes.append("a measured ratio 0 means none of our runs reached that error")
    rep.notes.append(f"python {sys.version.split()[0]}; wall s of fplanck = build + propagate")
    return [rep]


if __name__ == "__main__":
    main(run, __doc__)
