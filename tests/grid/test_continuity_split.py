"""Continuity solver: the axis-split one-step scheme in 2-D, steady fields, dim-0 fields."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pdecheck.densities import Gaussian
from pdecheck.fields import field_kernel
from pdecheck.grid import Grid, solve_continuity
from pdecheck.sde import OU
from tests.grid.test_continuity import registry_order


def test_order_rotation_l2_lw_tvd_split():
    """CATALOGUE L2 (rotation of a two-Gaussian mixture, one radian) with the one-step scheme
    split by axes: each sub-step is the 1-D LW-TVD step (second order), and reversing the
    axis order every other step makes the splitting error second order too (Strang 1968), so
    the slope is 2 (n = 32 … 256). Lie splitting without the reversal would leave an O(Δt)
    splitting error, and the unsplit update an O(Δt) mixed term."""
    order, errors = registry_order("L2", "lw-tvd", [32, 64, 128, 256], 0.5)
    print(errors, order)
    assert abs(order - 2.0) <= 0.15


def rotation_blob(n: int) -> tuple[Grid, np.ndarray, float]:
    """TRANSPORT.md §2: [−1, 1]², the blob exp(−((x − ½)² + y²)/0.15²) at cell centres, and
    dt = 1/⌈4πn⌉ (max |C_x| + |C_y| = ½)."""
    g = Grid([-1.0, -1.0], [1.0, 1.0], n)
    x, y = np.meshgrid(*g.centers, indexing="ij")
    return g, np.exp(-((x - 0.5) ** 2 + y**2) / 0.15**2), 1.0 / math.ceil(4 * math.pi * n)


@field_kernel(dim=2, steady=True)
def rotation(t, x, params, out):
    out[0] = -2 * np.pi * x[1]
    out[1] = 2 * np.pi * x[0]


def test_lw_tvd_rotation_beats_mpdata_basic_reference_accuracy():
    """One revolution at 128² (TRANSPORT.md §2 set-up, zero-flux walls): the split one-step
    scheme must beat MPDATA basic's 1.12e-2 measured there (absolute L1 against p0, which is
    the exact answer), conserve mass and stay >= 0."""
    g, p0, dt = rotation_blob(128)
    mass = g.mass(p0)
    sol = solve_continuity(rotation, p0 / mass, g, (0.0, 1.0), dt=dt, scheme="lw-tvd")
    error = float(np.abs(sol.density[-1] * mass - p0).sum() * g.cell_volume)
    print(error)
    assert error < 1.12e-2
    assert sol.diagnostics.steps == math.ceil(4 * math.pi * 128)
    assert sol.diagnostics.max_mass_drift <= 1e-12 and sol.density.min() >= 0.0


def test_lw_tvd_box_beats_mpdata_basic_reference_accuracy():
    """TRANSPORT.md §1 box 1[¼, ½] (edges on faces), n = 1024, C = ½, one period: below MPDATA
    basic's 1.09e-2 (absolute L1), with min p >= 0 exactly."""
    n = 1024
    g = Grid(0.0, 1.0, n)
    x = g.centers[0]
    p0 = ((x > 0.25) & (x < 0.5)).astype(float)
    sol = solve_continuity(
        lambda t, x: np.ones_like(x), p0 / g.mass(p0), g, (0.0, 1.0), scheme="lw-tvd",
        boundary="periodic", dt=0.5 / n,
    )  # fmt: skip
    error = float(np.abs(sol.density[-1] * g.mass(p0) - p0).sum() / n)
    print(error)
    assert error < 1.09e-2 and sol.density.min() >= 0.0


class Counted:
    """A NumPy field that counts its calls; ``steady`` declares it independent of t."""

    def __init__(self, steady: bool) -> None:
        self.steady = steady
        self.calls = 0

    def __call__(self, t, x):
        self.calls += 1
        return np.stack([-x[:, 1] + 0.3 * x[:, 0], x[:, 0]], axis=1)


@pytest.mark.parametrize("scheme", ["muscl", "lw-tvd"])
def test_steady_field_is_sampled_once_with_the_same_answer(scheme):
    """A steady field is evaluated once per axis for the whole solve (not at every stage of
    every step), and the answer is bit-for-bit the one of sampling it at every stage: the
    values are the same, only the calls are saved. Compiled fields declare it through
    ``field_kernel(steady=True)``: same bits as the NumPy path's to round-off."""
    g = Grid([-2.5, -2.5], [2.5, 2.5], 24)
    p0 = Gaussian([0.3, 0.0], 0.3)
    once, every = Counted(True), Counted(False)
    a = solve_continuity(once, p0, g, (0.0, 0.3), scheme=scheme)
    b = solve_continuity(every, p0, g, (0.0, 0.3), scheme=scheme)
    assert once.calls == 2 and every.calls >= 4 * a.diagnostics.steps  # ≥ 2 times per step
    np.testing.assert_array_equal(a.density, b.density)

    @field_kernel(dim=2, steady=True)
    def kernel(t, x, params, out):
        out[0] = -x[1] + 0.3 * x[0]
        out[1] = x[0]

    c = solve_continuity(kernel, p0, g, (0.0, 0.3), scheme=scheme)
    np.testing.assert_allclose(c.density, a.density, rtol=0, atol=1e-13)


def test_dim_zero_compiled_drift_matches_its_numpy_path():
    """A built-in SDE drift is a compiled field of dim 0 (any d): the grid samples it in 2-D,
    and the answer equals the NumPy path's (the same drift called as f(t, x))."""
    drift = OU(1.0, 1.0).drift
    g = Grid([-4.0, -4.0], [4.0, 4.0], 32)
    p0 = Gaussian([0.5, -0.5], 0.4)
    fast = solve_continuity(drift, p0, g, (0.0, 0.5))
    slow = solve_continuity(lambda t, x: drift(t, x), p0, g, (0.0, 0.5))
    assert fast.diagnostics.steps == slow.diagnostics.steps
    np.testing.assert_allclose(fast.density, slow.density, rtol=0, atol=1e-13)


def test_split_scheme_positive_and_conservative_for_a_compressible_flow():
    """f = (−y + x/2, x − y/2)·(1 + sin t)/2 compresses along one diagonal and stretches along
    the other (∇·f = 0 but ∂_x f_x ≠ 0: each split sub-step compresses), time-dependent, zero
    flux walls, 2-D, dt=None: min p >= 0 exactly, nothing flushed, |Δm|/m <= 1e-12."""

    def field(t, x):
        s = 0.5 * (1 + np.sin(t))
        return s * np.stack([-x[:, 1] + 0.5 * x[:, 0], x[:, 0] - 0.5 * x[:, 1]], axis=1)

    g = Grid([-2.0, -2.0], [2.0, 2.0], 40)
    sol = solve_continuity(field, Gaussian([0.0, 0.0], 0.3), g, (0.0, 2.0), scheme="lw-tvd")
    d = sol.diagnostics
    assert sol.density.min() >= 0.0 and d.min_density >= 0.0 and d.flushed_mass == 0.0
    assert d.max_mass_drift <= 1e-12 and d.steps > 100
