"""The registries of integration schemes: explicit Runge–Kutta tableaux for ODEs and the SDE
schemes, each with its nominal order.

ODE (``dx/dt = f_t(x)``, any fixed time grid, forward or backward — a step is h = t_{k+1} − t_k,
negative when integrating backward): ``euler`` (order 1), ``heun`` (explicit trapezoid,
order 2), ``rk4`` (classical, order 4) — Hairer, Nørsett & Wanner, *Solving ODEs I*, II.1.

SDE (``dx = f_t(x) dt + g dW``): ``euler_maruyama`` (strong order 1/2, or 1 for additive
noise; weak order 1) and ``weak2``, the explicit order-2.0 weak scheme of Kloeden & Platen
(1992, eq. 15.1.1) for additive noise with the noise evaluated at the mid-step,

    X̄ = X + f_t(X) h + g_{t+h/2} ΔW,   X' = X + ½(f_t(X) + f_{t+h}(X̄)) h + g_{t+h/2} ΔW,

which matches the weak Taylor expansion to O(h²): the midpoint absorbs g'·ΔW·h/2 and the
predictor the terms f'gΔWh/2 and ¼f''g²h² (ΔW² ≈ h in mean).

Public names: :class:`Tableau`, :data:`ODE_METHODS`, :class:`SDEScheme`, :data:`SDE_METHODS`,
:func:`ode_method`, :func:`sde_method`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["ODE_METHODS", "SDE_METHODS", "SDEScheme", "Tableau", "ode_method", "sde_method"]


@dataclass(frozen=True)
class Tableau:
    """Butcher tableau (A strictly lower triangular, weights b, nodes c) and nominal order."""

    name: str
    A: NDArray[np.float64]
    b: NDArray[np.float64]
    c: NDArray[np.float64]
    order: int

    @property
    def stages(self) -> int:
        return int(self.b.size)


def _tableau(name: str, A: list[list[float]], b: list[float], order: int) -> Tableau:
    a = np.array(A, dtype=float)
    return Tableau(name, a, np.array(b, dtype=float), a.sum(axis=1), order)


ODE_METHODS: dict[str, Tableau] = {
    t.name: t
    for t in (
        _tableau("euler", [[0.0]], [1.0], 1),
        _tableau("heun", [[0.0, 0.0], [1.0, 0.0]], [0.5, 0.5], 2),
        _tableau(
            "rk4",
            [[0, 0, 0, 0], [0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 1.0, 0]],
            [1 / 6, 1 / 3, 1 / 3, 1 / 6],
            4,
        ),
    )
}


@dataclass(frozen=True)
class SDEScheme:
    """An SDE scheme: its kernel code, weak order and whether it accepts g(t, x)."""

    name: str
    code: int
    weak_order: int
    multiplicative: bool


SDE_METHODS: dict[str, SDEScheme] = {
    s.name: s for s in (SDEScheme("euler_maruyama", 0, 1, True), SDEScheme("weak2", 1, 2, False))
}


def _lookup(registry: dict, method: object, what: str):
    if not isinstance(method, str) or method not in registry:
        raise ValueError(
            f"method={method!r} is not a known {what} scheme; known: {sorted(registry)}"
        )
    return registry[method]


def ode_method(method: object) -> Tableau:
    """The tableau registered under ``method``."""
    return _lookup(ODE_METHODS, method, "ODE")


def sde_method(method: object) -> SDEScheme:
    """The SDE scheme registered under ``method``."""
    return _lookup(SDE_METHODS, method, "SDE")
