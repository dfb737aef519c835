"""Finite-volume transport ∂_t p = −∇·(f p): orders, mass, positivity, paths, bad input."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from scipy.special import erf

from pdecheck.densities import Gaussian, Uniform
from pdecheck.fields import field_kernel
from pdecheck.grid import Grid, solve_continuity

WIDTH = 0.1


def bump_averages(grid: Grid, shift: float) -> np.ndarray:
    """Exact cell averages of the periodic bump exp(−((x − 0.5 − shift)/0.1)²) on [0, 1)
    (normalised), from the erf antiderivative summed over the neighbouring periods."""
    e = grid.edges[0]
    total = 0.0
    for image in (-1, 0, 1):
        c = 0.5 + shift + image
        total = total + 0.5 * WIDTH * np.sqrt(np.pi) * erf((e - c) / WIDTH)
    avg = np.diff(total) / grid.h[0]
    return avg / (WIDTH * np.sqrt(np.pi))


def unit_velocity(t, x):
    return np.ones_like(x)


def slope(ns, errors):
    return -np.polyfit(np.log(ns), np.log(errors), 1)[0]


@pytest.mark.parametrize(
    ("scheme", "nominal", "ns", "t_end"),
    [
        ("upwind", 1.0, [400, 800, 1600, 3200], 0.05),
        ("muscl", 2.0, [50, 100, 200, 400], 0.25),
        ("lw-tvd", 2.0, [100, 200, 400, 800], 0.25),
    ],
)
def test_observed_order_smooth_advection(scheme, nominal, ns, t_end):
    """Periodic advection at speed 1. Upwind: truncation error ½|u|h(1 − C)p'' → order 1
    (short time so the smeared profile stays in the asymptotic range). MUSCL + SSP-RK3 and
    one-step LW-TVD: second order where the limiter is inactive, so the L1 error is measured
    away from the extremum (|x − peak| > 0.15; the far minimum is ~1e-11)."""
    errors = []
    for n in ns:
        g = Grid(0.0, 1.0, n)
        p0 = bump_averages(g, 0.0)
        sol = solve_continuity(
            unit_velocity, p0, g, (0.0, t_end), scheme=scheme, boundary="periodic", cfl=0.4
        )
        exact = bump_averages(g, t_end)
        x = g.centers[0]
        keep = (
            np.abs((x - 0.5 - t_end + 0.5) % 1.0 - 0.5) > 0.15
            if scheme != "upwind"
            else np.ones(n, bool)
        )
        errors.append(np.abs(sol.density[-1] - exact)[keep].sum() * g.h[0])
    order = slope(ns, errors)
    print(scheme, errors, order)
    assert abs(order - nominal) <= 0.15


def test_lw_tvd_beats_mpdata_basic_reference_accuracy():
    """One period at C = 0.5, n = 1024 (TRANSPORT.md §1 set-up): the high-resolution scheme
    must beat MPDATA basic's 7.0e-5 (measured there with the same exact solution)."""
    g = Grid(0.0, 1.0, 1024)
    x = g.centers[0]
    p0 = np.exp(-(((x - 0.5) / WIDTH) ** 2))
    p0 /= g.mass(p0)
    sol = solve_continuity(
        unit_velocity, p0, g, (0.0, 1.0), scheme="lw-tvd", boundary="periodic", cfl=0.5
    )
    error = np.abs(sol.density[-1] - p0).sum() * g.h[0] * WIDTH * np.sqrt(np.pi)
    assert error < 7.0e-5
    assert sol.diagnostics.steps == 2048


@pytest.mark.parametrize("boundary", ["zero-flux", "periodic"])
def test_mass_conserved_over_ten_thousand_steps(boundary):
    """Telescoping fluxes: |Δm|/m ≤ 1e-12 after 10^4 SSP-RK3 steps (round-off random walk
    ~ √(3·10^4)·1e-16 ≈ 2e-14)."""
    g = Grid(-1.5, 1.5, 60)
    field = lambda t, x: np.sin(3 * x + t)  # noqa: E731
    sol = solve_continuity(
        field, Gaussian(0.0, 0.2), g, (0.0, 2.0), dt=2e-4, cfl=0.5, boundary=boundary
    )
    d = sol.diagnostics
    assert d.steps == 10_000
    assert d.max_mass_drift <= 1e-12
    assert sol.density.min() >= 0


