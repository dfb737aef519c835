"""Ornstein–Uhlenbeck by Euler–Maruyama (issue 5 item 6): dX = −θX dt + σ dW, θ = σ = 1,
X_0 = 1, t ∈ [0, 1], d = 1.

- ``pdecheck``: :func:`pdecheck.particles.integrate_sde` on the built-in OU drift (per-particle
  xoshiro256++ streams; reproducible for any thread count), which runs the tabulated
  linear-drift kernel (``path`` "linear"), and the same drift through its compiled field kernel
  (``path`` "compiled", one cfunc call per particle-step: what any other compiled field costs);
- peers: vectorised NumPy (``Generator.standard_normal`` per step), Numba with ``np.random``
  inside ``prange`` (fast but not reproducible across thread counts), torchsde and JAX/diffrax
  where they import;
- the limit: the per-particle xoshiro256++ + ziggurat loop alone (``limits.zig_normals``).

Throughput is particle-steps/s (= normals/s for d = 1). Peers whose cost per step is fixed
Python/array work run 100 steps instead of 1000 (their time per step does not depend on the
step count; the table says how many steps each ran). Every run is checked against the exact
moments of the *discrete* EM recursion, m_{k+1} = (1 − θh) m_k, v_{k+1} = (1 − θh)² v_k + σ²h,
with |z| ≤ 6 (false-alarm rate 2e-9 per check).

A second table: scaling in N (10^4 … 10^7, 100 steps) and in threads (1 → 2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numba
import numpy as np
from _common import Report, best_of, main
from limits import zig_normals

from pdecheck.particles import integrate_sde
from pdecheck.sde import OU

THETA, SIGMA, X0 = 1.0, 1.0, 1.0
Z_MAX = 6.0  # two-sided normal tail 2e-9: a correct integrator never fails this check


def discrete_moments(steps: int) -> tuple[float, float]:
    """Mean and variance of X_steps under the EM recursion with h = 1/steps."""
    h = 1.0 / steps
    m, v = X0, 0.0
    for _ in range(steps):
        m, v = (1 - THETA * h) * m, (1 - THETA * h) ** 2 * v + SIGMA**2 * h
    return m, v


def z_score(x: np.ndarray, steps: int) -> float:
    """|mean − exact| in standard errors (the larger of the mean and the variance checks)."""
    m, v = discrete_moments(steps)
    n = x.size
    z_mean = abs(x.mean() - m) / math.sqrt(v / n)
    z_var = abs(x.var() - v) / (v * math.sqrt(2.0 / n))  # Gaussian: Var(s²) = 2v²/n
    return max(z_mean, z_var)


class KernelCalls:
    """The OU drift without its linear coefficients: integrate_sde calls its compiled kernel."""

    def __init__(self) -> None:
        self.drift = OU(THETA, SIGMA).drift

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        return self.drift(t, x)

    def compiled(self) -> object:
        return self.drift.compiled()


def ours(n: int, steps: int, calls: bool = False) -> Callable[[], np.ndarray]:
    drift = KernelCalls() if calls else OU(THETA, SIGMA).drift
    x0, times = np.full((n, 1), X0), np.linspace(0, 1, steps + 1)
    return lambda: integrate_sde(drift, SIGMA, x0, times, seed=7).samples[-1, :, 0]


def numpy_em(n: int, steps: int) -> Callable[[], np.ndarray]:
    def go() -> np.ndarray:
        rng, h = np.random.default_rng(7), 1.0 / steps
        x, z, root = np.full(n, X0), np.empty(n), SIGMA * math.sqrt(h)
        for _ in range(steps):
            rng.standard_normal(out=z)
            x += -THETA * h * x + root * z
        return x

    return go


@numba.njit(cache=True, parallel=True)
def _numba_np_random(n, steps, theta, sigma, x0):
    np.random.seed(7)  # noqa: NPY002 (the peer: Numba supports only the legacy API)
    h = 1.0 / steps
    root = sigma * math.sqrt(h)
    out = np.empty(n)
    for i in numba.prange(n):
        x = x0
        for _ in range(steps):
            x += -theta * h * x + root * np.random.standard_normal()  # noqa: NPY002
        out[i] = x
    return out


def numba_np_random(n: int, steps: int) -> Callable[[], np.ndarray]:
    return lambda: _numba_np_random(n, steps, THETA, SIGMA, X0)


def torchsde_em(n: int, steps: int, threads: int) -> Callable[[], np.ndarray]:
    import torch
    import torchsde

    class OUTorch(torch.nn.Module):
        noise_type, sde_type = "diagonal", "ito"

        def f(self, t, y):
            return -THETA * y

        def g(self, t, y):
            return torch.full_like(y, SIGMA)

    sde, y0 = OUTorch(), torch.full((n, 1), X0, dtype=torch.float64)
    ts = torch.tensor([0.0, 1.0], dtype=torch.float64)

    def go() -> np.ndarray:
        torch.set_num_threads(threads)
        with torch.no_grad():
            ys = torchsde.sdeint(sde, y0, ts, method="euler", dt=1.0 / steps)
        return ys[-1, :, 0].numpy()

    return go


def diffrax_em(n: int, steps: int) -> Callable[[], np.ndarray]:
    import jax

    jax.config.update("jax_enable_x64", True)
    import diffrax
    import jax.numpy as jnp
    import lineax

    @jax.jit
    def solve(key):
        bm = diffrax.UnsafeBrownianPath(shape=(n,), key=key)
        terms = diffrax.MultiTerm(
            diffrax.ODETerm(lambda t, y, a: -THETA * y),
            diffrax.ControlTerm(
                lambda t, y, a: lineax.DiagonalLinearOperator(SIGMA * jnp.ones_like(y)), bm
            ),
        )
        sol = diffrax.diffeqsolve(
            terms,
            diffrax.Euler(),
            0.0,
            1.0,
            1.0 / steps,
            jnp.full(n, X0),
            saveat=diffrax.SaveAt(t1=True),
            max_steps=steps + 1,
            adjoint=diffrax.ForwardMode(),
        )
        return sol.ys[-1]

    key = jax.random.PRNGKey(7)
    return lambda: np.asarray(solve(key).block_until_ready())


PEERS = {
    "NumPy vectorised": (numpy_em, "numpy"),
    "Numba + np.random (prange)": (numba_np_random, "numba"),
    # torch's OpenMP workers spin: on a loaded 2-core machine 1 thread can beat 2; both count
    "torchsde (euler), 1 thread": (partial(torchsde_em, threads=1), "torchsde"),
    "torchsde (euler), 2 threads": (partial(torchsde_em, threads=2), "torchsde"),
    "JAX + diffrax (Euler, UnsafeBrownianPath)": (diffrax_em, "diffrax"),
}


def _version(module: str) -> str:
    try:
        return __import__(module).__version__
    except ImportError:
        return "not installed"


def run(tiny: bool = False, peers: bool = True) -> list[Report]:
    n, steps, slow_steps, k = (2_000, 20, 20, 1) if tiny else (1_000_000, 1000, 100, 3)
    rep = Report(
        f"OU Euler–Maruyama, N = {n:.0e}, d = 1 (particle-steps/s = normals/s)",
        ["code", "version", "steps", "compile s", "wall s", "G steps/s", "moment z"],
    )
    threads = numba.get_num_threads()
    limit = zig_normals(n, 10 if tiny else 200, threads)
    rep.add(
        code="limit: xoshiro256++ + ziggurat alone",
        version="–",
        steps=None,
        **{"G steps/s": limit / 1e9},
    )
    first, _ = best_of(ours(1, 2), 1)
    wall, x = best_of(ours(n, steps), k)
    our_rate = n * steps / wall
    rep.add(
        code="pdecheck integrate_sde",
        version="this tree",
        steps=steps,
        **{
            "compile s": first,
            "wall s": wall,
            "G steps/s": our_rate / 1e9,
            "moment z": z_score(x, steps),
        },
    )
    first, _ = best_of(ours(1, 2, calls=True), 1)
    wall, x_calls = best_of(ours(n, steps, calls=True), 1 if tiny else 2)
    rep.add(
        code="integrate_sde via the compiled field kernel",
        version="this tree",
        steps=steps,
        **{
            "compile s": first,
            "wall s": wall,
            "G steps/s": n * steps / wall / 1e9,
            "moment z": z_score(x_calls, steps),
        },
    )
    if not np.array_equal(x_calls, x):
        rep.notes.append("the kernel-call path did not give the linear path's bits")
    best_peer = 0.0
    for name, (make, module) in PEERS.items() if peers else ():
        s = steps if module == "numba" else slow_steps
        try:
            fn = make(n, s)
            first, _ = best_of(fn, 1)  # compile / JIT / warm-up
        except ImportError as err:
            rep.notes.append(f"{name}: not measured ({err})")
            continue
        wall, x = best_of(fn, k if module != "numpy" else 2)
        rate = n * s / wall
        best_peer = max(best_peer, rate)
        rep.add(
            code=name,
            version=_version(module),
            steps=s,
            **{
                "compile s": first,
                "wall s": wall,
                "G steps/s": rate / 1e9,
                "moment z": z_score(x, s),
            },
        )
    rep.target("ours / RNG limit", our_rate / limit, 0.75)
    if best_peer:
        rep.target("ours / fastest peer", our_rate / best_peer, 5.0)
    return [rep, scaling(tiny)]


def scaling(tiny: bool) -> Report:
    """Wall time against N (100 steps) and against the thread count (N = 10^6)."""
    rep = Report(
        "OU Euler–Maruyama scaling (100 steps)",
        ["N", "threads", "wall s", "G steps/s", "wall / N (ns)"],
    )
    sizes = [1_000, 10_000] if tiny else [10_000, 100_000, 1_000_000, 10_000_000]
    steps = 10 if tiny else 100
    cores = numba.config.NUMBA_NUM_THREADS
    for n in sizes:
        wall, _ = best_of(ours(n, steps), 3)
        rep.add(
            N=n,
            threads=numba.get_num_threads(),
            **{
                "wall s": wall,
                "G steps/s": n * steps / wall / 1e9,
                "wall / N (ns)": wall / n * 1e9,
            },
        )
    n, previous = sizes[-2], numba.get_num_threads()
    for threads in sorted({1, cores}):
        numba.set_num_threads(threads)
        try:
            wall, _ = best_of(ours(n, steps), 3)
        finally:
            numba.set_num_threads(previous)
        rep.add(
            N=n,
            threads=threads,
            **{
                "wall s": wall,
                "G steps/s": n * steps / wall / 1e9,
                "wall / N (ns)": wall / n * 1e9,
            },
        )
    return rep


if __name__ == "__main__":
    main(run, __doc__)
