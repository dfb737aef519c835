"""What the ODE and SDE entry points share: output arrays, timing of compiled calls (first
call = compile or cache load), and the per-step bookkeeping of the batched NumPy path.

:class:`Outputs`, :func:`save_slots`, :func:`run_ranges` (a serial kernel on several threads),
:func:`timed_launch`, :class:`BatchState`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass
class Outputs:
    """Arrays the integrators fill: samples (n_save, N, d), log-density increments (n_save, N)
    (a 1×1 placeholder when not kept), failed step per particle, domain exits per particle."""

    samples: Array
    dlogp: Array
    failed: NDArray[np.int64]
    outside: NDArray[np.bool_]

    @classmethod
    def allocate(cls, n_save: int, n: int, d: int, keep_logp: bool) -> Outputs:
        return cls(
            np.full((n_save, n, d), np.nan),
            np.full((n_save, n), np.nan) if keep_logp else np.zeros((1, 1)),
            np.zeros(n, dtype=np.int64),
            np.zeros(n, dtype=bool),
        )


def save_slots(save: NDArray[np.int64]) -> NDArray[np.int64]:
    """The save steps as compiled kernels read them: followed by the sentinel −1, so that
    "does this step end on a save time" is one compare with no bound check."""
    return np.append(save, -1).astype(np.int64)


def run_ranges(kernel: Callable[..., Any], n: int, args: tuple, align: int) -> None:
    """``kernel(start, stop, *args)`` over [0, n) split into one contiguous range per Numba
    thread (``numba.get_num_threads()``; range ends on multiples of ``align``), each on its own
    Python thread: the kernel releases the GIL. Particles are independent, so the result
    never depends on the split."""
    import numba

    blocks = -(-n // align)
    parts = max(1, min(numba.get_num_threads(), blocks))
    ends = [min(n, align * (blocks * k // parts)) for k in range(parts + 1)]
    if parts == 1:
        kernel(0, n, *args)
        return
    with ThreadPoolExecutor(parts) as pool:
        for done in [pool.submit(kernel, a, b, *args) for a, b in pairwise(ends)]:
            done.result()


def timed_launch(
    dispatcher: Any, launch: Callable[[bool], Outputs]
) -> tuple[Outputs, float, float]:
    """Run ``launch(False)`` and time it; when the compiled kernel has not been loaded in this
    process yet, first run ``launch(True)`` (one particle, one step) and report its time as the
    compile (or cache-load) time. Returns (outputs, wall_time, compile_time)."""
    compile_time = 0.0
    if not dispatcher.overloads:
        start = time.perf_counter()
        launch(True)
        compile_time = time.perf_counter() - start
    start = time.perf_counter()
    out = launch(False)
    return out, time.perf_counter() - start, compile_time


class BatchState:
    """Per-step bookkeeping of the batched path: which particles are still finite (``active``),
    which left the domain, and saving at the save steps."""

    def __init__(
        self,
        x0: Array,
        save_steps: NDArray[np.int64],
        keep_logp: bool,
        domain: tuple[Array, Array, bool],
    ) -> None:
        n, d = x0.shape
        self.out = Outputs.allocate(save_steps.size, n, d, keep_logp)
        self.keep_logp = keep_logp
        self.save_steps = save_steps
        self.lower, self.upper, self.has_domain = domain
        self.active = np.arange(n)
        self.x = x0.copy()
        self.ell = np.zeros(n)
        self._save(0)

    def _save(self, index: int) -> None:
        for slot in np.flatnonzero(self.save_steps == index):
            self.out.samples[slot, self.active] = self.x
            if self.keep_logp:
                self.out.dlogp[slot, self.active] = self.ell

    def finish_step(self, step: int, x: Array, ell: Array | None = None) -> None:
        """Accept the new state of the active particles after step ``step`` (0-based)."""
        bad = ~np.all(np.isfinite(x), axis=1)
        if ell is not None:
            bad |= ~np.isfinite(ell)
        if np.any(bad):
            self.out.failed[self.active[bad]] = step + 1
            keep = ~bad
            self.active, x = self.active[keep], x[keep]
            ell = None if ell is None else ell[keep]
        self.x = x
        if ell is not None:
            self.ell = ell
        if self.has_domain:
            gone = np.any((x < self.lower) | (x > self.upper), axis=1)
            self.out.outside[self.active[gone]] = True
        self._save(step + 1)
