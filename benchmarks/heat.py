"""The explicit heat step on periodic boxes (issue 4 item 8): ∂_t p = D Δp, D = 1, forward Euler
on the 3/5/7-point finite-volume Laplacian, dt = 0.9 of the stability limit h²/(2dD).

- 2-D 256², 1000 steps: ``pdecheck.grid.solve_heat(method="explicit")`` (its whole time loop
  is one compiled call, serial up to ``PARALLEL_CELLS`` cells, above them ``prange`` with two
  steps per pass: the table's notes say which ran) against py-pde (its
  explicit Euler stepper alone, and ``PDE.solve()`` with its set-up), a NumPy ``np.roll``
  stencil and a hand-written Numba 5-point loop (``prange`` over rows: the practical limit);
- 1-D 4096 cells × 10^4 steps: the same codes;
- 3-D 128³, 100 steps: ours and the hand loop against the memory bandwidth measured in this run
  (``limits.bandwidth``, copy kernel): a step must read p and write p', 16 bytes per cell, so
  16 · cells · steps / wall is the bandwidth a step achieves (ours takes two steps per pass
  there, moving 8 bytes per cell-update, so its figure may exceed the measured bandwidth).

Initial data: p0 = 1 + ½ Π_k cos(2π x_k) on [0, 1)^d as exact cell averages. Every code runs
the same scheme, so their final fields must agree to round-off (max |Δp| vs the hand loop is
reported), and the mode decays by the exact discrete factor (1 − dt·λ)^steps with
λ = Σ_k (4D/h²) sin²(πh) — its error is reported as a check of the harness.
Throughput: M cell-updates/s (Mcups) = cells · steps / wall / 10^6.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numba
import numpy as np
from _common import Report, best_of, main
from limits import bandwidth

from pdecheck.grid import Grid, solve_heat
from pdecheck.grid._drift_diffusion import PARALLEL_CELLS

D = 1.0


def initial(d: int, n: int) -> np.ndarray:
    """Cell averages of 1 + ½ Π cos(2π x_k) on [0, 1)^d with n cells per axis (unit mass)."""
    edges = np.linspace(0.0, 1.0, n + 1)
    avg = (np.sin(2 * np.pi * edges[1:]) - np.sin(2 * np.pi * edges[:-1])) / (2 * np.pi / n)
    prod = avg
    for _ in range(d - 1):
        prod = np.multiply.outer(prod, avg)
    return 1.0 + 0.5 * prod


def step_size(d: int, n: int) -> float:
    return 0.9 / (2 * d * D * n * n)


def mode_error(p: np.ndarray, d: int, n: int, steps: int) -> float:
    """max |p − exact discrete solution|: the cosine mode times (1 − dt λ)^steps."""
    dt, h = step_size(d, n), 1.0 / n
    lam = d * 4 * D / h**2 * math.sin(math.pi * h) ** 2
    exact = 1.0 + (initial(d, n) - 1.0) * (1 - dt * lam) ** steps
    return float(np.max(np.abs(p - exact)))


def ours(d: int, n: int, steps: int) -> Callable[[], np.ndarray]:
    grid, p0, dt = Grid([0.0] * d, [1.0] * d, n), initial(d, n), step_size(d, n)

    def go() -> np.ndarray:
        sol = solve_heat(
            D, p0, grid, (0.0, steps * dt), method="explicit", dt=dt, boundary="periodic"
        )
        return sol.density[-1]

    return go


def numpy_roll(d: int, n: int, steps: int) -> Callable[[], np.ndarray]:
    p0, coef = initial(d, n), D * step_size(d, n) * n * n

    def go() -> np.ndarray:
        p = p0.copy()
        for _ in range(steps):
            lap = -2 * d * p
            for axis in range(d):
                lap += np.roll(p, 1, axis) + np.roll(p, -1, axis)
            p = p + coef * lap
        return p

    return go


@numba.njit(cache=True)
def _hand_1d(p, q, coef, steps):
    n = p.size
    for _ in range(steps):
        for i in range(n):
            q[i] = p[i] + coef * (p[i - 1] + p[(i + 1) % n] - 2 * p[i])
        p, q = q, p
    return p


@numba.njit(cache=True, parallel=True)
def _hand_2d(p, q, coef, steps):
    n, m = p.shape
    for _ in range(steps):
        for i in numba.prange(n):
            up, down = p[i - 1], p[(i + 1) % n]
            row, out = p[i], q[i]
            out[0] = row[0] + coef * (up[0] + down[0] + row[m - 1] + row[1] - 4 * row[0])
            for j in range(1, m - 1):
                out[j] = row[j] + coef * (up[j] + down[j] + row[j - 1] + row[j + 1] - 4 * row[j])
            out[m - 1] = row[m - 1] + coef * (
                up[m - 1] + down[m - 1] + row[m - 2] + row[0] - 4 * row[m - 1]
            )
        p, q = q, p
    return p


@numba.njit(cache=True, parallel=True)
def _hand_3d(p, q, coef, steps):
    n = p.shape[0]
    for _ in range(steps):
        for i in numba.prange(n):
            for j in range(n):
                a, b = p[i - 1, j], p[(i + 1) % n, j]
                c, e = p[i, j - 1], p[i, (j + 1) % n]
                row, out = p[i, j], q[i, j]
                for k in range(n):
                    out[k] = row[k] + coef * (
                        a[k] + b[k] + c[k] + e[k] + row[k - 1] + row[(k + 1) % n] - 6 * row[k]
                    )
        p, q = q, p
    return p


def hand_loop(d: int, n: int, steps: int) -> Callable[[], np.ndarray]:
    kernel = {1: _hand_1d, 2: _hand_2d, 3: _hand_3d}[d]
    p0, coef = initial(d, n), D * step_size(d, n) * n * n
    return lambda: kernel(p0.copy(), np.empty_like(p0), coef, steps)


def pypde(d: int, n: int, steps: int, stepping_only: bool) -> Callable[[], np.ndarray]:
    import pde

    grid = pde.CartesianGrid([[0.0, 1.0]] * d, [n] * d, periodic=True)
    eq, dt = pde.DiffusionPDE(diffusivity=D, bc="periodic"), step_size(d, n)
    p0 = initial(d, n)
    if not stepping_only:

        def solve() -> np.ndarray:
            state = pde.ScalarField(grid, p0.copy())
            out = eq.solve(
                state,
                t_range=steps * dt * (1 - 1e-9),
                dt=dt,
                solver="explicit",
                scheme="euler",
                adaptive=False,
                tracker=None,
            )
            return out.data

        return solve
    state = pde.ScalarField(grid, p0.copy())
    solver = pde.ExplicitSolver(eq, scheme="euler", adaptive=False)
    stepper = solver.make_stepper(state, dt=dt)

    def go() -> np.ndarray:
        state.data[...] = p0
        stepper(state, 0.0, steps * dt * (1 - 1e-9))
        return state.data.copy()

    return go


def _measure(
    rep: Report,
    name: str,
    version: str,
    make: Callable[[], Callable[[], np.ndarray]],
    d: int,
    n: int,
    steps: int,
    k: int,
    reference: np.ndarray | None,
) -> float:
    fn = make()
    first, _ = best_of(fn, 1)
    wall, p = best_of(fn, k)
    rate = n**d * steps / wall
    rep.add(
        code=name,
        version=version,
        **{
            "first call s": first,
            "wall s": wall,
            "Mcups": rate / 1e6,
            "GB/s (16 B/cup)": 16 * rate / 1e9,
            "mode error": mode_error(p, d, n, steps),
            "max dp vs hand loop": None
            if reference is None
            else float(np.max(np.abs(p - reference))),
        },
    )
    return rate


def run(tiny: bool = False, peers: bool = True) -> list[Report]:
    cases = (
        [(2, 32, 20), (1, 64, 50), (3, 12, 5)]
        if tiny
        else [(2, 256, 1000), (1, 4096, 10_000), (3, 128, 100)]
    )
    k = 1 if tiny else 3
    reports = []
    cols = [
        "code",
        "version",
        "first call s",
        "wall s",
        "Mcups",
        "GB/s (16 B/cup)",
        "mode error",
        "max dp vs hand loop",
    ]
    for d, n, steps in cases:
        rep = Report(f"Heat, explicit, periodic, {d}-D {n}^{d}, {steps} steps", cols)
        hand = hand_loop(d, n, steps)()
        hand_rate = _measure(
            rep,
            "hand-written Numba loop",
            "–",
            partial(hand_loop, d, n, steps),
            d,
            n,
            steps,
            k,
            None,
        )
        our_rate = _measure(
            rep,
            "pdecheck solve_heat(explicit)",
            "this tree",
            partial(ours, d, n, steps),
            d,
            n,
            steps,
            k,
            hand,
        )
        rep.target(f"{d}-D: ours / hand loop", our_rate / hand_rate, 0.5)
        loop = "serial"
        if n**d > PARALLEL_CELLS and d > 1:
            loop = "under prange, two steps per pass through a ring of planes"
        rep.notes.append(f"solve_heat ran its fused time loop {loop} ({n**d} cells)")
        if peers and d < 3:
            import pde  # the bench extra: only the peers' rows need it

            _measure(
                rep,
                "NumPy np.roll",
                np.__version__,
                partial(numpy_roll, d, n, steps),
                d,
                n,
                steps,
                k,
                hand,
            )
            step_rate = _measure(
                rep,
                "py-pde stepper (stepping only)",
                pde.__version__,
                partial(pypde, d, n, steps, True),
                d,
                n,
                steps,
                k,
                hand,
            )
            _measure(
                rep,
                "py-pde PDE.solve()",
                pde.__version__,
                partial(pypde, d, n, steps, False),
                d,
                n,
                steps,
                k,
                hand,
            )
            if d == 2:  # the target; in 1-D the ratio is in the table
                rep.target("2-D: ours / py-pde stepping", our_rate / step_rate, 4.0)
        if d == 3:
            bw = bandwidth((1 << 20) if tiny else (1 << 28), k)["copy"]
            rep.notes.append(
                f"memory bandwidth (copy, {numba.get_num_threads()} threads, this "
                f"run): {bw:.3g} GB/s"
            )
            rep.target("3-D: ours (16 B/cup) / memory bandwidth", 16 * our_rate / 1e9 / bw, 0.5)
        reports.append(rep)
    return reports


if __name__ == "__main__":
    main(run, __doc__)