def test_outflow_balance_closes():
    """Drift to the right through an outflow wall: mass inside + outflow = 1 to 1e-12, and the
    outflow equals the exact mass that crossed x = 1 (Gaussian CDF) to the scheme's error."""
    g = Grid(-1.5, 1.0, 250)
    sol = solve_continuity(
        unit_velocity, Gaussian(0.0, 0.15), g, (0.0, 1.0), boundary="outflow", scheme="muscl"
    )
    d = sol.diagnostics
    assert d.max_mass_drift <= 1e-12
    assert abs(sol.mass()[-1] + d.outflow.sum() - sol.mass()[0]) <= 1e-12
    assert d.outflow[0, 0] == 0.0
    assert abs(d.outflow[0, 1] - 0.5) < 5e-3  # exact: P(X + 1 > 1) = ½


def a5_cell_averages(grid: Grid, t: float) -> np.ndarray:
    """CATALOGUE A5: F_t(x) = Σ w_i clip((x − (1 − t) x_i)/(2t), 0, 1) differenced over cells."""
    pts, w = np.array([0.5, 1.2, 1.7]), np.array([0.5, 0.25, 0.25])
    e = grid.edges[0][:, None]
    cdf = (w * np.clip((e - (1 - t) * pts) / (2 * t), 0, 1)).sum(axis=1)
    return np.diff(cdf) / grid.h[0]


def a5_field(t, x):
    """f_t(x) = (x − x̄_A)/t, x̄_A the weighted mean of the data whose box I_i(t) holds x; in a
    support gap (no box) p = 0 and any finite value will do: the mean of all points."""
    pts, w = np.array([0.5, 1.2, 1.7]), np.array([0.5, 0.25, 0.25])
    inside = (x >= (1 - t) * pts) & (x <= (1 - t) * pts + 2 * t)
    weight = inside * w
    total = weight.sum(axis=1, keepdims=True)
    mean = np.where(
        total > 0, (weight * pts).sum(axis=1, keepdims=True) / np.where(total > 0, total, 1), 0.975
    )
    return (x - mean) / t


@pytest.mark.parametrize("scheme", ["upwind", "muscl", "lw-tvd"])
def test_a5_uniform_prior_backward_positive_and_converging(scheme):
    """A5 run backward from p_1 = U[0, 2] to t = 0.05: min p ≥ 0 exactly at every saved time,
    mass conserved, and the L1 error against the exact cell averages shrinks with h."""
    errors = []
    for n in (100, 400):
        g = Grid(0.0, 2.0, n)
        sol = solve_continuity(
            a5_field, Uniform(0.0, 2.0), g, (1.0, 0.05), scheme=scheme, save_at=[0.5, 0.2]
        )
        assert sol.density.min() >= 0.0
        assert sol.diagnostics.max_mass_drift <= 1e-12
        assert sol.diagnostics.flushed_mass == 0.0
        errors.append(np.abs(sol.at(0.05) - a5_cell_averages(g, 0.05)).sum() * g.h[0])
        np.testing.assert_allclose(sol.times, [1.0, 0.5, 0.2, 0.05])
    assert errors[1] < 0.6 * errors[0]


@field_kernel(dim=2)
def rotation_kernel(t, x, params, out):
    out[0] = -2 * np.pi * x[1]
    out[1] = 2 * np.pi * x[0]


def rotation_numpy(t, x):
    return 2 * np.pi * np.stack([-x[:, 1], x[:, 0]], axis=1)


def rotation_error(n: int, field) -> tuple[float, np.ndarray]:
    """CATALOGUE L2, a quarter turn: the square box maps onto itself, so the exact cell
    averages are those of the rotated Gaussian (normalised like p0: the box truncates 1e-8)."""
    g = Grid([-2, -2], [2, 2], n)
    p0 = g.cell_averages(Gaussian([0.6, 0.0], 0.25))
    sol = solve_continuity(field, p0, g, (0.0, 0.25), normalize=True)
    exact = g.cell_averages(Gaussian([0.0, 0.6], 0.25))
    exact /= g.mass(exact)
    assert sol.density.min() >= 0 and sol.diagnostics.max_mass_drift <= 1e-12
    return float(np.abs(sol.density[-1] - exact).sum() * g.cell_volume), sol.density


