"""Session settings and the tally of checks, shared by the assertions and the pytest plugin.

:class:`Settings` holds the defaults an assertion uses when the caller passes none (the
false-alarm rate ``alpha``, the particle count ``n``, the base ``seed``); :class:`Tally` counts
the checks run and their verdicts for the plugin's terminal summary. Outside pytest the module
defaults apply; the plugin pushes a fresh pair for each pytest session (and pops it afterwards,
so nested in-process sessions — pytester — keep their counts apart).

Public names (for the plugin and the assertions): :class:`Settings`, :class:`Tally`,
:func:`current`, :func:`push`, :func:`pop`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["Settings", "Tally", "current", "pop", "push"]

#: default false-alarm rate of one statistical assertion (STATISTICS.md, Recommendations 1)
DEFAULT_ALPHA = 1e-3
#: default number of particles of a particle check
DEFAULT_N = 20_000
#: default base seed of the ``rng`` fixture
DEFAULT_SEED = 20261123


@dataclass
class Settings:
    """Defaults of the assertions: false-alarm rate, particle count, base seed."""

    alpha: float = DEFAULT_ALPHA
    n: int = DEFAULT_N
    seed: int = DEFAULT_SEED


@dataclass
class Tally:
    """Checks run, by kind of check and outcome ("passed" / "failed")."""

    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)

    def record(self, check: str, passed: bool) -> None:
        self.outcomes[(check, "passed" if passed else "failed")] += 1

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    def count(self, outcome: str) -> int:
        return sum(v for (_, o), v in self.outcomes.items() if o == outcome)

    def line(self) -> str:
        """One line for the terminal summary, e.g. ``pdecheck: 3 checks (verdicts: 2 pass,
        1 fail; assert_transports 2, assert_order 1)``. Worded unlike pytest's own closing line
        ("N passed, N failed"), so that no tool reading a run's last lines mistakes a check that
        was meant to fail for a failing test."""
        kinds: Counter[str] = Counter()
        for (check, _), v in self.outcomes.items():
            kinds[check] += v
        detail = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        noun = "check" if self.total == 1 else "checks"
        return (
            f"pdecheck: {self.total} {noun} (verdicts: {self.count('passed')} pass, "
            f"{self.count('failed')} fail; {detail})"
        )


_STACK: list[tuple[Settings, Tally]] = [(Settings(), Tally())]


def current() -> tuple[Settings, Tally]:
    """The settings and tally in force (the innermost pytest session, or the module defaults)."""
    return _STACK[-1]


def push(settings: Settings) -> Tally:
    """Start a new scope (a pytest session) with these settings and an empty tally."""
    tally = Tally()
    _STACK.append((settings, tally))
    return tally


def pop() -> None:
    """End the innermost scope (never the module defaults)."""
    if len(_STACK) > 1:
        _STACK.pop()
