"""The fused explicit heat loop (``pdecheck.grid._kernels_heat`` behind
``solve_heat(method="explicit")``): agreement with a step-by-step NumPy stencil, exact
positivity and mass to round-off, second order on CATALOGUE M1, D_t tabulated at step starts,
the stability limit and the reported diagnostics."""

from __future__ import annotations

import numpy as np
import pytest

from pdecheck.grid import Grid, solve_heat
from pdecheck.grid import _kernels_heat as kh


def numpy_steps(p: np.ndarray, c: list[float], periodic: list[bool], steps: int) -> np.ndarray:
    """Forward Euler on the finite-volume Laplacian, one ``np.roll`` / edge-padded stencil per
    axis and step: p += Σ_k c_k (p_{i−e_k} + p_{i+e_k} − 2 p_i), the neighbour beyond a
    zero-flux wall being the wall cell itself (no flux through the wall face)."""
    for _ in range(steps):
        new = p.copy()
        for k, ck in enumerate(c):
            if periodic[k]:
                below, above = np.roll(p, 1, k), np.roll(p, -1, k)
            else:
                padded = np.pad(p, [(1, 1) if j == k else (0, 0) for j in range(p.ndim)], "edge")
                below = np.take(padded, range(0, p.shape[k]), axis=k)
                above = np.take(padded, range(2, p.shape[k] + 2), axis=k)
            new += ck * (below + above - 2 * p)
        p = new
    return p


def random_density(grid: Grid, rng: np.random.Generator) -> np.ndarray:
    p = rng.uniform(0.0, 1.0, grid.shape)
    return p / grid.mass(p)


CASES = [
    ([9], "periodic"),
    ([9], "zero-flux"),
    ([7, 10], "periodic"),
    ([7, 10], "zero-flux"),
    ([7, 10], {0: "periodic", 1: "zero-flux"}),
    ([5, 6, 8], "periodic"),
    ([5, 6, 8], {0: "zero-flux", 1: "periodic", 2: "zero-flux"}),
]


@pytest.mark.parametrize(("n", "boundary"), CASES)
def test_fused_loop_equals_numpy_stencil(n, boundary, rng):
    """Every saved state equals the NumPy stencil after the same number of steps (both are
    the same scheme; the loop writes it as a convex combination, so they differ by
    round-off)."""
    d = len(n)
    grid = Grid([0.0] * d, [1.0 + 0.5 * k for k in range(d)], n)
    periodic = [
        (boundary if isinstance(boundary, str) else boundary[k]) == "periodic" for k in range(d)
    ]
    p0 = random_density(grid, rng)
    D = 0.7
    dt = 0.8 / (2 * D * np.sum(1 / grid.h**2))
    sol = solve_heat(
        D, p0, grid, (0.0, 12 * dt), method="explicit", dt=dt, boundary=boundary,
        save_at=[5 * dt, 9 * dt],
    )  # fmt: skip
    c = [D * dt / h**2 for h in grid.h]
    assert sol.diagnostics.steps == 12
    for steps, state in zip([0, 5, 9, 12], sol.density, strict=True):
        np.testing.assert_allclose(state, numpy_steps(p0, c, periodic, steps), rtol=0, atol=1e-14)


@pytest.mark.parametrize("shape", [(1, 1, 300), (1, 40, 30), (40, 1, 30), (12, 10, 9), (35, 6, 7)])
@pytest.mark.parametrize("periodic0", [True, False])
def test_parallel_loop_equals_serial_loop_bit_for_bit(shape, periodic0, rng):
    """Splitting the lines into chunks, and (35 or 40 planes) taking two steps per pass
    through a ring of planes, changes no cell's arithmetic. Steps 0–1 and 4–5 are pairs
    there; (40, 1, 30) is a 2-D grid seen as planes of one line."""
    p = rng.uniform(0.0, 1.0, shape)
    coef = np.where(np.array(shape) > 1, 0.1, 0.0) * np.linspace(1.0, 1.5, 7)[:, None]
    periodic = np.array([periodic0, False, True])
    ends = np.array([2, 6])
    out = []
    for kernel in (kh.march_serial, kh.march_parallel):
        saved, stats = np.zeros((3, *shape)), np.zeros(kh.STATS)
        kernel(p.copy(), np.empty(shape), coef, periodic, ends, saved, 2, stats)
        out.append(saved)
        assert stats[kh.CHECKS] == 5  # steps 1, 2 (save), 3, 5, 6 (save, last)
    np.testing.assert_array_equal(out[0], out[1])


GRIDS = [(0.0, 1.0, 64), ([0.0, 0.0], [1.0, 2.0], [12, 16]), ([0.0] * 3, [1.0] * 3, 6)]


