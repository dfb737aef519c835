"""The verification engine: claims in, verdicts out (issue 6, DESIGN.md "Comparison").

- :mod:`~pdecheck.verify.claim` — :class:`Claim`, what a user says (field or SDE, p_0, p_T,
  marginals);
- :mod:`~pdecheck.verify.verdict` — :class:`Verdict`, :class:`Check`, :class:`Flag`;
- :mod:`~pdecheck.verify.report` — Markdown + PNG + JSON, written atomically;
- :mod:`~pdecheck.verify.transport` — :func:`verify_transport`: exact vs grid vs particles;
- :mod:`~pdecheck.verify.green` — :func:`check_green_function`: seed eqs. 8 and 12, PDE residual.
"""

from __future__ import annotations

from typing import Any

from pdecheck.verify.claim import Claim
from pdecheck.verify.verdict import Check, Flag, Profile, Verdict

__all__ = [
    "Check",
    "Claim",
    "Flag",
    "Profile",
    "Verdict",
    "check_green_function",
    "verify_transport",
]


def __getattr__(name: str) -> Any:
    if name == "verify_transport":
        from pdecheck.verify.transport import verify_transport

        return verify_transport
    if name == "check_green_function":
        from pdecheck.verify.green import check_green_function

        return check_green_function
    raise AttributeError(f"module 'pdecheck.verify' has no attribute {name!r}")
