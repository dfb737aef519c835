"""The Langevin cases' section of the report: measured bias against the exact one, the fast Gibbs
CDF against adaptive quadrature, the slope fit, the page and the index cell."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pdecheck import cases
from pdecheck.report import plan, run_report
from pdecheck.report.pages import stationary_cell
from pdecheck.report.stationary import _fast_gibbs, _slope, stationary_run

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SMALL = plan(quick=True).__class__(
    quick=True,
    schemes=("euler_maruyama",),
    grid_levels={1: (16, 32, 64, 128)},
    step_levels=(4, 8, 16, 32),
    n_particles=300,
    sample_levels=(),
    verify_n=300,
    verify_grid={1: 16},
    profile_grid={1: 32},
    profile_particles=500,
    stationary_chains=1000,
    stationary_steps=400,
)


def test_fast_gibbs_cdf_is_the_adaptive_quadrature_to_round_off():
    """The tabulated CDF (composite 16-point Gauss–Legendre) agrees with GibbsDensity's own
    adaptive quadrature (relative accuracy 1e-12), including outside the interval."""
    gibbs = cases.get("L7").problem().notes["stationary"]
    fast = _fast_gibbs(gibbs)
    x = np.array([-3.0, -2.5, -1.3, -0.2, 0.0, 0.7, 1.01, 2.2, 2.5, 4.0])
    lo = np.full(x.size, -np.inf)
    np.testing.assert_allclose(
        fast.box_probability(lo, x), gibbs.box_probability(lo, x), rtol=0, atol=1e-12
    )
    assert fast.box_probability(np.array([-1.0]), np.array([1.0]))[0] == pytest.approx(
        gibbs.box_probability(np.array([-1.0]), np.array([1.0]))[0], abs=1e-12
    )


def test_slope_uses_only_resolved_points():
    eps = [0.01, 0.02, 0.04, 0.08, 0.16]
    ks = [0.5 * e for e in eps]  # slope exactly 1
    floor = [0.05, 0.004, 0.004, 0.004, 0.004]  # the first point is below twice its floor
    assert _slope(eps, ks, floor) == pytest.approx(1.0, abs=1e-12)
    assert _slope(eps, ks, [1.0] * 5) is None  # nothing resolved: no slope


def test_l5_measured_bias_brackets_the_exact_bias():
    """ULA on N(0.5, 0.8²) has the exact stationary law N(m, s²/(1 − ε/4s²)) (CATALOGUE, seed
    §2), so KS(sampler, p) lies within the DKW noise floor of the exact KS bias (triangle
    inequality); MALA leaves p invariant, so its KS stays below the floor. Each floor is a
    DKW bound at the suite's α = 1e-3 per point (13 points: family-wise rate <= 1.3e-2)."""
    out = stationary_run(cases.get("L5"), SMALL)
    assert out["verify"]["passed"] and out["verify"]["bias_source"].startswith("exact")
    ula, mala = out["ladder"]["ULA"], out["ladder"]["MALA"]
    exact = np.interp(ula["eps"], out["exact"]["eps"], out["exact"]["ks"])
    for k, f, b in zip(ula["ks"], ula["floor"], exact, strict=True):
        assert abs(k - b) <= f
    assert all(k <= f for k, f in zip(mala["ks"], mala["floor"], strict=True))
    # the bias is first order in ε (exact: ε/(4s²) + O(ε²) in the variance)
    assert ula["slope"] is not None and 0.8 < ula["slope"] < 1.5
    hist = out["histogram"]
    width = np.diff(hist["edges"])
    assert np.sum(hist["exact"] * width) == pytest.approx(1.0, abs=1e-3)  # p's mass in the box


def test_l5_page_has_the_stationary_section_and_figure(tmp_path):
    run_report(tmp_path, cases=["L5"], settings=SMALL, progress=False)
    page = (tmp_path / "L5.md").read_text()
    assert "## Stationary law of the Langevin sampler" in page
    assert "![stationary](L5-stationary.png)" in page
    assert (tmp_path / "L5-stationary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    entry = json.loads((tmp_path / "results.json").read_text())["cases"][0]
    assert stationary_cell(entry).startswith("pass (ULA slope")
    assert "| pass (ULA slope" in (tmp_path / "index.md").read_text()
    assert entry["cpu_time"] > 0


def test_stationary_cell_for_other_and_skipped_cases():
    assert stationary_cell({"id": "A1"}) == "–"
    assert stationary_cell({"stationary": {"skipped": "ValueError: x"}}) == "not run"