def indicator_run(lower, upper, n, boundary, fraction):
    """10^4 steps of Δt = fraction × the limit from a box indicator (zeros and a jump)."""
    grid = Grid(lower, upper, n)
    p0 = np.zeros(grid.shape)
    p0[tuple(slice(0, max(1, s // 3)) for s in grid.shape)] = 1.0
    p0 /= grid.mass(p0)
    dt = fraction / (2 * 0.3 * np.sum(1 / grid.h**2))
    sol = solve_heat(
        0.3, p0, grid, (0.0, 10_000 * dt), method="explicit", dt=dt, boundary=boundary,
        save_at=np.linspace(0, 10_000 * dt, 11),
    )  # fmt: skip
    assert sol.diagnostics.steps == 10_000 and not sol.diagnostics.flags
    return sol


@pytest.mark.parametrize(("lower", "upper", "n"), GRIDS)
@pytest.mark.parametrize("boundary", ["zero-flux", "periodic"])
def test_mass_and_positivity_over_ten_thousand_default_steps(lower, upper, n, boundary):
    """At the default step (0.9 of the limit): |Δmass| / mass ≤ 1e-12 over 10^4 steps, and
    min p ≥ 0 exactly at every check and save (issue 4 items 3, 4)."""
    sol = indicator_run(lower, upper, n, boundary, 0.9)
    assert sol.diagnostics.max_mass_drift <= 1e-12
    assert np.max(np.abs(sol.mass() - 1.0)) <= 1e-12
    assert sol.diagnostics.min_density >= 0.0 and sol.density.min() >= 0.0


@pytest.mark.parametrize(("lower", "upper", "n"), GRIDS)
@pytest.mark.parametrize("boundary", ["zero-flux", "periodic"])
def test_positivity_exact_and_mass_within_round_off_at_the_limit(lower, upper, n, boundary):
    """Δt exactly at the limit (centre weight 0): min p ≥ 0 still holds exactly. The mass
    moves by round-off only: each new cell value is a sum of non-negative terms made with at
    most 7 roundings (3-D), so a step changes Σp by at most 7·2^-53 Σp; here the highest
    mode does not decay, the state repeats every two steps and so can its round-off, so the
    bound is the sum over the steps (grids were seen at 1.7e-12 after 10^4 steps)."""
    sol = indicator_run(lower, upper, n, boundary, 1.0)
    assert sol.diagnostics.max_mass_drift <= 10_000 * 7 * 2.0**-53
    assert sol.diagnostics.min_density >= 0.0 and sol.density.min() >= 0.0


def m1_averages(grid: Grid, k: int, eps: float, s: float) -> np.ndarray:
    """CATALOGUE M1 on [0, 2π): exact cell averages of (1 + ε e^{−k² S} cos kx) / 2π, S = ∫D."""
    e = grid.edges[0]
    return (grid.h[0] + eps * np.exp(-k * k * s) * np.diff(np.sin(k * e)) / k) / (
        2 * np.pi * grid.h[0]
    )


@pytest.mark.parametrize(
    ("D", "S"), [(0.5, lambda t: 0.5 * t), (lambda t: 1 + t, lambda t: t + t * t / 2)]
)
def test_second_order_on_m1_with_dt_proportional_to_h_squared(D, S):
    """CATALOGUE M1 with dt = None (0.9 of the limit, Δt ∝ h²): the error is O(h²) from the
    Laplacian plus O(Δt) = O(h²) from forward Euler (with D_t tabulated at the step starts,
    also O(Δt)), so the L1 slope over 4 halvings is 2."""
    ns, errors = [16, 32, 64, 128], []
    for n in ns:
        grid = Grid(0.0, 2 * np.pi, n)
        sol = solve_heat(
            D, m1_averages(grid, 2, 0.8, 0.0), grid, (0.0, 0.5), method="explicit",
            boundary="periodic",
        )  # fmt: skip
        errors.append(np.abs(sol.density[-1] - m1_averages(grid, 2, 0.8, S(0.5))).sum() * grid.h[0])
    fitted = -np.polyfit(np.log(ns), np.log(errors), 1)[0]
    print(f"M1 explicit L1 errors {errors}, slope {fitted:.3f}")
    assert abs(fitted - 2.0) <= 0.15


def test_varying_d_is_tabulated_at_step_starts(rng):
    """D_t = 1 + 3t: step j uses D(t_j) at its start, as a stepwise NumPy reference does."""
    grid = Grid(0.0, 1.0, 20)
    p0 = random_density(grid, rng)
    dt = 2e-4
    sol = solve_heat(lambda t: 1 + 3 * t, p0, grid, (0.0, 30 * dt), method="explicit", dt=dt)
    p = p0
    for j in range(30):
        p = numpy_steps(p, [(1 + 3 * j * dt) * dt / grid.h[0] ** 2], [False], 1)
    np.testing.assert_allclose(sol.density[-1], p, rtol=0, atol=1e-14)


def test_default_step_is_reported_and_lands_on_saved_times():
    """dt=None: 0.9 of the limit h²/(2D), reported with the limit and the Courant number;
    every saved time is reached exactly (the last step of an interval is shortened)."""
    grid = Grid(0.0, 1.0, 50)
    limit = grid.h[0] ** 2 / 2
    p0 = np.ones(50)
    sol = solve_heat(1.0, p0, grid, (0.0, 0.01), method="explicit", save_at=[0.0031])
    diag = sol.diagnostics
    assert diag.dt_max == pytest.approx(0.9 * limit, rel=1e-14)
    assert diag.dt_limit == pytest.approx(limit, rel=1e-14)
    assert diag.cfl_max == pytest.approx(0.9, rel=1e-14)
    first = int(np.ceil(0.0031 / (0.9 * limit)))
    assert diag.steps == first + int(np.ceil((0.01 - 0.0031) / (0.9 * limit)))
    np.testing.assert_array_equal(sol.times, [0.0, 0.0031, 0.01])
    assert diag.wall_time > 0 and diag.compile_time >= 0
    np.testing.assert_allclose(sol.density, 1.0, rtol=0, atol=1e-15)  # constant is steady


def test_stability_limit_of_varying_d_raises_at_the_time_it_is_broken():
    """D_t = 1 + 10t grows past what a fixed dt allows: the error names dt, the limit and t."""
    grid = Grid(0.0, 1.0, 10)
    dt = 0.4 * grid.h[0] ** 2  # stable while D ≤ 1.25: the step starting at t = 0.028 is not
    broken = r"dt=0\.004\d* exceeds the stability limit 0\.00390625 .* at t=0\.028"
    with pytest.raises(ValueError, match=broken):
        solve_heat(lambda t: 1 + 10 * t, np.ones(10), grid, (0, 0.1), method="explicit", dt=dt)
    with pytest.raises(ValueError, match=r"diffusion D at t=0\.0 is -1\.0"):
        solve_heat(lambda t: -1.0, np.ones(10), grid, (0, 0.1), method="explicit")


def test_a_remainder_just_beyond_the_limit_is_halved_not_left_as_a_sliver():
    """dt at the limit and t1 = 7 dt (1 + 1e-9): six steps of dt and the remainder
    dt (1 + 7e-9), which would break the limit, in two halves (no step beyond it, none tiny)."""
    grid = Grid(0.0, 1.0, 10)
    limit = grid.h[0] ** 2 / 2
    p0 = np.zeros(10)
    p0[0] = 10.0
    sol = solve_heat(1.0, p0, grid, (0.0, 7 * limit * (1 + 1e-9)), method="explicit", dt=limit)
    diag = sol.diagnostics
    assert diag.steps == 8
    assert diag.dt_max <= limit and diag.dt_min == pytest.approx(0.5 * limit, rel=1e-7)
    assert sol.density.min() >= 0.0


def test_large_grid_takes_the_parallel_loop_and_agrees_with_the_stencil(rng):
    """Above PARALLEL_CELLS cells the 2-D rows run as planes under prange, two steps per
    pass; the result is the same scheme (zero-flux on axis 0, periodic on axis 1)."""
    from pdecheck.grid._drift_diffusion import PARALLEL_CELLS

    grid = Grid([0.0, 0.0], [1.0, 1.0], [400, 260])
    assert grid.size > PARALLEL_CELLS
    p0 = random_density(grid, rng)
    dt = 0.9 / (2 * np.sum(1 / grid.h**2))
    boundary = {0: "zero-flux", 1: "periodic"}
    sol = solve_heat(1.0, p0, grid, (0.0, 6 * dt), method="explicit", dt=dt, boundary=boundary)
    expected = numpy_steps(p0, [dt / h**2 for h in grid.h], [False, True], 6)
    np.testing.assert_allclose(sol.density[-1], expected, rtol=0, atol=1e-14)
    assert sol.diagnostics.max_mass_drift <= 1e-14 and sol.density.min() >= 0


def test_two_steps_per_pass_in_3d_agrees_with_the_stencil(rng):
    """A 3-D grid above PARALLEL_CELLS with ≥ 32 planes: pairs of steps run in one pass (an
    odd count and a save in between leave single steps too); zero-flux on axis 0."""
    grid = Grid([0.0] * 3, [1.0, 1.0, 2.0], [34, 56, 60])
    p0 = random_density(grid, rng)
    dt = 0.95 / (2 * np.sum(1 / grid.h**2))
    boundary = {0: "zero-flux", 1: "periodic", 2: ("zero-flux", "zero-flux")}
    sol = solve_heat(
        1.0, p0, grid, (0.0, 7 * dt), method="explicit", dt=dt, boundary=boundary,
        save_at=[3 * dt],
    )  # fmt: skip
    c = [dt / h**2 for h in grid.h]
    for steps, state in zip([3, 7], sol.density[1:], strict=True):
        expected = numpy_steps(p0, c, [False, True, False], steps)
        np.testing.assert_allclose(state, expected, rtol=0, atol=1e-14)
    assert sol.diagnostics.max_mass_drift <= 1e-14 and sol.density.min() >= 0
