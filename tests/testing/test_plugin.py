"""The pytest plugin (issue 8 item 2), run inside pytest with ``pytester``: entry point, options,
the seeded ``rng`` fixture, the slow marker and the terminal-summary line."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

VERDICTS = """
class FakeVerdict:
    def __init__(self, passed):
        self.passed = passed
    def summary(self):
        return "fake: FAILED\\n  FAIL particles vs exact t=0.5: KS 0.03 <= 0.02"
"""


def test_entry_point_names_the_plugin_module():
    (ep,) = entry_points(group="pytest11", name="pdecheck")
    assert ep.value == "pdecheck.testing.plugin"


def test_plugin_import_loads_neither_numba_nor_hypothesis():
    code = (
        "import sys, pdecheck.testing.plugin\n"
        "heavy = [m for m in ('numba', 'hypothesis', 'matplotlib') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_options_reach_the_settings_fixture_and_the_header(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_settings(pdecheck_settings):
            assert pdecheck_settings.alpha == 0.01
            assert pdecheck_settings.n == 123
            assert pdecheck_settings.seed == 7
        """
    )
    result = pytester.runpytest("--pdecheck-alpha=0.01", "--pdecheck-n=123", "--pdecheck-seed=7")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["pdecheck: alpha=0.01, n=123, seed=7"])


@pytest.mark.parametrize(
    ("option", "rule"),
    [
        ("--pdecheck-alpha=2", "must be a number in (0, 1)"),
        ("--pdecheck-alpha=abc", "must be a number in (0, 1)"),
        ("--pdecheck-n=0", "must be an integer >= 1"),
        ("--pdecheck-seed=-3", "must be an integer >= 0"),
    ],
)
def test_bad_option_values_are_usage_errors_naming_option_value_and_rule(
    pytester: pytest.Pytester, option: str, rule: str
):
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    name, value = option.split("=")
    result.stderr.fnmatch_lines([f"*{name}={value!r}*{rule}*"])


def test_too_few_particles_for_the_dkw_threshold_is_a_usage_error(pytester: pytest.Pytester):
    """At alpha = 1e-3 a check runs at 1.25e-4 and needs n >= 2 ln(16000) = 19.4: 19 is refused,
    20 accepted; a larger alpha lowers the floor (alpha = 0.2: 2 ln 80 = 8.8)."""
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("--pdecheck-n=19")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--pdecheck-n=19 is too few*--pdecheck-alpha=0.001*n >= *= 20*"])
    pytester.runpytest("--pdecheck-n=20").assert_outcomes(passed=1)
    pytester.runpytest("--pdecheck-alpha=0.2", "--pdecheck-n=9").assert_outcomes(passed=1)
    assert pytester.runpytest("--pdecheck-alpha=0.2", "--pdecheck-n=8").ret == 4


def test_rng_fixture_is_reproducible_per_test_and_differs_between_tests(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import json, pathlib

        def _save(name, rng):
            pathlib.Path(name).write_text(json.dumps(rng.random(3).tolist()))

        def test_a(rng):
            _save("a.json", rng)

        def test_b(rng):
            _save("b.json", rng)
        """
    )

    def draws(*args: str) -> tuple[str, str]:
        pytester.runpytest(*args).assert_outcomes(passed=2)
        return (pytester.path / "a.json").read_text(), (pytester.path / "b.json").read_text()

    first = draws()
    assert draws() == first  # same seed, same test: the same numbers
    assert first[0] != first[1]  # two tests: two streams
    assert draws("--pdecheck-seed=1")[0] != first[0]  # the base seed changes the stream


def test_slow_marker_is_registered_and_deselected_on_request(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.pdecheck_slow
        def test_slow():
            pass

        def test_fast():
            pass
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=2)
    result = pytester.runpytest("--strict-markers", "--pdecheck-skip-slow")
    result.assert_outcomes(passed=1, deselected=1)


def test_terminal_summary_counts_checks_and_verdicts(pytester: pytest.Pytester):
    pytester.makepyfile(
        VERDICTS
        + """
from pdecheck.testing import assert_order
from pdecheck.testing.assertions import assert_verdict

def test_pass():
    assert_verdict(FakeVerdict(True))
    assert_order(([0.1, 0.05, 0.025, 0.0125], [1e-2, 2.5e-3, 6.25e-4, 1.5625e-4]), 2.0)

def test_fail():
    assert_verdict(FakeVerdict(False))
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FAIL particles vs exact t=0.5: KS 0.03 <= 0.02*",
            "pdecheck: 3 checks (verdicts: 2 pass, 1 fail; assert_order 1, assert_verdict 2)",
        ]
    )


def test_no_summary_line_without_checks(pytester: pytest.Pytester):
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("pdecheck: *checks*")
