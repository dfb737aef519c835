"""Every benchmark script runs at its ``--tiny`` size, our side only, so none of them rots; and
the checks each script carries hold (the benchmarks compare like with like only if they do).

Peers are not run here (they need the ``bench`` extra and minutes of compilation); the full
runs are ``python benchmarks/run_all.py``. Numba runs on one thread: tiny problems gain nothing
from a second one, and on a busy machine each parallel region can wait for its worker.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numba
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def tiny() -> Iterator[Callable[[str], list[Any]]]:
    sys.path.insert(0, str(BENCH))
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield lambda name: importlib.import_module(name).run(tiny=True, peers=False)
    finally:
        numba.set_num_threads(threads)
        sys.path.remove(str(BENCH))


def rows(reports: list[Any], code: str) -> list[dict[str, Any]]:
    found = [r for rep in reports for r in rep.rows if str(r.get("code", "")).startswith(code)]
    assert found, f"no row for {code!r}"
    return found


def test_limits(tiny: Callable[[str], list[Any]]) -> None:
    rng, mem = tiny("limits")
    assert all(r["G normals/s"] > 0 for r in rng.rows)
    assert all(r["GB/s"] > 0 for r in mem.rows)
    assert "| code |" in rng.markdown()


def test_particles_ou(tiny: Callable[[str], list[Any]]) -> None:
    main, scaling = tiny("particles_ou")
    (ours,) = rows([main], "pdecheck")
    # exact discrete EM moments: |z| > 6 has probability 2e-9 for a correct integrator
    assert ours["moment z"] < 6.0
    assert [t.name for t in main.targets] == ["ours / RNG limit"]
    assert len(scaling.rows) == 4


def test_particles_rk4_mixture(tiny: Callable[[str], list[Any]]) -> None:
    for rep in tiny("particles_rk4_mixture"):
        # the NumPy field and the compiled kernel run the same RK4: equal to round-off
        (slow,) = rows([rep], "pdecheck integrate_ode (NumPy field)")
        assert slow["max dx vs ours"] < 1e-9


def test_heat(tiny: Callable[[str], list[Any]]) -> None:
    for rep in tiny("heat"):
        (ours,) = rows([rep], "pdecheck")
        (hand,) = rows([rep], "hand-written")
        # same scheme as the hand loop; the cosine mode decays by the exact discrete factor
        assert ours["max dp vs hand loop"] < 1e-12
        assert ours["mode error"] < 1e-12 and hand["mode error"] < 1e-12


def test_continuity_1d(tiny: Callable[[str], list[Any]]) -> None:
    smooth, box = tiny("continuity_1d")
    # upwind at n = 64 is the donor-cell scheme whose L1 TRANSPORT.md measured independently
    # (PyMPDATA n_iters=1, FiPy ExplicitUpwind, a hand loop): 7.92e-2 smooth, 1.41e-1 box
    assert rows([smooth], "pdecheck upwind")[0]["L1"] == pytest.approx(7.92e-2, abs=6e-5)
    assert rows([box], "pdecheck upwind")[0]["L1"] == pytest.approx(1.41e-1, abs=6e-4)
    for row in rows([smooth, box], "pdecheck"):
        assert row["mass change"] < 1e-12 and row["min p"] >= 0.0
    # the high-resolution option beats upwind on both data sets
    for rep in (smooth, box):
        assert rows([rep], "pdecheck LW-TVD, MC")[0]["L1"] < rows([rep], "pdecheck upwind")[0]["L1"]
        # both field paths run the same steps of the same kernel: the same answer to round-off
        fast, slow = rows([rep], "pdecheck LW-TVD, MC")
        assert slow["code"].endswith("NumPy field")
        assert slow["L1"] == pytest.approx(fast["L1"], rel=1e-9)


def test_continuity_2d(tiny: Callable[[str], list[Any]]) -> None:
    (rep,) = tiny("continuity_2d")
    for row in rows([rep], "pdecheck"):
        assert row["mass change"] < 1e-12 and row["min p"] >= 0.0
        assert row["L1"] < 0.0707 * 2  # at most all of the blob's mass, twice


def test_fokker_planck(tiny: Callable[[str], list[Any]]) -> None:
    (rep,) = tiny("fokker_planck")
    ssprk2 = rows([rep], "pdecheck ssprk2")
    assert ssprk2[1]["L1"] < ssprk2[0]["L1"]  # refining the grid reduces the error
    for row in rows([rep], "pdecheck"):
        assert row["mass change"] < 1e-12 and row["min p"] >= 0.0


def test_compile_time(tiny: Callable[[str], list[Any]]) -> None:
    (rep,) = tiny("compile_time")
    steps = [r["step"] for r in rep.rows]
    assert steps[0] == "import pdecheck" and steps[-1] == "all solvers"
    assert all(r["warm s"] >= 0 for r in rep.rows)
