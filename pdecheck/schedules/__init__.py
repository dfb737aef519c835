"""Noise schedules (α_t, σ_t) of affine paths x_t = α_t x_0 + σ_t x_1, with exact derivatives.

Public names: :class:`Schedule` (base and ``Schedule.from_functions`` for a user's own
schedule, ``Schedule.from_noise_to_data`` for the flow-matching convention), the built-ins
:class:`Linear`, :class:`Cosine`, :class:`VP`, :class:`SubVP`, :class:`VE`, and
:func:`endpoint_kl` / :func:`endpoint_w2`, which measure how far p_T misses a standard Gaussian
prior when α_T ≠ 0 (CATALOGUE "Known traps").

Conventions (CATALOGUE "Conventions"): t runs from 0 (data) to T (prior); α_0 = 1, σ_0 = 0 and
σ_t > 0 for t > 0. Every schedule is validated on construction on a dense grid of [0, T]; a
failure raises ``ValueError`` naming the condition, the schedule and the offending t.

Modules: ``base`` (Schedule), ``builtin``, ``user`` (from Python functions), ``endpoint``.

Each built-in also exposes ``jit_spec()``: an integer kind and a parameter vector with which
compiled kernels evaluate the same schedule (``pdecheck._jit.schedule``). A schedule built from
Python functions has none and runs on the slow (vectorised NumPy) path.
"""

from __future__ import annotations

from pdecheck.schedules.base import Schedule
from pdecheck.schedules.builtin import VE, VP, Cosine, Linear, SubVP
from pdecheck.schedules.endpoint import endpoint_kl, endpoint_w2
from pdecheck.schedules.user import FunctionSchedule

__all__ = [
    "VE",
    "VP",
    "Cosine",
    "FunctionSchedule",
    "Linear",
    "Schedule",
    "SubVP",
    "endpoint_kl",
    "endpoint_w2",
]
