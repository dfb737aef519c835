"""The limits on how many steps a solve may take, shared by every time loop.

A field, drift or D that grows without bound at some t* (f ~ 1/(t* − t)) makes each adaptive
rule (Courant, positivity, accuracy) shrink the step geometrically as t → t*; once t + dt == t
in floating point the loop would run forever. A coefficient that is merely huge for the grid
(a drift of 1e10 on a box of width 16) keeps the step tiny from the start: the loop would not
end in any useful time either. Two rules stop both before they hang:

- the floor: a step below :data:`MIN_STEP` of the time span that does not finish the span
  would need 10^12 such steps to cross it;
- the budget: a step that would need more than :data:`MAX_STEPS` steps of its size to cover
  what remains of its interval. At the fastest (a 1-D grid of a few dozen cells, ~0.3 µs a
  step) 10^8 steps take minutes; on any grid worth checking a derivation on, hours. A fixed
  dt is checked against the budget before the run (:func:`check_step_count`).

:func:`stall_error` names the time and the step.
"""

from __future__ import annotations

import numba

from pdecheck._jit.options import HELPER

#: the shortest step an adaptive loop may take short of its target, as a fraction of |t1 − t0|
MIN_STEP = 1e-12
#: the most steps a solve may need
MAX_STEPS = 10**8


def stalled(dt: float, remaining: float, span: float) -> bool:
    """True when a step dt that stops short of what remains is below the floor, or would need
    more than ``MAX_STEPS`` steps of its size to cover what remains."""
    return dt < remaining * (1 - 1e-12) and (dt <= MIN_STEP * span or dt * MAX_STEPS < remaining)


#: :func:`stalled` for compiled loops (two comparisons: inlined into the caller's IR)
stalled_jit = numba.njit(cache=True, inline="always", **HELPER)(stalled)


def stall_error(t: float, dt: float, t_span: tuple[float, float]) -> ValueError:
    """The error of an adaptive loop whose step fell to dt at time t (:func:`stalled`)."""
    t0, t1 = float(t_span[0]), float(t_span[-1])
    count = abs(t1 - float(t)) / dt if dt > 0 else float("inf")
    cause = (
        "a coefficient (field, drift or D) is too large for this grid and time span from the "
        "start: check its scale"
        if float(t) == t0
        else f"a coefficient (field, drift or D) grows without bound near t={float(t)!r}, or is "
        "too large for this grid there: regularise it, check its scale, or end t_span before "
        "that time"
    )
    return ValueError(
        f"the adaptive step fell to dt={dt:.3g} at t={float(t)!r}: the rest of t_span (to "
        f"{t1!r}) would take {count:.3g} steps of this size, beyond the limits of a solve (a "
        f"step of at least {MIN_STEP:g} of the span, at most {MAX_STEPS:.0e} steps); {cause}"
    )


def check_step_count(
    dt: float, span: float, *, why: str = "", remedy: str = "use a larger dt or a shorter t_span"
) -> None:
    """Refuse a fixed step dt that needs more than :data:`MAX_STEPS` steps to cover ``span``;
    ``why`` (how dt was chosen, when the solver chose it) and ``remedy`` go into the message."""
    count = span / dt
    if count > MAX_STEPS:
        raise ValueError(
            f"dt={dt!r}{why} needs {count:.3g} steps to cover |t1 − t0| = {span!r}, more "
            f"than the {MAX_STEPS:.0e} a solve may take; {remedy}"
        )
