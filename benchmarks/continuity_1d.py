"""1-D periodic advection (issue 4 item 8; set-up of TRANSPORT.md §1): ∂_t p + ∂_x p = 0 on
[0, 1), n = 1024, Courant number 0.5 (2048 steps), one period, so the exact answer is p0.

Data (cell-centre values, as in TRANSPORT.md): a smooth bump exp(−((x − ½)/0.1)²) and a box
1[¼, ½] whose edges fall on faces. L1 = h Σ |p − p0| (absolute; our solver works on unit
mass, so its error is scaled back by the initial mass — the equation is linear).

- ``pdecheck.grid.solve_continuity`` on a compiled constant field declared steady (sampled at
  the faces once per solve): upwind, MUSCL (MC limiter, SSP-RK3) and the one-step LW-TVD
  option (MC and van Leer limiters); and LW-TVD on the same field as a NumPy callable (the
  slow path of the field protocol: one Python call per step, the same answer to round-off);
- PyMPDATA: basic (n_iters = 2) and its most accurate option sets — infinite gauge + third-order
  terms + non-oscillatory, and third-order terms with 3 iterations — each compiled once
  (compile = first ``advance``), then timed inside one long ``advance`` call of 10 periods;
- FiPy's explicit van Leer term: accuracy only (~4 ms per step whatever n).

Throughput: Mcups = n · steps / wall / 10^6. Mass change and min p are reported for every code.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from _common import Report, best_of, main
from _transport import fipy_run, mpdata

import pdecheck as pc
from pdecheck.grid import Grid, solve_continuity

COURANT = 0.5


@pc.field_kernel(dim=1, steady=True)
def unit_velocity(t, x, params, out):
    out[0] = 1.0


def numpy_velocity(t: float, x: np.ndarray) -> np.ndarray:
    """The same field as a plain NumPy callable (the slow path: called at the faces once per
    stage time, since nothing declares it steady)."""
    return np.ones_like(x)


def initial(kind: str, n: int) -> np.ndarray:
    x = (np.arange(n) + 0.5) / n
    if kind == "smooth":
        return np.exp(-(((x - 0.5) / 0.1) ** 2))
    return ((x > 0.25) & (x < 0.5)).astype(float)


OURS = {
    "upwind": {"scheme": "upwind", "stepper": "euler"},
    "MUSCL-MC + SSP-RK3": {"scheme": "muscl", "limiter": "mc", "stepper": "ssprk3"},
    "LW-TVD, MC": {"scheme": "lw-tvd", "limiter": "mc"},
    "LW-TVD, van Leer": {"scheme": "lw-tvd", "limiter": "van-leer"},
}
MPDATA = {
    "basic (n_iters=2)": {"n_iters": 2},
    "iga+tot+nonosc (2 it.)": {
        "n_iters": 2,
        "infinite_gauge": True,
        "third_order_terms": True,
        "nonoscillatory": True,
    },
    "tot (n_iters=3)": {"n_iters": 3, "third_order_terms": True},
}


def ours(
    p0: np.ndarray, periods: int, options: dict, field: object = unit_velocity
) -> tuple[np.ndarray, float]:
    """(p after ``periods`` periods, unnormalised; compile s of the first step)."""
    n = p0.size
    mass = p0.sum() / n
    sol = solve_continuity(
        field,
        p0 / mass,
        Grid(0.0, 1.0, n),
        (0.0, float(periods)),
        dt=COURANT / n,
        boundary="periodic",
        **options,
    )
    return sol.density[-1] * mass, sol.diagnostics.compile_time


def row(
    rep: Report,
    code: str,
    version: str,
    p: np.ndarray,
    p0: np.ndarray,
    wall: float,
    steps: int,
    compile_s: float | None,
) -> dict:
    n = p0.size
    error = float(np.abs(p - p0).sum() / n)
    rep.add(
        code=code,
        version=version,
        **{
            "L1": error,
            "mass change": float(abs(p.sum() - p0.sum()) / p0.sum()),
            "min p": float(p.min()),
            "wall s": wall,
            "Mcups": n * steps / wall / 1e6,
            "compile s": compile_s,
        },
    )
    return {"L1": error, "rate": n * steps / wall}


def run(tiny: bool = False, peers: bool = True) -> list[Report]:
    n, k = (64, 1) if tiny else (1024, 3)
    steps = round(n / COURANT)
    cols = ["code", "version", "L1", "mass change", "min p", "wall s", "Mcups", "compile s"]
    reports = []
    for kind in ("smooth", "box"):
        rep = Report(f"1-D periodic advection, {kind}, n = {n}, C = 0.5, one period", cols)
        p0 = initial(kind, n)
        results = {}
        for name, options in OURS.items():
            _, compile_s = ours(p0[:: n // 16].copy(), 1, options)
            wall, (p, _) = best_of(partial(ours, p0, 1, options), k)
            results[name] = row(rep, f"pdecheck {name}", "this tree", p, p0, wall, steps, compile_s)
        slow = OURS["LW-TVD, MC"]
        wall, (p, _) = best_of(partial(ours, p0, 1, slow, numpy_velocity), k)
        row(rep, "pdecheck LW-TVD, MC, NumPy field", "this tree", p, p0, wall, steps, None)
        if peers:
            import PyMPDATA

            for name, options in MPDATA.items():
                compile_s, p, _ = mpdata(options, p0, (np.full(n + 1, COURANT),), steps)
                _, _, wall = mpdata_long(options, p0, steps)
                results[name] = row(
                    rep, f"PyMPDATA {name}", PyMPDATA.__version__, p, p0, wall, steps, compile_s
                )
            rep.notes.append(
                "PyMPDATA wall/Mcups: one `advance` call of 10 periods (its "
                "asymptotic rate, no per-call cost); compile: first `advance`."
            )
            import fipy

            p = fipy_run(p0, (1.0,), (0.0,), (1.0,), steps, COURANT / n, periodic=True)
            row(
                rep,
                "FiPy VanLeer (explicit TVD)",
                fipy.__version__,
                p,
                p0,
                float("nan"),
                steps,
                None,
            )
            basic, best = results["basic (n_iters=2)"], results["LW-TVD, MC"]
            rep.target(
                f"{kind}: L1 PyMPDATA basic / ours (LW-TVD MC)", basic["L1"] / best["L1"], 1.0
            )
            rep.target(
                f"{kind}: Mcups ours (LW-TVD MC) / PyMPDATA basic",
                best["rate"] / basic["rate"],
                1.0,
            )
        reports.append(rep)
    return reports


def mpdata_long(options: dict, p0: np.ndarray, steps: int) -> tuple[float, np.ndarray, float]:
    """Ten periods in one ``advance`` call (the wall time is per ``steps`` steps)."""
    compile_s, p, wall = mpdata(options, p0, (np.full(p0.size + 1, COURANT),), 10 * steps, repeat=2)
    return compile_s, p, wall / 10


if __name__ == "__main__":
    main(run, __doc__)