def test_rotation_l2_fast_and_slow_paths_agree():
    """Compiled kernel and NumPy field give the same answer to round-off."""
    _, fast = rotation_error(40, rotation_kernel)
    _, slow = rotation_error(40, rotation_numpy)
    np.testing.assert_allclose(fast, slow, atol=1e-13)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_3d_sweep_equals_1d_solution_along_each_axis(axis):
    """A 3-D run with velocity along one axis and separable data equals the 1-D run on that
    axis times the other marginals, to round-off: the 3-D traversal of every axis is the
    1-D scheme (one flux formula for every dimension)."""
    shape = [10, 12, 14]
    grid3 = Grid([0, 0, 0], [1, 1, 1], shape)
    marginals = [np.linspace(1, 2, n) for n in shape]
    marginals = [m / (m.sum() / n) for m, n in zip(marginals, shape, strict=True)]
    p0 = np.einsum("i,j,k->ijk", *marginals)

    def field(t, x):
        out = np.zeros_like(x)
        out[:, axis] = np.sin(2 * np.pi * x[:, axis]) + t
        return out

    def field1(t, x):
        return np.sin(2 * np.pi * x) + t

    sol3 = solve_continuity(field, p0, grid3, (0.0, 0.3), boundary="outflow", dt=0.01)
    grid1 = Grid(0.0, 1.0, shape[axis])
    sol1 = solve_continuity(field1, marginals[axis], grid1, (0.0, 0.3), boundary="outflow", dt=0.01)
    others = [marginals[k] if k != axis else sol1.density[-1] for k in range(3)]
    np.testing.assert_allclose(
        sol3.density[-1], np.einsum("i,j,k->ijk", *others), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        sol3.diagnostics.outflow[axis], sol1.diagnostics.outflow[0], rtol=1e-12
    )


def test_fixed_dt_beyond_limit_raises_with_limit():
    g = Grid(0.0, 1.0, 50)
    with pytest.raises(ValueError, match=r"exceeds the stability limit 0\.01 "):
        solve_continuity(unit_velocity, Uniform(0.2, 0.4), g, (0, 1), dt=0.02, boundary="periodic")
    sol = solve_continuity(unit_velocity, Uniform(0.2, 0.4), g, (0, 0.1), boundary="periodic")
    assert (
        sol.diagnostics.dt_limit == pytest.approx(0.01) and sol.diagnostics.cfl_max <= 0.5 + 1e-12
    )


def test_bad_input_messages():
    g = Grid(0.0, 1.0, 20)
    good = np.ones(20)
    with pytest.raises(ValueError, match=r"mass .* outside"):
        solve_continuity(unit_velocity, Gaussian(0.5, 0.5), g, (0, 1))
    with pytest.raises(ValueError, match="negative cell average"):
        solve_continuity(unit_velocity, good - 2 * (np.arange(20) == 3), g, (0, 1))
    with pytest.raises(ValueError, match=r"mass 2\.0.*normalize=True"):
        solve_continuity(unit_velocity, 2 * good, g, (0, 1))
    assert solve_continuity(unit_velocity, 2 * good, g, (0, 0.1), normalize=True).mass()[
        0
    ] == pytest.approx(1)
    with pytest.raises(ValueError, match="empty"):
        solve_continuity(unit_velocity, good, g, (0.3, 0.3))
    with pytest.raises(ValueError, match=r"dt=-0\.1 must be a positive"):
        solve_continuity(unit_velocity, good, g, (0, 1), dt=-0.1)
    with pytest.raises(ValueError, match=r"shape \(19,\)"):
        solve_continuity(unit_velocity, np.ones(19), g, (0, 1))
    with pytest.raises(ValueError, match="limiter='superbee' is not known"):
        solve_continuity(unit_velocity, good, g, (0, 1), limiter="superbee")
    with pytest.raises(ValueError, match="limiter='superbee' is not known"):  # upwind ignores it
        solve_continuity(unit_velocity, good, g, (0, 1), scheme="upwind", limiter="superbee")
    with pytest.raises(ValueError, match=r"cfl='half' must be a real number"):
        solve_continuity(unit_velocity, good, g, (0, 1), cfl="half")
    with pytest.raises(TypeError, match=r"must be callable as f\(t, x\)"):
        solve_continuity(lambda x: x, good, g, (0, 1))
    with pytest.raises(ValueError, match=r"field returned 'a' at t=0\.0; the rule is an array"):
        solve_continuity(lambda t, x: "a", good, g, (0, 1))
    with pytest.raises(ValueError, match="periodic on one side"):
        solve_continuity(unit_velocity, good, g, (0, 1), boundary={0: ("periodic", "outflow")})
    with pytest.raises(ValueError, match=r"scheme=\['upwind'\] is not known"):
        solve_continuity(unit_velocity, good, g, (0, 1), scheme=["upwind"])
    with pytest.raises(ValueError, match=r"stepper=\['ssprk2'\] is not known"):
        solve_continuity(unit_velocity, good, g, (0, 1), stepper=["ssprk2"])


