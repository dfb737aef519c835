"""The pytest plugin of pdecheck (entry point ``pytest11: pdecheck``).

- options ``--pdecheck-alpha`` (false-alarm rate of each statistical assertion),
  ``--pdecheck-n`` (particles per particle check, at least :func:`minimum_n` of the session's
  alpha: 20 at the default 1e-3), ``--pdecheck-seed`` (base seed) and
  ``--pdecheck-skip-slow`` (deselect the tests marked ``pdecheck_slow``);
- the marker ``pdecheck_slow`` for long numerical checks;
- fixtures ``rng`` (a ``numpy.random.Generator`` seeded from the base seed and the test's id, so
  every test draws its own reproducible stream) and ``pdecheck_settings``;
- a report-header line with the settings, and a terminal-summary line counting the checks run
  through :mod:`pdecheck.testing` and their verdicts.

pytest loads this module in every run, so it imports neither NumPy nor Numba at import time.
"""

from __future__ import annotations

import argparse
import math
import zlib
from typing import Any

import pytest

from pdecheck.testing import _record

__all__ = ["pdecheck_settings", "rng"]

SLOW_MARKER = "pdecheck_slow"
#: Bonferroni shares of alpha in a default particle assertion: assert_transports splits it over
#: 4 times × 2 particle checks (1-D), assert_same_marginals tests 2·DKW at alpha/8 (4 times)
DEFAULT_SHARES = 8
_TALLY = pytest.StashKey[_record.Tally]()


def _alpha(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(
            f"--pdecheck-alpha={text!r}: the false-alarm rate must be a number in (0, 1)"
        )
    return value


def _positive_int(option: str, minimum: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{option}={text!r} must be an integer >= {minimum}")
        return value

    return parse


def minimum_n(alpha: float) -> int:
    """The fewest particles a default assertion can test with at false-alarm rate ``alpha``.

    Each of its checks runs at α' = α/DEFAULT_SHARES; the DKW threshold sqrt(ln(2/α')/(2n))
    (STATISTICS.md §1) must stay below 1/2, or no distance a KS statistic can take (at most 1)
    is told apart from noise with room for a bias budget: n >= 2 ln(2/α'), the rule that
    ``verify_transport`` enforces. 20 at α = 1e-3.
    """
    return math.ceil(2.0 * math.log(2.0 * DEFAULT_SHARES / alpha))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pdecheck", "pdecheck numerical checks")
    group.addoption(
        "--pdecheck-alpha",
        type=_alpha,
        default=_record.DEFAULT_ALPHA,
        help="false-alarm rate of each statistical assertion (default %(default)g)",
    )
    group.addoption(
        "--pdecheck-n",
        type=_positive_int("--pdecheck-n", 1),
        default=_record.DEFAULT_N,
        help="number of particles of each particle check, at least 2 ln(16/alpha) "
        "(20 at the default alpha; default %(default)d)",
    )
    group.addoption(
        "--pdecheck-seed",
        type=_positive_int("--pdecheck-seed", 0),
        default=_record.DEFAULT_SEED,
        help="base seed of the rng fixture (default %(default)d)",
    )
    group.addoption(
        "--pdecheck-skip-slow",
        action="store_true",
        default=False,
        help=f"deselect the tests marked {SLOW_MARKER}",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{SLOW_MARKER}: a long numerical check (deselected by --pdecheck-skip-slow)"
    )
    settings = _record.Settings(
        alpha=config.getoption("--pdecheck-alpha"),
        n=config.getoption("--pdecheck-n"),
        seed=config.getoption("--pdecheck-seed"),
    )
    n_min = minimum_n(settings.alpha)
    if settings.n < n_min:
        raise pytest.UsageError(
            f"--pdecheck-n={settings.n} is too few particles at --pdecheck-alpha="
            f"{settings.alpha:g}: the rule is n >= 2 ln(16/alpha) = {n_min}, for the DKW "
            "threshold of each check (alpha/8) to stay below 1/2"
        )
    config.stash[_TALLY] = _record.push(settings)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _TALLY in config.stash:
        _record.pop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--pdecheck-skip-slow"):
        return
    slow = [item for item in items if item.get_closest_marker(SLOW_MARKER) is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item.get_closest_marker(SLOW_MARKER) is None]


def pytest_report_header(config: pytest.Config) -> str:
    settings, _ = _record.current()
    return f"pdecheck: alpha={settings.alpha:g}, n={settings.n}, seed={settings.seed}"


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    tally = config.stash.get(_TALLY, None)
    if tally is not None and tally.total:
        terminalreporter.write_line(tally.line())


@pytest.fixture
def pdecheck_settings() -> _record.Settings:
    """The session's pdecheck settings (alpha, n, seed)."""
    return _record.current()[0]


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> Any:
    """A ``numpy.random.Generator`` seeded from ``--pdecheck-seed`` and the test's node id:
    reproducible, and independent between tests."""
    import numpy as np

    seed = _record.current()[0].seed
    return np.random.default_rng([seed, zlib.crc32(request.node.nodeid.encode())])
