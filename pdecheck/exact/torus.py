"""Advection–diffusion on the torus [0, 2π) (CATALOGUE B.7 M1).

∂_t p + c ∂_x p = D ∂_x² p is solved by p_t(x) = (1 + ε e^{−Dk²t} cos(k(x − ct)))/2π for a
positive integer k and |ε| ≤ 1 (a Fokker–Planck equation with drift c and g = √(2D)).

Public names: :class:`TorusWave` (the density), case M1.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import check_count, check_finite
from pdecheck.cases import Case, Problem, register
from pdecheck.densities import Density

__all__ = ["TorusWave"]

Array = NDArray[np.float64]
TWO_PI = 2.0 * math.pi


class TorusWave(Density):
    """p(x) = (1 + A cos(k(x − φ)))/2π on [0, 2π) with amplitude A = ε e^{−Dk²t}, phase φ = ct.

    The wave number k is a positive integer (CATALOGUE M1: only then is p periodic on
    [0, 2π); −k gives the same density as k, so it is not a second form), |A| <= 1 (p >= 0)
    and φ finite; anything else raises ``ValueError`` naming the argument."""

    dim = 1

    def __init__(self, amplitude: float, k: int, phase: float) -> None:
        if not abs(amplitude) <= 1.0:
            raise ValueError(f"amplitude={amplitude!r} must satisfy |amplitude| <= 1 (p >= 0)")
        self.amplitude, self.k = float(amplitude), check_count("k", k)
        self.phase = float(check_finite("phase", phase))

    def __repr__(self) -> str:
        return f"TorusWave(amplitude={self.amplitude:.6g}, k={self.k}, phase={self.phase:.6g})"

    def _inside(self, x: Array) -> NDArray[np.bool_]:
        return (x >= 0.0) & (x < TWO_PI)

    def pdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        u = pts[:, 0]
        val = (1.0 + self.amplitude * np.cos(self.k * (u - self.phase))) / TWO_PI
        return np.where(self._inside(u), val, 0.0)

    def logpdf(self, x: ArrayLike) -> Array:
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def score(self, x: ArrayLike) -> Array:
        pts, flat = self._points(x)
        u = pts[:, 0]
        c = np.cos(self.k * (u - self.phase))
        out = (
            -self.amplitude
            * self.k
            * np.sin(self.k * (u - self.phase))
            / (1.0 + self.amplitude * c)
        )
        return out if flat else out[:, None]

    def _antiderivative(self, u: Array) -> Array:
        """2π F(u) on [0, 2π]: u + (A/k)(sin(k(u − φ)) + sin(kφ))."""
        a, k, ph = self.amplitude, self.k, self.phase
        return u + a / k * (np.sin(k * (u - ph)) + np.sin(k * ph))

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        lo, hi = self._boxes(lower, upper)
        a = np.clip(lo[:, 0], 0.0, TWO_PI)
        b = np.clip(hi[:, 0], 0.0, TWO_PI)
        return np.where(b > a, (self._antiderivative(b) - self._antiderivative(a)) / TWO_PI, 0.0)

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        """Rejection from U[0, 2π) with envelope (1 + |A|)/2π."""
        out = np.empty(0)
        while out.size < n:
            u = rng.uniform(0.0, TWO_PI, 2 * n)
            keep = rng.random(2 * n) * (1.0 + abs(self.amplitude)) <= 1.0 + self.amplitude * np.cos(
                self.k * (u - self.phase)
            )
            out = np.concatenate([out, u[keep]])
        return out[:n, None]

    def mean(self) -> Array:
        """π − (A/k) sin(kφ) (∫_0^{2π} x cos(k(x − φ)) dx = −2π sin(kφ)/k)."""
        return np.array([math.pi - self.amplitude * math.sin(self.k * self.phase) / self.k])

    def cov(self) -> Array:
        """E x² − (E x)², E x² = 4π²/3 + A(2 cos(kφ)/k² − 2π sin(kφ)/k)."""
        a, k, ph = self.amplitude, self.k, self.phase
        second = 4 * math.pi**2 / 3 + a * (
            2 * math.cos(k * ph) / k**2 - TWO_PI * math.sin(k * ph) / k
        )
        return np.array([[second - self.mean()[0] ** 2]])

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        return np.array([0.0]), np.array([TWO_PI])


M1_SPEED, M1_D, M1_K, M1_EPS = 1.0, 0.1, 2, 0.6


def m1_marginal(t: float) -> TorusWave:
    return TorusWave(M1_EPS * math.exp(-M1_D * M1_K**2 * t), M1_K, M1_SPEED * t)


def _m1_drift(t: float, x: Array) -> Array:
    return np.full_like(np.asarray(x, dtype=float), M1_SPEED)


def _build_m1() -> Problem:
    return Problem(
        drift=_m1_drift,
        initial=m1_marginal(0.0),
        t_span=(0.0, 1.0),
        diffusion=lambda t: math.sqrt(2.0 * M1_D),
        marginal=m1_marginal,
        score=lambda t, x: m1_marginal(t).score(x),
        domain=(np.array([0.0]), np.array([TWO_PI])),
        boundary="periodic",
        notes={"c": M1_SPEED, "D": M1_D, "k": M1_K, "epsilon": M1_EPS},
    )


register(
    Case(
        "M1",
        "advection–diffusion wave on the torus [0, 2π), c = 1, D = 0.1, k = 2",
        "decay rate and phase error; periodic boundary",
        "fokker-planck",
        1,
        _build_m1,
    )
)
