"""Verdict, Check, Flag and the atomic report writer."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

from pdecheck.verify import Check, Flag, Profile, Verdict, _atomic


def _verdict(stat: float = 0.1, flags: list[Flag] | None = None) -> Verdict:
    checks = [
        Check("KS at t", "particles vs exact", "KS", 0.01, 0.02, t=0.5, alpha=1e-4),
        Check("L1 at t", "grid vs exact", "L1", stat, 0.2, t=1.0, budget=0.05),
    ]
    x = np.linspace(0, 1, 5)
    prof = [Profile(1.0, x, {"exact": np.ones(5), "grid": np.ones(5) * 1.01})]
    return Verdict(
        "demo", checks, flags or [], alpha=1e-3, t_span=(0.0, 1.0), methods=("grid",), profiles=prof
    )


def test_check_pass_rule_and_nan_fails():
    assert Check("a", "m", "KS", 0.1, 0.1).passed  # equality passes: reject only when >
    assert not Check("a", "m", "KS", 0.11, 0.1).passed
    assert not Check("a", "m", "KS", math.nan, 0.1).passed  # NaN never passes


def test_verdict_passed_needs_all_checks_and_no_error_flag():
    assert _verdict().passed
    assert not _verdict(stat=0.3).passed
    assert _verdict(flags=[Flag("cfl", "near the limit", "warning")]).passed
    assert not _verdict(flags=[Flag("nonfinite", "NaN from the field", "error")]).passed
    assert not Verdict("empty").passed  # nothing checked is not a pass


def test_flag_severity_validated():
    with pytest.raises(ValueError, match="severity"):
        Flag("x", "y", severity="fatal")


def test_distances_sorted_by_time_and_filtered():
    v = _verdict()
    assert v.distances("grid vs exact") == [(1.0, 0.1, 0.2)]
    assert [r[0] for r in v.distances()] == [0.5, 1.0]


def test_summary_and_dict_name_every_check():
    v = _verdict(stat=0.3, flags=[Flag("mass", "mass left the box", "warning", value=1e-3)])
    text = v.summary()
    assert "FAILED" in text and "FAIL grid vs exact" in text and "mass" in text
    d = v.to_dict()
    assert d["passed"] is False and len(d["checks"]) == 2 and d["flags"][0]["value"] == 1e-3
    json.dumps(d, allow_nan=False)  # strictly valid JSON


def test_nonfinite_statistic_is_json_safe():
    v = Verdict("nan", [Check("a", "m", "KS", math.nan, 0.1)])
    assert json.loads(json.dumps(v.to_dict(), allow_nan=False))["checks"][0]["statistic"] == "nan"


def test_write_report_writes_three_files(tmp_path):
    paths = _verdict().write_report(tmp_path / "out")
    assert set(paths) == {"md", "png", "json"}
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(paths["json"].read_text())["subject"] == "demo"
    assert "| KS at t |" in paths["md"].read_text()
    assert not [p for p in os.listdir(tmp_path / "out") if p.endswith(".tmp")]


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        _atomic.write_with(target, broken)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["r.json"]


def test_atomic_write_gives_the_umask_mode_not_mkstemps_0600(tmp_path):
    """A report must be readable as a plain open() would leave it (0666 & ~umask)."""
    old = os.umask(0o022)
    try:
        path = _atomic.write_text(tmp_path / "r.md", "x")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
