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


def _snapshot(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_a_plot_that_cannot_be_drawn_leaves_the_old_report_byte_for_byte(tmp_path):
    """A subject that matplotlib's mathtext cannot parse fails the PNG: the new JSON and
    Markdown must not land beside the old PNG, and the error names the file and the cause."""
    _verdict().write_report(tmp_path)
    before = _snapshot(tmp_path)
    bad = Verdict(r"$\tfrac{1}{2}$", [Check("KS at t", "particles vs exact", "KS", 0.5, 0.1)])
    with pytest.raises(_atomic.WriteError, match=r"verdict\.png could not be written") as info:
        bad.write_report(tmp_path)
    assert "tfrac" in str(info.value) and info.value.path == tmp_path / "verdict.png"
    assert _snapshot(tmp_path) == before  # same names (no temporaries), same bytes


def test_file_set_replaces_every_file_or_none(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("old")

    def broken(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(_atomic.WriteError, match=r"b\.txt could not be written \(OSError: disk"):
        with _atomic.file_set() as files:
            files.add_text(tmp_path / "a.txt", "new")
            assert (tmp_path / "a.txt").read_text() == "old"  # rendered, not yet in place
            files.add(tmp_path / "b.txt", broken)
    assert _snapshot(tmp_path) == {"a.txt": b"old", "b.txt": b"old"}
    with _atomic.file_set() as files:
        files.add_text(tmp_path / "a.txt", "first")
        files.add_text(tmp_path / "a.txt", "new a")  # a path added twice: the later one wins
        files.add_text(tmp_path / "b.txt", "new b")
    assert _snapshot(tmp_path) == {"a.txt": b"new a", "b.txt": b"new b"}


def test_file_set_discards_on_an_error_in_the_with_block(tmp_path):
    (tmp_path / "a.txt").write_text("old")
    with pytest.raises(KeyError):
        with _atomic.file_set() as files:
            files.add_text(tmp_path / "a.txt", "new")
            raise KeyError("later step")
    assert _snapshot(tmp_path) == {"a.txt": b"old"}


def test_a_directory_in_the_way_is_found_before_any_file_is_replaced(tmp_path):
    """verdict.md replaced by a directory: os.replace of verdict.json succeeded and the one of
    verdict.md then raised a bare IsADirectoryError, leaving the new json beside the old png.
    Now no rename runs and WriteError names the path."""
    _verdict().write_report(tmp_path)
    (tmp_path / "verdict.md").unlink()
    (tmp_path / "verdict.md").mkdir()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(_atomic.WriteError, match=r"verdict\.md could not be written.*no file"):
        _verdict(stat=0.15).write_report(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "verdict.md"])


def test_a_rename_failing_midway_names_the_files_already_replaced(tmp_path, monkeypatch):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("old")
    real = os.replace

    def flaky(src, dst):
        if str(dst).endswith("b.txt"):
            raise OSError("I/O error")
        real(src, dst)

    monkeypatch.setattr(_atomic.os, "replace", flaky)
    with pytest.raises(_atomic.WriteError, match=r"b\.txt could not .*only .*a\.txt had been"):
        with _atomic.file_set() as files:
            files.add_text(tmp_path / "a.txt", "new")
            files.add_text(tmp_path / "b.txt", "new")
    assert _snapshot(tmp_path) == {"a.txt": b"new", "b.txt": b"old"}  # no temporaries left
