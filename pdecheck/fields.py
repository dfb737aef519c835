"""Velocity fields f_t(x) and the one way they cross into compiled code (DESIGN.md).

A *field* is anything callable as ``f(t, x)`` with ``x`` of shape ``(n, d)`` returning
``(n, d)``: any vectorised NumPy callable works everywhere (the slow path). A field that also
has a method ``compiled() -> CompiledField`` exposes a per-point Numba kernel that grid and
particle kernels call inside their loops (the fast path). Built-in fields (marginal fields of
affine paths, SDE drifts, …) do; a user's own kernel gets one with :func:`field_kernel`::

    @pdecheck.field_kernel(dim=2)
    def rotation(t, x, params, out):      # one point; write f_t(x) into out
        out[0] = -x[1]
        out[1] = x[0]

Public names: :class:`CompiledField`, :class:`FieldLike`, :class:`KernelField`,
:func:`field_kernel`, :func:`compiled_form`, :func:`evaluate`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, as_points, as_real, check_finite

__all__ = ["CompiledField", "FieldLike", "KernelField", "compiled_form", "evaluate", "field_kernel"]

Array = NDArray[np.float64]


@runtime_checkable
class FieldLike(Protocol):
    """f(t, x): (n, d) -> (n, d)."""

    def __call__(self, t: float, x: Array) -> Array: ...


@dataclass(frozen=True)
class CompiledField:
    """A per-point kernel (Numba cfunc with ``pdecheck._jit.signature.FIELD_SIG``) and the
    parameter vector it reads. ``steady`` declares that f does not depend on t, so that a
    solver may evaluate it once per point and reuse the values for every step. ``block``, when
    given, returns the field's block kernel (``BLOCK_SIG``: many points at one t, over the same
    parameters); it is a loader so that the block kernel compiles only for callers that use it."""

    kernel: Any
    params: Array
    dim: int
    steady: bool = False
    block: Callable[[], Any] | None = None


def compiled_form(field: Any) -> CompiledField | None:
    """The field's compiled kernel, or None when only the NumPy path exists."""
    method = getattr(field, "compiled", None)
    if method is None:
        return None
    return method()


def evaluate(
    field: Callable[[float, Array], ArrayLike], t: float, x: Array, *, name: str = "field"
) -> Array:
    """f(t, x) with the shape checked: (n, d) in, (n, d) out.

    Non-finite values are returned as they are (callers count and flag them); a wrong shape
    raises ``ValueError`` naming the field, the shape and the rule. The field sees x through
    a read-only view (the callers' points and states are cached and reused): one that writes
    into x raises ``ValueError`` saying so, instead of corrupting them.
    """
    view = x.view()
    view.flags.writeable = False
    try:
        raw = field(t, view)
    except TypeError:
        if not _binds(field, t, x):  # the call itself failed, not the field's body
            raise TypeError(
                f"{name}={field!r} must be callable as f(t, x) (x of shape (n, d)); its "
                "signature takes other arguments"
            ) from None
        raise
    except ValueError as error:
        if "read-only" not in str(error):
            raise
        raise ValueError(
            f"{name}={field!r} writes into its argument x at t={t!r} ({error}); the rule is "
            "that f(t, x) leaves x as it is and returns a new array (copy x first)"
        ) from error
    try:
        if np.iscomplexobj(raw):
            raise TypeError("complex")
        out = np.asarray(raw, dtype=float)
    except (TypeError, ValueError) as error:
        raise type(error)(
            f"{name} returned {_short(raw)} at t={t!r}; the rule is an array of real numbers of "
            f"shape (n, d) for x of shape {x.shape}"
        ) from None
    if not out.flags.writeable:  # x itself, or a view of it: the caller's to change
        out = out.copy()
    if out.shape != x.shape:
        if x.shape[1] == 1 and out.shape == (x.shape[0],):
            return out.reshape(x.shape)
        raise ValueError(
            f"{name} returned shape {out.shape} for x of shape {x.shape} at t={t!r}; "
            "the rule is f(t, x) of shape (n, d) for x of shape (n, d)"
        )
    return out


def _binds(func: Any, *args: Any) -> bool:
    """Whether ``func``'s signature accepts ``args`` (True when it has none to inspect)."""
    try:
        inspect.signature(func).bind(*args)
    except TypeError:
        return False
    except ValueError:
        return True
    return True