def test_a_field_whose_courant_number_overflows_is_named_not_given_a_zero_limit():
    # |f| / h = 1e308 / 0.05 overflows to inf: no dt is stable, and the limit dt·C_max/C is 0
    g = Grid(0.0, 1.0, 20)

    def huge(t, x):
        return np.full_like(x, 1e308)

    with pytest.raises(ValueError, match=r"dt=0\.1: the Courant number of field overflows"):
        solve_continuity(huge, np.ones(20), g, (0, 1), dt=0.1)
    with pytest.raises(ValueError, match="too large for this grid there, or grows without bound"):
        solve_continuity(huge, np.ones(20), g, (0, 1))


def test_nan_from_field_names_the_time_on_both_paths():
    g = Grid(0.0, 1.0, 20)

    def numpy_field(t, x):
        return np.where(t > 0.05, np.nan, 1.0) * np.ones_like(x)

    with pytest.raises(ValueError, match=r"non-finite value\(s\) at t=0\.0[5-9]"):
        solve_continuity(numpy_field, np.ones(20), g, (0, 1), boundary="periodic")

    @field_kernel(dim=1)
    def compiled_field(t, x, params, out):
        out[0] = np.nan if t > 0.05 else 1.0

    with pytest.raises(ValueError, match=r"non-finite value\(s\) at t=0\.0[5-9]"):
        solve_continuity(compiled_field, np.ones(20), g, (0, 1), boundary="periodic")


def test_kernels_are_cached_on_disk():
    from pdecheck.grid import _kernels_flux as kf
    from pdecheck.grid import _kernels_march as km

    kernels = (kf.axis_flux, kf.axis_update, kf.combine_update, km.step, km.fill_stage, km.march)
    for kernel in kernels:
        assert isinstance(kernel, numba.core.registry.CPUDispatcher)
        assert kernel._cache.__class__.__name__ == "FunctionCache"


def registry_order(case: str, scheme: str, ns: list[int], t_end: float) -> tuple[float, list]:
    """L1 error against exact cell averages of the registry's marginal at ``t_end``, and the
    least-squares slope of log error over log n."""
    from pdecheck.cases import get

    problem = get(case).problem()
    errors = []
    for n in ns:
        g = Grid(*problem.domain, n)
        sol = solve_continuity(problem.drift, problem.initial, g, (0.0, t_end), scheme=scheme)
        exact = g.cell_averages(problem.marginal(t_end))
        errors.append(float(np.abs(sol.density[-1] - exact).sum() * g.cell_volume))
        assert sol.density.min() >= 0 and sol.diagnostics.max_mass_drift <= 1e-12
    return slope(ns, errors), errors


@pytest.mark.parametrize("scheme", ["muscl", "lw-tvd"])
def test_order_variable_velocity_l4_scaling(scheme):
    """CATALOGUE L4, f = a x/(1 + a t) with a = −0.8: p_t(x) = p_0(x/s_t)/s_t, s_t = 1 + a t, so
    the Gaussian N(0.5, 0.4²) is N(0.1, 0.08²) at t = 1. ∂_x f ≠ 0 everywhere: the face values
    of the left-moving half (f < 0) and, for the one-step scheme, the compression term
    −½Δt p ∂_x f of the half-step value are both needed for order 2 (without them: 1.0 and
    1.2). Error against exact cell averages over the whole line (the peak's limiter clipping
    is O(h³) in L1 here), n = 256 … 2048."""
    order, errors = registry_order("L4", scheme, [256, 512, 1024, 2048], 1.0)
    print(scheme, errors, order)
    assert abs(order - 2.0) <= 0.15


