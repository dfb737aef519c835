"""2-D solid-body rotation (issue 4 item 8; set-up of TRANSPORT.md §2): ∂_t p + ∇·(u p) = 0 on
[−1, 1]², u = (−2πy, 2πx), a Gaussian blob exp(−((x − ½)² + y²)/0.15²) (cell-centre values),
one revolution (t = 1), zero-flux walls. dt = 1/⌈4πn⌉, so that max(|C_x| + |C_y|) = ½
(3217 steps at 256², 805 at 64²); the exact answer is p0. L1 = h² Σ |p − p0| (the blob's mass
is 0.0707; our solver works on unit mass and its error is scaled back).

- ``pdecheck.grid.solve_continuity`` on a compiled rotation field declared steady (sampled at
  the faces once per solve, like PyMPDATA's fixed Courant array): upwind, MUSCL-MC + SSP-RK3
  and LW-TVD (split by axes), one thread (the whole loop is one serial compiled call);
- PyMPDATA basic and iga+tot+nonosc on 2 threads, Courant numbers on the staggered faces with
  0 on the walls, compiled once, then one revolution in one ``advance`` call;
- FiPy's explicit van Leer term at 64² (accuracy only: ~160 ms per step at 256²), beside ours
  at 64².
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from _common import Report, best_of, main
from _transport import fipy_run, mpdata

import pdecheck as pc
from pdecheck.grid import Grid, solve_continuity

TWO_PI = 2 * math.pi


@pc.field_kernel(dim=2, steady=True)
def rotation(t, x, params, out):
    out[0] = -6.283185307179586 * x[1]
    out[1] = 6.283185307179586 * x[0]


def centres(n: int) -> np.ndarray:
    return -1.0 + (np.arange(n) + 0.5) * 2.0 / n


def initial(n: int) -> np.ndarray:
    x, y = np.meshgrid(centres(n), centres(n), indexing="ij")
    return np.exp(-((x - 0.5) ** 2 + y**2) / 0.15**2)


def steps_for(n: int) -> int:
    return math.ceil(4 * math.pi * n)


OURS = {
    "upwind": {"scheme": "upwind", "stepper": "euler"},
    "MUSCL-MC + SSP-RK3": {"scheme": "muscl", "limiter": "mc", "stepper": "ssprk3"},
    "LW-TVD, MC": {"scheme": "lw-tvd", "limiter": "mc"},
}
MPDATA = {
    "basic (n_iters=2)": {"n_iters": 2},
    "iga+tot+nonosc (2 it.)": {
        "n_iters": 2,
        "infinite_gauge": True,
        "third_order_terms": True,
        "nonoscillatory": True,
    },
}


def ours(p0: np.ndarray, options: dict) -> np.ndarray:
    n = p0.shape[0]
    h = 2.0 / n
    mass = p0.sum() * h * h
    sol = solve_continuity(
        rotation,
        p0 / mass,
        Grid([-1.0, -1.0], [1.0, 1.0], n),
        (0.0, 1.0),
        dt=1.0 / steps_for(n),
        **options,
    )
    return sol.density[-1] * mass


def courant(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Face Courant numbers (C_x on x-faces (n+1, n), C_y on y-faces (n, n+1)), 0 on walls."""
    h, dt, c = 2.0 / n, 1.0 / steps_for(n), centres(n)
    cx = np.broadcast_to(-TWO_PI * c[None, :] * dt / h, (n + 1, n)).copy()
    cy = np.broadcast_to(TWO_PI * c[:, None] * dt / h, (n, n + 1)).copy()
    cx[[0, -1], :] = 0.0
    cy[:, [0, -1]] = 0.0
    return cx, cy


def row(
    rep: Report,
    code: str,
    version: str,
    n: int,
    threads: int,
    p: np.ndarray,
    p0: np.ndarray,
    wall: float,
    compile_s: float | None,
) -> dict:
    h, steps = 2.0 / n, steps_for(n)
    error = float(np.abs(p - p0).sum() * h * h)
    rep.add(
        code=code,
        version=version,
        grid=f"{n}^2",
        threads=threads,
        steps=steps,
        L1=error,
        **{
            "mass change": float(abs(p.sum() - p0.sum()) / p0.sum()),
            "min p": float(p.min()),
            "wall s": wall,
            "Mcups": n * n * steps / wall / 1e6,
            "compile s": compile_s,
        },
    )
    return {"L1": error, "rate": n * n * steps / wall}


def run(tiny: bool = False, peers: bool = True) -> list[Report]:
    n, small, k = (24, 16, 1) if tiny else (256, 64, 2)
    rep = Report(
        "2-D solid-body rotation, one revolution",
        [
            "code",
            "version",
            "grid",
            "threads",
            "steps",
            "L1",
            "mass change",
            "min p",
            "wall s",
            "Mcups",
            "compile s",
        ],
    )
    results = {}
    for size in (n, small):
        p0 = initial(size)
        for name, options in OURS.items():
            first, _ = best_of(partial(ours, initial(8), options), 1)
            wall, p = best_of(partial(ours, p0, options), k)
            results[(name, size)] = row(
                rep, f"pdecheck {name}", "this tree", size, 1, p, p0, wall, first
            )
    if peers:
        import fipy
        import PyMPDATA

        p0 = initial(n)
        for name, options in MPDATA.items():
            compile_s, p, wall = mpdata(options, p0, courant(n), steps_for(n), threads=2)
            results[(name, n)] = row(
                rep, f"PyMPDATA {name}", PyMPDATA.__version__, n, 2, p, p0, wall, compile_s
            )
        p0 = initial(small)
        p = fipy_run(
            p0,
            lambda x, y: (-TWO_PI * y, TWO_PI * x),
            (-1.0, -1.0),
            (2.0, 2.0),
            steps_for(small),
            1.0 / steps_for(small),
            periodic=False,
        )
        row(
            rep,
            "FiPy VanLeer (explicit TVD)",
            fipy.__version__,
            small,
            1,
            p,
            p0,
            float("nan"),
            None,
        )
        basic = results[("basic (n_iters=2)", n)]
        for name in ("MUSCL-MC + SSP-RK3", "LW-TVD, MC"):
            ours_r = results[(name, n)]
            rep.target(f"L1 PyMPDATA basic / ours ({name})", basic["L1"] / ours_r["L1"], 1.0)
            rep.target(f"Mcups ours ({name}) / PyMPDATA basic", ours_r["rate"] / basic["rate"], 1.0)
    return [rep]


if __name__ == "__main__":
    main(run, __doc__)
