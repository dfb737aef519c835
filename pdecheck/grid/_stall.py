"""The floor on adaptive steps, shared by every time loop that picks its own step.

A field, drift or D that grows without bound at some t* (f ~ 1/(t* − t)) makes each adaptive
rule (Courant, positivity, accuracy) shrink the step geometrically as t → t*; once t + dt == t
in floating point the loop would run forever. A step below :data:`MIN_STEP` of the time span
that does not finish the span would need 10^12 such steps to cross it, so a run that reaches
it cannot end anyway: the loop stops there and :func:`stall_error` names the time.
"""

from __future__ import annotations

import numba

from pdecheck._jit.options import HELPER

#: the shortest step an adaptive loop may take short of its target, as a fraction of |t1 − t0|
MIN_STEP = 1e-12


def stalled(dt: float, remaining: float, span: float) -> bool:
    """True when a step dt that stops short of what remains is below the floor."""
    return dt < remaining * (1 - 1e-12) and dt <= MIN_STEP * span


#: :func:`stalled` for compiled loops (one comparison: inlined into the caller's IR)
stalled_jit = numba.njit(cache=True, inline="always", **HELPER)(stalled)


def stall_error(t: float, dt: float) -> ValueError:
    """The error of a loop whose step fell below the floor at time t."""
    return ValueError(
        f"the adaptive step fell to dt={dt:.3g} at t={float(t)!r}, below {MIN_STEP:g} of the "
        "time span, short of the end: a coefficient (field, drift or D) grows without bound "
        f"near t={float(t)!r}; regularise it, or end t_span before that time"
    )
