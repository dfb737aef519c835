"""The machine's limits, measured in the run that compares against them.

- :func:`bandwidth` — memory bandwidth (GB/s) by parallel Numba copy and triad kernels over
  arrays far larger than the caches (STREAM's rule: count the bytes read and written);
- :func:`numpy_normals` — ``numpy.random.Generator.standard_normal`` throughput (normals/s) on
  1 thread and on 2 threads (one generator per thread; the fill releases the GIL);
- :func:`zig_normals` — a plain per-particle xoshiro256++ + ziggurat Numba loop (the streams
  of ``pdecheck.particles.rng``, no integrator around them): the RNG limit of any reproducible
  Euler–Maruyama kernel, on 1 and 2 threads.
"""

from __future__ import annotations

import threading

import numba
import numpy as np
from _common import Report, best_of, main

from pdecheck.particles.rng import normal, seed_state


@numba.njit(cache=True, parallel=True)
def _copy(a, b):
    for i in numba.prange(a.size):
        b[i] = a[i]


@numba.njit(cache=True, parallel=True)
def _triad(a, b, c, s):
    for i in numba.prange(a.size):
        a[i] = b[i] + s * c[i]


@numba.njit(cache=True, parallel=True)
def _zig_sums(seed, n, m, out):
    """out[i] = sum of the first m normals of stream (seed, i)."""
    for i in numba.prange(n):
        s = np.empty(4, dtype=np.uint64)
        seed_state(seed, i, s)
        acc = 0.0
        for _ in range(m):
            acc += normal(s)
        out[i] = acc


def bandwidth(nbytes: int = 1 << 28, k: int = 5) -> dict[str, float]:
    """GB/s of copy (16 B per element) and triad (24 B per element) over arrays of
    ``nbytes`` each, best of k, with Numba's current thread count."""
    n = nbytes // 8
    a, b, c = np.ones(n), np.ones(n), np.ones(n)
    _copy(a[:8], b[:8])
    _triad(a[:8], b[:8], c[:8], 0.5)
    t_copy, _ = best_of(lambda: _copy(a, b), k)
    t_triad, _ = best_of(lambda: _triad(a, b, c, 0.5), k)
    return {"copy": 16 * n / t_copy / 1e9, "triad": 24 * n / t_triad / 1e9}


def numpy_normals(count: int, threads: int, k: int = 3) -> float:
    """Normals/s of Generator.standard_normal filling ``count`` doubles on ``threads`` threads."""
    out = np.empty(count)
    parts = np.array_split(out, threads)
    gens = [np.random.default_rng(s) for s in range(threads)]

    def fill() -> None:
        workers = [
            threading.Thread(target=g.standard_normal, kwargs={"out": p})
            for g, p in zip(gens, parts, strict=True)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    seconds, _ = best_of(fill, k)
    return count / seconds


def zig_normals(n: int, m: int, threads: int, k: int = 3) -> float:
    """Normals/s of the per-particle xoshiro256++ + ziggurat loop, n streams × m normals."""
    out = np.empty(n)
    _zig_sums(np.uint64(1), 2, 2, out)
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        seconds, _ = best_of(lambda: _zig_sums(np.uint64(1), n, m, out), k)
    finally:
        numba.set_num_threads(previous)
    return n * m / seconds


def run(tiny: bool = False, peers: bool = True) -> list[Report]:
    cores = numba.config.NUMBA_NUM_THREADS
    rng = Report("RNG limit (normals/s)", ["code", "threads", "normals", "G normals/s"])
    n, m = (10_000, 10) if tiny else (1_000_000, 200)
    for threads in sorted({1, cores}):
        rng.add(
            code="numpy Generator.standard_normal",
            threads=threads,
            normals=n * m,
            **{"G normals/s": numpy_normals(n * m, threads) / 1e9},
        )
        rng.add(
            code="xoshiro256++ + ziggurat (numba)",
            threads=threads,
            normals=n * m,
            **{"G normals/s": zig_normals(n, m, threads) / 1e9},
        )
    mem = Report("Memory bandwidth (GB/s)", ["kernel", "threads", "array MB", "GB/s"])
    nbytes = (1 << 20) if tiny else (1 << 28)
    for kernel, value in bandwidth(nbytes, 2 if tiny else 5).items():
        mem.add(
            kernel=kernel,
            threads=numba.get_num_threads(),
            **{"array MB": nbytes >> 20},
            **{"GB/s": value},
        )
    return [rng, mem]


if __name__ == "__main__":
    main(run, __doc__)
