"""Convergence studies of built-in cases (pdecheck.studies): each scheme's fitted order against
the order theory gives it, and the dispatch of ``pdecheck.convergence_study``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.studies import STUDY_METHODS, methods_for

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _study(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return pc.convergence_study(*args, **kw)


def test_explicit_heat_scheme_is_second_order_on_h2():
    """Explicit Euler in time with Δt ∝ h² (the stability bound) and the 3-point Laplacian:
    L1 error O(h²) (Richtmyer–Morton 2.6) against the exact cell averages of CATALOGUE H2."""
    study = _study("H2", "n", [64, 128, 256, 512], method="explicit")
    print(study.table())
    assert abs(study.observed_order - 2.0) < 0.15
    assert study.nominal == 2.0


@pytest.mark.parametrize(("case", "levels"), [("S2", [32, 64, 128, 256]), ("S4", [8, 16, 32, 64])])
def test_chang_cooper_scheme_is_second_order(case, levels):
    """Chang–Cooper fluxes are second order in h at bounded cell Péclet number
    (FOKKER-PLANCK.md §1); the study's time stepping keeps the time error O(h²): MPRK22
    (second order, Kopecz–Meister 2018; Strang-split in 2-D) with Δt ∝ h, in 1-D (S2) and
    2-D (S4). Nominal 2."""
    study = _study(case, "n", levels, method="chang-cooper")
    print(study.table())
    assert study.nominal == 2.0
    assert abs(study.observed_order - 2.0) < 0.15


def test_chang_cooper_with_implicit_euler_and_dt_proportional_to_h_is_first_order():
    """Implicit Euler with Δt ∝ h: the O(Δt) time error dominates the O(h²) spatial error
    once h is small (S3, where it does from the coarsest level): nominal 1."""
    study = _study("S3", "n", [32, 64, 128, 256], method="chang-cooper-ie")
    print(study.table())
    assert study.nominal == 1.0
    assert abs(study.observed_order - 1.0) < 0.15


def test_euler_ode_is_first_order_on_a4():
    """Forward Euler: global error O(h) (Hairer–Nørsett–Wanner II.3), measured against RK4 on a
    4x finer grid from the same initial points."""
    study = _study("A4", "dt", [1 / 4, 1 / 8, 1 / 16, 1 / 32], method="euler", n_particles=500)
    print(study.table())
    assert abs(study.observed_order - 1.0) < 0.15
    assert np.all(np.diff(study.errors) < 0)


def test_euler_maruyama_weak_order_one_on_h2():
    """Euler–Maruyama has weak order 1 (Kloeden–Platen 14.5); the coupled difference
    E|X_h|² − E|X_{h/2}|² inherits it. The order check with standard errors spends α = 0.05."""
    study = _study(
        "H2", "dt", [1 / 4, 1 / 8, 1 / 16, 1 / 32], method="euler_maruyama", n_particles=2000
    )
    print(study.table())
    assert study.standard_errors is not None
    assert study.passed is True
    assert abs(study.observed_order - 1.0) < 0.15


def test_ks_distance_decays_as_one_over_root_n():
    """√N·KS of exact samples tends to the Kolmogorov law, so KS = O(N^{-1/2}): nominal 1/2 in
    h = 1/N, with standard errors 0.2604/√N; the check spends α = 0.05 (fixed seed)."""
    study = _study("F3", "n_particles", [250, 1000, 4000, 16000], method="rk4")
    print(study.table())
    assert np.allclose(study.h, [1 / 250, 1 / 1000, 1 / 4000, 1 / 16000])
    assert study.passed is True
    lo, hi = study.ci
    assert lo < 0.5 < hi


def test_ks_study_of_a_periodic_case_compares_the_law_on_the_torus():
    """M1 lives on a periodic box: particles wrapped into it follow the exact marginal, so
    √N·KS stays Kolmogorov-distributed; P(K > 1.95) = 1e-3 is the false-alarm rate of the
    bound (unwrapped particles gave √N·KS ≈ 24)."""
    study = _study("M1", "n_particles", [250, 1000, 4000, 16000], method="weak2")
    print(study.table())
    assert np.all(study.errors * np.sqrt(study.values) < 1.95)


def test_callable_runner_keeps_the_convergence_signature():
    """An exact power law e = h² has order 2 to round-off."""
    study = pc.convergence_study(lambda n: (n**-2.0, 0.0), "n", [8, 16, 32, 64], nominal=2.0)
    assert abs(study.observed_order - 2.0) < 1e-9


def test_a_nominal_that_is_not_a_number_is_refused_before_any_solve():
    """nominal="2" for a case or a runner: TypeError naming nominal, before the warm-up run."""
    with pytest.raises(TypeError, match="nominal='2' must be a real number"):
        pc.convergence_study("H2", "n", [64, 128, 256, 512], method="explicit", nominal="2")
    with pytest.raises(TypeError, match="nominal='2'"):
        pc.convergence_study(lambda n: (n**-2.0, 0.0), "n", [8, 16, 32, 64], nominal="2")


@pytest.mark.parametrize(
    "parameter, method, values, words",
    [
        ("n", "crank-nicolson", [16.7, 33.3, 66.6], ["values=", "3 level(s)", "whole numbers"]),
        ("n", "crank-nicolson", [16, np.nan, 64], ["values=", "1 non-finite", "finite"]),
        ("n", "crank-nicolson", [0, 16, 32], ["values=", "must be > 0"]),
        ("n", "crank-nicolson", [16, 32], ["values=", "at least 3"]),
        ("n_particles", "euler_maruyama", [100.5, 200, 400], ["values=", "'n_particles'"]),
        ("dt", "euler_maruyama", [0.1, 0.05, -0.025], ["values=", "must be > 0"]),
    ],
)
def test_bad_values_are_refused_before_any_solve(monkeypatch, parameter, method, values, words):
    """n = 16.7 was solved on 16 cells and fitted at h = 1/16.7, and NaN or a missing level
    surfaced only after the warm-up solve: now ``values`` is checked first (no solver runs)."""

    def no_solve(*args, **kwargs):
        raise AssertionError("a solve ran before values were checked")

    for name in ("_grid_error", "_ks_error", "_sde_error"):
        monkeypatch.setattr(f"pdecheck.studies.{name}", no_solve)
    with pytest.raises(ValueError) as info:
        pc.convergence_study("H2", parameter, values, method=method)
    for word in words:
        assert word in str(info.value)


def test_whole_float_levels_are_counts():
    """32.0 cells is a count like 32: accepted, and h = 1/n as for integers."""
    study = _study("H2", "n", [16.0, 32.0, 64.0], method="crank-nicolson")
    assert np.allclose(study.h * study.values, 1.0)


def test_methods_follow_the_equation():
    assert methods_for("H2") == ["crank-nicolson", "explicit", "euler_maruyama", "weak2"]
    assert "muscl" in methods_for("A4") and "rk4" in methods_for("A4")
    assert "weak2" not in methods_for("A4")
    assert all(STUDY_METHODS[m].kind != "grid" for m in methods_for("L5"))


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"method": "muscl", "parameter": "n"}, ["method='muscl'", "H2", "crank-nicolson"]),
        ({"method": "explicit", "parameter": "dt"}, ["parameter='dt'", "'n'"]),
    ],
)
def test_bad_method_or_parameter_names_the_rule(kwargs, words):
    with pytest.raises(ValueError) as info:
        pc.convergence_study("H2", values=[8, 16, 32], **kwargs)
    for word in words:
        assert word in str(info.value)


def test_unknown_case_lists_known_ids():
    with pytest.raises(KeyError, match="A5"):
        pc.convergence_study("Z9", "n", [8, 16, 32])


def test_method_with_a_runner_is_an_error():
    with pytest.raises(ValueError, match="method='rk4'"):
        pc.convergence_study(lambda v: (1.0 / v, 0.0), "n", [8, 16, 32], method="rk4")


def test_study_window_keeps_broadening_paths_and_cuts_paths_into_points():
    """H2 (heat flow: p_t widens) is studied over its whole span; A6 (Lipman OT path into
    data with σ_min = 0.1) narrows towards t = 0, so its window ends early, at a time where
    the 16- and 32-cell averages of p_t differ by at most twice their gap at the start."""
    from pdecheck import grid as g
    from pdecheck.studies import _problem
    from pdecheck.study_window import RESOLVE_CELLS, prolong, study_box, study_span

    h2 = _problem("H2")
    assert study_span(h2, "grid")[:2] == h2.t_span
    a6 = _problem("A6")
    t_a, t_b, start = study_span(a6, "grid")
    assert t_a == a6.t_span[0] and abs(t_b - t_a) < abs(a6.t_span[1] - t_a)

    def gap(t):
        end = a6.marginal(t)
        box = study_box(a6, start, end)
        fine = g.Grid(*box, 2 * RESOLVE_CELLS)
        coarse = g.Grid(*box, RESOLVE_CELLS).cell_averages(end)
        return np.sum(np.abs(prolong(coarse) - fine.cell_averages(end))) * fine.cell_volume

    assert gap(t_b) <= max(0.05, 2 * gap(t_a))
    assert gap(a6.t_span[1]) > 2 * gap(t_a)  # the full span would not be resolved
