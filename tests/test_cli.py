"""The ``pdecheck`` command: the README's main job works, unknown cases exit 2."""

from __future__ import annotations

import pytest

from pdecheck.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_list_prints_every_case(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for case_id in ("H1", "A5", "G2", "L4", "M1"):
        assert f"\n{case_id} " in out


def test_unknown_case_lists_known_ids_and_exits_2(capsys):
    assert main(["show", "Z9"]) == 2
    err = capsys.readouterr().err
    assert "Z9" in err and "A5" in err


# -- pdecheck verify ---------------------------------------------------------------------------
WRONG_DDPM = """
import math
import pdecheck as pc

def marginal(t):
    a = math.exp(-t)
    return pc.GaussianMixture([-a, a], math.sqrt(a * a * 0.09 + 1.0 - a * a))

# wrong: g^2 = (b^2)' = 2 e^{-2t}; the DDPM link needs g^2 = 2 (CATALOGUE S6)
claim = pc.Claim(
    sde=(lambda t, x: -x, lambda t: math.sqrt(2.0 * math.exp(-2.0 * t))),
    data=pc.GaussianMixture([-1.0, 1.0], 0.3),
    prior=pc.Gaussian(0.0, 1.0),
    marginal=marginal,
)
"""

BROKEN = """
import pdecheck as pc

def make_data():
    return pc.PointMixture([0.0, 1.0], weights=[0.5, 0.6 / zero])

path = None
data = make_data()
"""


def test_verify_a_passing_case_exits_0(capsys):
    assert main(["verify", "L6", "--n", "1000", "--grid", "32"]) == 0
    assert "PASSED" in capsys.readouterr().out


def test_verify_a_wrong_claim_in_a_file_exits_1(tmp_path, capsys):
    """The wrong DDPM diffusion (tests/test_detection.py) fails through a check, exit 1."""
    user = tmp_path / "wrong.py"
    user.write_text(WRONG_DDPM)
    code = main(["verify", str(user), "--n", "1000", "--methods", "exact", "particles"])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED" in out and "FAIL " in out


def test_verify_the_example_file_passes_and_writes_a_report(tmp_path, capsys):
    code = main(
        ["verify", "examples/my_path.py", "--n", "1000", "--grid", "32", "--out", str(tmp_path)]
    )
    assert code == 0, capsys.readouterr().out
    assert {p.name for p in tmp_path.iterdir()} == {"verdict.md", "verdict.png", "verdict.json"}


def test_error_in_a_users_file_shows_the_users_traceback(tmp_path, capsys):
    user = tmp_path / "broken.py"
    user.write_text(BROKEN)
    assert main(["verify", str(user)]) == 2
    err = capsys.readouterr().err
    assert str(user) in err and "make_data" in err and "NameError" in err
    assert "pdecheck/cli.py" not in err and "runpy" not in err


def test_a_users_file_calling_sys_exit_does_not_set_the_exit_code(tmp_path, capsys):
    """sys.exit(0) in a user's file would otherwise read as a passed verdict in CI."""
    user = tmp_path / "leaves.py"
    user.write_text("import sys\nsys.exit(0)\n")
    assert main(["verify", str(user)]) == 2
    assert "sys.exit(0)" in capsys.readouterr().err


def test_a_file_without_path_and_data_names_the_rule(tmp_path, capsys):
    user = tmp_path / "empty.py"
    user.write_text("x = 1\n")
    assert main(["verify", str(user)]) == 2
    err = capsys.readouterr().err
    assert "['x']" in err and "`path` (or `sde`) and `data`" in err
    assert main(["verify", "Z9"]) == 2
    assert "A5" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["list", "show", "verify", "report"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: pdecheck " + command)


# -- bad input is refused before anything runs, naming the option ---------------------------
@pytest.fixture
def no_run(monkeypatch):
    """Fail the test if a verification or a report starts."""
    from pdecheck import report
    from pdecheck.verify import transport

    def ran(*args, **kwargs):
        raise AssertionError("the run started before the input was checked")

    monkeypatch.setattr(transport, "verify_transport", ran)
    monkeypatch.setattr(report, "run_case", ran)


def _refused(argv, capsys):
    """argparse's refusal: exit status 2 and the message on stderr."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("command", [["verify", "L6"], ["report", "--cases", "H2"]])
def test_out_that_is_a_file_is_refused_up_front(command, tmp_path, capsys, no_run):
    existing = tmp_path / "verdict"
    existing.write_text("keep")
    err = _refused([*command, "--out", str(existing)], capsys)
    assert f"argument --out: {str(existing)!r} is an existing file" in err
    assert "the rule is a directory" in err and "Traceback" not in err
    err = _refused([*command, "--out", str(existing / "sub")], capsys)
    assert "argument --out" in err and f"lies under the file {str(existing)!r}" in err
    assert existing.read_text() == "keep"


@pytest.mark.parametrize(
    "argv, words",
    [
        (["verify", "L6", "--grid", "10"], ["argument --grid: '10'", "divisible by 4"]),
        (["verify", "L6", "--grid", "4"], ["argument --grid: '4'", ">= 8"]),
        (["verify", "L6", "--steps", "0"], ["argument --steps: '0'", "positive integer"]),
        (["verify", "L6", "--times", "-1"], ["argument --times: '-1'", "positive integer"]),
        (["report", "--jobs", "0"], ["argument --jobs: '0'", "positive integer"]),
    ],
)
def test_bad_option_values_are_refused_up_front(argv, words, capsys, no_run):
    err = _refused(argv, capsys)
    assert all(word in err for word in words), err


def test_a_malformed_scheduler_address_names_the_option(tmp_path, capsys, no_run):
    pytest.importorskip("distributed")
    out = tmp_path / "site"
    assert main(["report", "--out", str(out), "--cases", "H2", "--scheduler", "bogus"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler='bogus' cannot be used" in err and "missing port number" in err
    assert "the rule is the address of a running Dask scheduler" in err
    assert not out.exists()


def test_an_unreachable_scheduler_names_the_option(tmp_path, capsys, no_run):
    pytest.importorskip("distributed")
    import dask

    address = "tcp://127.0.0.1:1"  # port 1: nothing listens there
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["report", "--out", str(tmp_path), "--cases", "H2", "--scheduler", address])
    err = capsys.readouterr().err
    # the reason is Dask's: OSError, or TimeoutError (a subclass) when the machine is loaded
    assert code == 2 and f"--scheduler={address!r} cannot be used (" in err
    assert "Error" in err.split("cannot be used (", 1)[1]
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


def test_a_report_that_cannot_be_drawn_keeps_the_old_one(tmp_path, capsys, monkeypatch):
    from pdecheck.verify import Check, Verdict, transport

    def mathtext_subject(*args, **kwargs):
        return Verdict(r"$\tfrac{1}{2}$", [Check("KS at t", "particles vs exact", "KS", 0.5, 1.0)])

    (tmp_path / "verdict.json").write_text("old json")
    (tmp_path / "verdict.md").write_text("old md")
    monkeypatch.setattr(transport, "verify_transport", mathtext_subject)
    assert main(["verify", "L6", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "verdict.png could not be written" in err and "tfrac" in err
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {
        "verdict.json": "old json",
        "verdict.md": "old md",
    }


def test_python_m_pdecheck_runs_the_command():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "pdecheck", "show", "A5", "--times", "1.0", "--points", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("A5: ") and "mass in the box: 1.000000000000" in done.stdout