class KernelField:
    """A field defined by a user's per-point Numba function ``kernel(t, x, params, out)``.

    Calling it evaluates the kernel on every row (compiled); ``compiled()`` gives the cfunc
    wrapper for grid and particle kernels. The wrapper is built on first use (it cannot be
    cached on disk because it closes over the user's function; expect ~0.2 s once per process).
    """

    def __init__(
        self, kernel: Any, dim: int, params: ArrayLike = (), *, steady: bool = False
    ) -> None:
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim={dim!r} must be a positive integer")
        if not isinstance(steady, bool):
            raise TypeError(f"steady={steady!r} must be True or False")
        _check_kernel(kernel)
        self.dim = dim
        self.steady = steady
        self.kernel = kernel
        self.params = np.ascontiguousarray(check_finite("params", params), dtype=float).reshape(-1)
        self._compiled: CompiledField | None = None

    def __repr__(self) -> str:
        return f"KernelField({getattr(self.kernel, '__name__', self.kernel)!r}, dim={self.dim})"

    def compiled(self) -> CompiledField:
        if self._compiled is None:
            self._compiled = CompiledField(
                _wrap(self.kernel, self.dim, self.params.size),
                self.params,
                self.dim,
                self.steady,
            )
        return self._compiled

    def __call__(self, t: float, x: ArrayLike) -> Array:
        from pdecheck._jit.signature import apply_field

        tt = float(check_finite("t", as_real("t", t)))
        pts = np.ascontiguousarray(as_points("x", x, self.dim)[0])
        out = np.empty_like(pts)
        cf = self.compiled()
        apply_field(cf.kernel, cf.params, tt, pts, out)
        return out


_KERNEL_RULE = "the rule is kernel(t, x, params, out), writing f_t(x) into out"


def _check_kernel(kernel: Any) -> None:
    """A field kernel is a function (or a Numba dispatcher) of four positional parameters."""
    func = getattr(kernel, "py_func", kernel)
    if not callable(func):
        raise TypeError(f"kernel={kernel!r} is not callable; {_KERNEL_RULE}")
    try:
        inspect.signature(func).bind(0.0, None, None, None)
    except TypeError:
        raise TypeError(
            f"kernel {getattr(func, '__name__', func)!r} has the signature "
            f"{inspect.signature(func)}; {_KERNEL_RULE}"
        ) from None
    except ValueError:  # no signature to inspect (a builtin): Numba will say
        pass


def _wrap(kernel: Any, dim: int, nparams: int) -> Any:
    """The cfunc of FIELD_SIG around a user's kernel; a kernel that does not compile in
    nopython mode raises TypeError naming it, with the cause from Numba's message."""
    import numba

    from pdecheck._jit.signature import FIELD_SIG

    jitted = kernel if hasattr(kernel, "py_func") else numba.njit(kernel)
    size = max(nparams, 1)

    def wrapper(t, xp, d, pp, op):
        out = numba.carray(op, (dim,))
        # a cfunc cannot pass an exception on (Numba prints it and returns): an exception in
        # the kernel leaves NaN, which every solver and integrator reports as non-finite
        for i in range(dim):
            out[i] = np.nan
        jitted(t, numba.carray(xp, (dim,)), numba.carray(pp, (size,))[:nparams], out)

    try:
        return numba.cfunc(FIELD_SIG)(wrapper)
    except numba.core.errors.TypingError as error:
        name = getattr(getattr(kernel, "py_func", kernel), "__name__", kernel)
        cause = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).split("During:", 1)[0].strip()
        raise TypeError(
            f"field kernel {name!r} does not compile with Numba for t: float64, x and out: "
            f"float64[{dim}], params: float64[{nparams}] ({_KERNEL_RULE}). Numba says: "
            f"{cause}"
        ) from None


def field_kernel(
    dim: int, params: ArrayLike = (), *, steady: bool = False
) -> Callable[[Any], KernelField]:
    """Decorator: turn a per-point function ``kernel(t, x, params, out)`` into a field with a
    compiled fast path (see the module docstring). ``steady=True`` declares that the kernel
    ignores t: grid solvers then evaluate it at the faces once, not at every stage."""

    def decorate(kernel: Any) -> KernelField:
        return KernelField(kernel, dim, params, steady=steady)

    return decorate
