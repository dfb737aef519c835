"""``pdecheck report`` on one small case with tiny settings: every file is there, whole, and a
rerun replaces it; the figures and the index say what the studies measured."""

from __future__ import annotations

import json

import pytest

from pdecheck.report import plan, run_report

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

TINY = plan(quick=True).__class__(
    quick=True,
    schemes=("explicit", "euler_maruyama"),
    grid_levels={1: (16, 32, 64, 128)},
    step_levels=(4, 8, 16, 32),
    n_particles=300,
    sample_levels=(),
    verify_n=300,
    verify_grid={1: 16},
    profile_grid={1: 32},
    profile_particles=500,
)


def test_report_writes_index_pages_figures_and_json(tmp_path):
    summary = run_report(tmp_path, cases=["H2"], settings=TINY, progress=False)
    assert "1 cases" in summary
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "index.md",
        "results.json",
        "H2.md",
        "H2-density.png",
        "H2-convergence.png",
        "H2-work-precision.png",
    } <= names
    assert not [n for n in names if n.endswith(".tmp")]  # atomic writes leave no temporaries
    results = json.loads((tmp_path / "results.json").read_text())
    (entry,) = results["cases"]
    studies = {(s["method"], s["parameter"]): s for s in entry["studies"]}
    assert set(studies) == {("explicit", "n"), ("euler_maruyama", "dt")}
    # explicit heat: O(h²) (Δt ∝ h² at the stability bound); Euler–Maruyama weak order 1
    assert abs(studies["explicit", "n"]["observed_order"] - 2.0) < 0.5
    assert abs(studies["euler_maruyama", "dt"]["observed_order"] - 1.0) < 0.5
    index = (tmp_path / "index.md").read_text()
    assert "| [H2](H2.md) | heat | 1 |" in index
    assert "explicit" in index and "/2 " in index
    page = (tmp_path / "H2.md").read_text()
    assert "![convergence](H2-convergence.png)" in page and "Observed order" in page
    for png in tmp_path.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rerun_overwrites_cleanly(tmp_path):
    (tmp_path / "H2.md").write_text("stale")
    run_report(tmp_path, cases=["H2"], settings=TINY, progress=False)
    first = (tmp_path / "results.json").read_text()
    run_report(tmp_path, cases=["H2"], settings=TINY, progress=False)
    assert (tmp_path / "H2.md").read_text().startswith("# H2")
    assert json.loads(first)["cases"][0]["id"] == "H2"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_case_whose_solver_fails_gets_a_reason(tmp_path):
    """A part that cannot run is listed with its reason, never dropped silently."""
    run_report(tmp_path, cases=["L5"], settings=TINY, progress=False)
    entry = json.loads((tmp_path / "results.json").read_text())["cases"][0]
    reasons = [s.get("skipped") for s in entry["studies"]] + [entry["verify"].get("skipped")]
    page = (tmp_path / "L5.md").read_text()
    for text in filter(None, reasons):
        assert text.split(":")[0] in page


def test_order_cell_shows_the_three_verdicts():
    """pass / FAIL / inconclusive (an under-powered Monte Carlo study is not a failure)."""
    from pdecheck.report.pages import order_cell

    base = {"method": "weak2", "parameter": "dt", "observed_order": 0.89, "nominal": 2.0}
    assert order_cell({**base, "passed": False, "verdict": "inconclusive"}).endswith(
        "0.89/2 inconclusive"
    )
    assert order_cell({**base, "passed": False, "verdict": "fail"}).endswith("**FAIL**")
    assert order_cell({**base, "passed": True, "verdict": "pass"}).endswith("0.89/2 pass")


def _snapshot(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _fail_the_index(monkeypatch):
    from pdecheck.report import pages

    def broken(results):
        raise RuntimeError("index failed")

    monkeypatch.setattr(pages, "index_page", broken)
    return RuntimeError, "index failed"


def _fail_the_figures(monkeypatch):
    from matplotlib.figure import Figure

    from pdecheck.verify._atomic import WriteError

    def broken(self, *args, **kwargs):
        raise ValueError("cannot draw")

    monkeypatch.setattr(Figure, "savefig", broken)
    return WriteError, r"H2-density\.png could not be written \(ValueError: cannot draw\)"


@pytest.mark.parametrize("fail", [_fail_the_index, _fail_the_figures])
def test_a_run_that_fails_part_way_leaves_the_old_site_byte_for_byte(tmp_path, monkeypatch, fail):
    """The case's page and figures are rendered before the index; a failure in either must not
    leave new pages beside the old index and results.json."""
    for name, text in {"index.md": "old index", "results.json": "{}", "H2.md": "old page"}.items():
        (tmp_path / name).write_text(text)
    before = _snapshot(tmp_path)
    error, message = fail(monkeypatch)
    with pytest.raises(error, match=message):
        run_report(tmp_path, cases=["H2"], settings=TINY, progress=False)
    assert _snapshot(tmp_path) == before  # no new figure, no temporary, the same bytes
