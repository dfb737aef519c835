"""Compile cost (issue 4 items 7–8): the first call of every solver in a fresh process.

``cold``: a subprocess with an empty ``NUMBA_CACHE_DIR`` (every kernel compiles); ``warm``: a
second subprocess with the same cache directory (every kernel loads from disk). Each solver's
first call at a tiny size is timed after ``import pdecheck``, in this order (kernels shared
between solvers are paid by the first that uses them): continuity (MUSCL) on a user's
``field_kernel`` (the set-up of the continuity benchmarks; its cfunc wrapper closes over the
user's function, so it compiles in every process, warm too), then continuity on the marginal
field of a Gaussian-mixture affine path (the solver's kernels are loaded by then: this is the
built-in field's own cfunc, compiled on first use), heat (explicit and Crank–Nicolson),
Fokker–Planck (implicit, MPRK22 and SSP-RK2), particles (RK4 ODE, Euler–Maruyama SDE on the OU
drift — the tabulated linear-drift kernel — and on the mixture field — the kernel that calls
the field). Targets: a solver's cold first call < 3 s, warm < 1 s (PyMPDATA: 10–70 s per
option set, in every process: see continuity).
``--tiny`` checks the harness only: both processes use the usual cache (no cold compile).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from _common import Report, main

CHILD = r"""
import json, time
t0 = time.perf_counter()
import numpy as np
import pdecheck as pc
from pdecheck.grid import Grid, solve_continuity, solve_fokker_planck, solve_heat
from pdecheck.particles import integrate_ode, integrate_sde
from pdecheck.sde import OU
out = {"import pdecheck": time.perf_counter() - t0}
path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(0.0, 1.0))
field = path.marginal_field(pc.GaussianMixture([-1.0, 1.0], 0.3))
grid = Grid(-8.0, 8.0, 32)
p0 = pc.Gaussian(0.0, 1.0)
def timed(name, fn):
    start = time.perf_counter()
    fn()
    out[name] = time.perf_counter() - start
@pc.field_kernel(dim=1, steady=True)
def unit(t, x, params, out):
    out[0] = 1.0
timed("solve_continuity (muscl, user kernel field)",
      lambda: solve_continuity(unit, p0, grid, (0.0, 0.1), boundary="periodic"))
timed("solve_continuity (muscl, then the marginal field)",
      lambda: solve_continuity(field, p0, grid, (1.0, 0.9)))
timed("solve_heat (explicit)", lambda: solve_heat(0.5, p0, grid, (0.0, 0.01), method="explicit"))
timed("solve_heat (crank-nicolson)", lambda: solve_heat(0.5, p0, grid, (0.0, 0.01)))
timed("solve_fokker_planck (implicit)",
      lambda: solve_fokker_planck(field, 0.5, p0, grid, (1.0, 0.9)))
timed("solve_fokker_planck (mprk22)",
      lambda: solve_fokker_planck(field, 0.5, p0, grid, (1.0, 0.9), time="mprk22"))
timed("solve_fokker_planck (ssprk2)",
      lambda: solve_fokker_planck(field, 0.5, p0, grid, (1.0, 0.9), time="ssprk2"))
x0 = np.zeros((4, 1))
timed("integrate_ode (rk4)", lambda: integrate_ode(field, x0, np.linspace(1.0, 0.0, 5)))
timed("integrate_sde (euler_maruyama, linear drift)",
      lambda: integrate_sde(OU().drift, 1.0, x0, np.linspace(0.0, 1.0, 5), seed=1))
timed("integrate_sde (euler_maruyama, compiled field)",
      lambda: integrate_sde(field, 1.0, x0, np.linspace(1.0, 0.9, 5), seed=1))
print(json.dumps(out))
"""


def first_calls(cache_dir: str | None) -> dict[str, float]:
    """Seconds of each first call in a new process whose Numba cache is ``cache_dir`` (None:
    the usual one)."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(tiny: bool = False, peers: bool = True) -> list[Report]:
    rep = Report(
        "Compile cost: first call per solver in a new process (s)", ["step", "cold s", "warm s"]
    )
    if tiny:  # the harness only: both processes load the kernels from the usual cache
        cold = first_calls(None)
        warm = first_calls(None)
    else:
        with tempfile.TemporaryDirectory(prefix="pdecheck-numba-") as cache:
            cold = first_calls(cache)
            warm = first_calls(cache)
    for name in cold:
        rep.add(step=name, **{"cold s": cold[name], "warm s": warm[name]})
        if name != "import pdecheck":
            rep.target(f"{name}: 3 s / cold", 3.0 / cold[name], 1.0)
            rep.target(f"{name}: 1 s / warm", 1.0 / warm[name], 1.0)
    total_cold = sum(v for k, v in cold.items() if k != "import pdecheck")
    total_warm = sum(v for k, v in warm.items() if k != "import pdecheck")
    rep.add(step="all solvers", **{"cold s": total_cold, "warm s": total_warm})
    rep.notes.append("a ratio >= 1 meets the target (3 s cold, 1 s warm per solver)")
    return [rep]


if __name__ == "__main__":
    main(run, __doc__)