def test_order_rotation_l2_muscl():
    """CATALOGUE L2, rotation by ω = 2 of a two-Gaussian mixture (stds 0.3 and 0.2) for one
    radian: p_t(x) = p_0(R_{−ωt} x), exact cell averages by box probabilities. The velocity
    component normal to each face changes sign across the box, so half the faces take the
    right-cell reconstruction; MUSCL + SSP-RK3 is second order (n = 48 … 384)."""
    order, errors = registry_order("L2", "muscl", [48, 96, 192, 384], 0.5)
    print(errors, order)
    assert abs(order - 2.0) <= 0.15


def blowing_up(t, x):
    """Speed 1/(1.01 − t): it grows 100-fold over [0, 1], 5 % within the last step."""
    return np.full_like(x, 1.0 / (1.01 - t))


@pytest.mark.parametrize("compiled", [False, True])
def test_growing_field_rejects_steps_instead_of_breaching_the_bound(compiled):
    """dt=None with a field that grows within a step: a step whose stage Courant number
    exceeds ½ is rejected and retried, so the bound holds at every stage (no warning, exact
    positivity), and the rejections are counted. The exact mass crossing is the shift
    ∫ 1/(1.01 − t) dt = ln 101 of the box, periodic: mass stays 1."""
    import warnings

    from pdecheck.fields import field_kernel

    @field_kernel(dim=1)
    def kernel(t, x, params, out):
        out[0] = 1.0 / (1.01 - t)

    g = Grid(0.0, 1.0, 50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sol = solve_continuity(
            kernel if compiled else blowing_up, Uniform(0.2, 0.4), g, (0.0, 1.0),
            boundary="periodic",
        )  # fmt: skip
    d = sol.diagnostics
    assert d.rejected_steps > 0 and d.cfl_max <= 0.5 * (1 + 1e-9)
    assert sol.density.min() >= 0 and d.max_mass_drift <= 1e-12 and not d.flags
    print(d.rejected_steps, d.steps)


def test_compiled_and_numpy_paths_take_the_same_steps():
    """The compiled march and the Python loop share the step control: same step count and the
    same density to round-off, here with a time-dependent field and rejections."""
    from pdecheck.fields import field_kernel

    @field_kernel(dim=1)
    def kernel(t, x, params, out):
        out[0] = 1.0 / (1.01 - t)

    g = Grid(0.0, 1.0, 50)
    fast = solve_continuity(kernel, Uniform(0.2, 0.4), g, (0.0, 1.0), boundary="periodic")
    slow = solve_continuity(blowing_up, Uniform(0.2, 0.4), g, (0.0, 1.0), boundary="periodic")
    assert fast.diagnostics.steps == slow.diagnostics.steps
    np.testing.assert_allclose(fast.density, slow.density, atol=1e-12)


class AnyDimension:
    """A compiled field declared with dim 0 ("any dimension"), like pdecheck's SDE drifts."""

    def __init__(self, field):
        self.field = field

    def __call__(self, t, x):
        return self.field(t, x)

    def compiled(self):
        from pdecheck.fields import CompiledField

        cf = self.field.compiled()
        return CompiledField(cf.kernel, cf.params, 0)


def test_face_sampler_accepts_dim_zero_compiled_fields():
    _, declared = rotation_error(24, rotation_kernel)
    _, any_dim = rotation_error(24, AnyDimension(rotation_kernel))
    np.testing.assert_array_equal(declared, any_dim)


def test_compile_time_is_numba_time_not_wall_time():
    """A second identical solve compiles nothing: compile_time 0 (it counts Numba's compile
    and cache-load events, not the first step's wall time)."""
    g = Grid(0.0, 1.0, 32)
    solve_continuity(unit_velocity, Uniform(0.2, 0.4), g, (0, 0.1), boundary="periodic")
    again = solve_continuity(unit_velocity, Uniform(0.2, 0.4), g, (0, 0.1), boundary="periodic")
    assert again.diagnostics.compile_time == 0.0


def test_limiter_none_is_refused_with_the_alternatives():
    """A MUSCL face value without a limiter would be the first-order upwind one (slope 0), so
    the name would mislead: the error points to scheme='upwind' and the known limiters."""
    g = Grid(0.0, 1.0, 32)
    for scheme in ("muscl", "lw-tvd"):
        with pytest.raises(ValueError, match=r"limiter='none'.*scheme='upwind'.*minmod"):
            solve_continuity(unit_velocity, Uniform(0.2, 0.4), g, (0, 0.1), scheme=scheme,
                             limiter="none")  # fmt: skip
