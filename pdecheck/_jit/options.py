"""The Numba options pdecheck's grid kernels are compiled with.

Every kernel is cached on disk: ``cache=True`` is written at each decorator, beside
``**KERNEL`` or ``**HELPER``, so that it shows where the function is. Numba also builds two
wrappers for each compiled function: a CPython entry point (boxing and unboxing every
argument) and a C entry point (for use as a first-class function). Both are code that Numba
lowers in Python and that LLVM optimises again in every caller that links the function in, so
a wrapper nobody calls is paid several times over in a cold compile. Hence two option sets:

- :data:`KERNEL` — a function Python calls (keeps the CPython wrapper);
- :data:`HELPER` — a function only compiled code calls (no wrapper at all).

Both use NumPy's error model: a division by zero gives inf or NaN, which the kernels detect and
report, instead of a ZeroDivisionError check (and its exception-raising code) at every division.
No function compiled with these options is passed as a first-class function (the field cfuncs
are ``numba.cfunc`` objects).
"""

from __future__ import annotations

from typing import Any

KERNEL: dict[str, Any] = {"no_cfunc_wrapper": True, "error_model": "numpy"}
HELPER: dict[str, Any] = {**KERNEL, "no_cpython_wrapper": True}

__all__ = ["HELPER", "KERNEL"]
