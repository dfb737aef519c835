"""The progress bar of long grid solves (issue 4 item 8): a tqdm bar over |t − t0|.

Every solver takes ``progress``: True (a bar from the start), False (none) or "auto" (the
default: a bar only when stderr is a terminal and the elapsed time projects the whole solve
beyond ``AUTO_PROGRESS_S`` seconds; so never in tests or pipelines). Compiled time loops run in
chunks of steps only when a bar may show, so that a solve without one is a single call.
"""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["AUTO_PROGRESS_S", "ProgressBar", "check_progress"]

#: a progress bar in "auto" mode appears when the projected solve exceeds this (seconds)
AUTO_PROGRESS_S = 2.0


def check_progress(progress: Any) -> Any:
    """``progress`` itself, or ``ValueError`` naming the rule."""
    if not (isinstance(progress, bool) or (isinstance(progress, str) and progress == "auto")):
        raise ValueError(f"progress={progress!r} must be True, False or 'auto'")
    return progress


class ProgressBar:
    """A tqdm bar over |t − t0|: shown when asked, or in "auto" mode when stderr is a terminal
    and the elapsed time projects the whole solve beyond ``AUTO_PROGRESS_S``."""

    def __init__(self, mode: Any, t0: float, t1: float) -> None:
        self.mode, self.t0, self.span = mode, t0, abs(t1 - t0)
        self.may_show = mode is True or (mode == "auto" and sys.stderr.isatty())
        self.start = time.perf_counter()
        self.bar: Any = None
        if mode is True:
            self._open()

    def _open(self) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.span, unit="t", leave=False, file=sys.stderr)

    def update(self, t: float) -> None:
        if not self.may_show:
            return
        done = abs(t - self.t0)
        if self.bar is None:
            elapsed = time.perf_counter() - self.start
            if done <= 0 or elapsed * self.span / done < AUTO_PROGRESS_S:
                return
            self._open()
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
