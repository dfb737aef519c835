"""fplanck 0.2.x on the OU benchmark of ``fokker_planck.py``, run in fplanck's own environment
(0.2.x installs on Python 3.11 only beside numpy < 2; 1.0.x needs Python >= 3.12).

Usage: ``PYTHON fplanck_ou.py N [N ...]`` prints one JSON object: the fplanck version and, per
N, the L1 error at t = 1, the build time and the best-of-3 ``propagate`` time. fplanck's grid is
N nodes of width h = 10/N centred on 0; shifted by +1 they are the cell centres of [−4, 6],
the grid of ``fokker_planck.py``. With drag 2 and k_B T = 1 (temperature 1/k_B), D = ½ and
β = 1, and the force −2(x + 1) is the OU drift −x times the drag. ``propagate`` returns masses
(Σ p = 1), so the density is p/h and L1 = Σ |p − h ρ(x, 1)|.
"""

import json
import math
import sys
import time
from importlib import metadata

import numpy as np
from fplanck.solver import fokker_planck
from scipy import constants

MEAN0, STD0, T = 2.0, 0.1, 1.0


def exact(x):
    """OU (θ = 1, σ = 1) from N(2, 0.1²): N(2e^{−t}, 0.01e^{−2t} + (1 − e^{−2t})/2)."""
    m = MEAN0 * math.exp(-T)
    v = STD0**2 * math.exp(-2 * T) + 0.5 * (1 - math.exp(-2 * T))
    return np.exp(-0.5 * (x - m) ** 2 / v) / math.sqrt(2 * math.pi * v)


def measure(n):
    h = 10.0 / n
    start = time.perf_counter()
    fp = fokker_planck(
        temperature=1 / constants.k,
        drag=2.0,
        extent=10.0,
        resolution=h,
        force=lambda x: -2.0 * (x + 1.0),
    )
    build = time.perf_counter() - start
    x = fp.grid[0] + 1.0
    assert x.size == n, (x.size, n)

    def initial(xs):
        return np.exp(-0.5 * ((xs + 1.0 - MEAN0) / STD0) ** 2)

    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        p = fp.propagate(initial, T)
        best = min(best, time.perf_counter() - start)
    return {
        "N": n,
        "L1": float(np.abs(p - h * exact(x)).sum()),
        "build s": build,
        "solve s": best,
        "mass change": float(abs(p.sum() - 1.0)),
        "min p": float(p.min()),
    }


if __name__ == "__main__":
    rows = [measure(int(a)) for a in sys.argv[1:]]
    print(
        json.dumps(
            {
                "version": metadata.version("fplanck"),
                "numpy": np.__version__,
                "python": sys.version.split()[0],
                "rows": rows,
            }
        )
    )
