"""Reproducible per-particle random streams: xoshiro256++ seeded by splitmix64, ziggurat normals.

Particle ``i`` of a run with seed ``s`` owns its own xoshiro256++ generator (Blackman & Vigna
2021) whose 256-bit state is four successive splitmix64 outputs started from
``mix(mix(s + γ) + i·γ)``. Its random numbers therefore depend only on ``(s, i)``: a
parallel loop over particles gives bit-identical results for any number of threads.
Standard normals come from the 256-layer ziggurat of Marsaglia & Tsang (2000, J. Stat. Softw.
5(8)) with the exact tail sampler of Marsaglia (1964).

Compiled (``njit``) building blocks, for kernels that draw inside their own particle loop, in
two forms that give the same numbers. State in four scalars (kept in registers: the fast form,
inlined into the caller): :func:`seed4` ((seed, particle) → (s0, s1, s2, s3)), :func:`next4`,
:func:`uniform4` (in (0, 1]), :func:`normal4`, each returning its value and the new state.
State in a ``uint64[4]`` array, advanced in place: :func:`seed_state`, :func:`next_u64`,
:func:`uniform`, :func:`normal`.

Python entry points: :func:`init_states` ((n, 4) states), :func:`fill_normals` (advance every
stream), :func:`normals` (the first ``m`` normals of each of ``n`` streams) and
:func:`brownian_increments` — exactly the increments ``integrate_sde(seed=...)`` uses.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import check_seed

__all__ = [
    "brownian_increments",
    "fill_normals",
    "init_states",
    "next4",
    "next_u64",
    "normal",
    "normal4",
    "normals",
    "seed4",
    "seed_state",
    "uniform",
    "uniform4",
]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)  # splitmix64 increment, 2^64 / golden ratio
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TWO_M53 = 1.0 / 9007199254740992.0  # 2^-53


def _ziggurat_tables(layers: int = 256) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Layer edges x_0 > x_1 = r > … > x_layers = 0 and f(x_i) = exp(−x_i²/2) of the ziggurat.

    Each layer has the area v = r f(r) + ∫_r^∞ f (Marsaglia & Tsang 2000); the base layer
    (i = 0) is the rectangle [0, v/f(r)] × [0, f(r)] that also stands for the tail.
    """
    r = 3.6541528853610088
    v = r * math.exp(-0.5 * r * r) + math.sqrt(math.pi / 2) * math.erfc(r / math.sqrt(2.0))
    x = np.zeros(layers + 1)
    x[0], x[1] = v / math.exp(-0.5 * r * r), r
    for i in range(1, layers - 1):
        x[i + 1] = math.sqrt(-2.0 * math.log(v / x[i] + math.exp(-0.5 * x[i] ** 2)))
    return x, np.exp(-0.5 * x * x)


_ZIG_X, _ZIG_F = _ziggurat_tables()
_ZIG_R = float(_ZIG_X[1])
# x_i·2^-53: the abscissa float(bits)·2^-53·x_i in one product, bit for bit (2^-53 is exact)
_ZIG_W = _ZIG_X * _TWO_M53


@numba.njit(cache=True, inline="always")
def _mix64(z):
    """The splitmix64 output function (Steele, Lea & Flood 2014)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@numba.njit(cache=True, inline="always")
def seed4(seed, particle):
    """The xoshiro256++ state (s0, s1, s2, s3) of the stream of (seed, particle), by splitmix64."""
    z = _mix64(_mix64(np.uint64(seed) + _GAMMA) + np.uint64(particle) * _GAMMA)
    z0 = z + _GAMMA
    z1 = z0 + _GAMMA
    z2 = z1 + _GAMMA
    z3 = z2 + _GAMMA
    return _mix64(z0), _mix64(z1), _mix64(z2), _mix64(z3)


@numba.njit(cache=True, inline="always")
def next4(s0, s1, s2, s3):
    """One xoshiro256++ output and the advanced state: (output, s0, s1, s2, s3)."""
    result = _rotl(s0 + s3, 23) + s0
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@numba.njit(cache=True, inline="always")
def uniform4(s0, s1, s2, s3):
    """A uniform double in (0, 1] (53 random bits, safe under log) and the advanced state."""
    j, s0, s1, s2, s3 = next4(s0, s1, s2, s3)
    return (float(j >> np.uint64(11)) + 1.0) * _TWO_M53, s0, s1, s2, s3


@numba.njit(cache=True)
def _normal_rejected(j, s0, s1, s2, s3):
    """The rest of the ziggurat after the output ``j`` failed the fast test x < x_{i+1}: the
    tail (layer 0) or the wedge test, then fresh draws until one is accepted."""
    while True:
        i = np.int64(j & np.uint64(255))
        negative = (j >> np.uint64(8)) & np.uint64(1)
        x = float(j >> np.uint64(11)) * _ZIG_W[i]
        if x < _ZIG_X[i + 1]:
            return (-x if negative else x), s0, s1, s2, s3
        if i == 0:  # tail beyond r: Marsaglia (1964)
            while True:
                u, s0, s1, s2, s3 = uniform4(s0, s1, s2, s3)
                a = -math.log(u) / _ZIG_R
                u, s0, s1, s2, s3 = uniform4(s0, s1, s2, s3)
                b = -math.log(u)
                if 2.0 * b > a * a:
                    break
            x = _ZIG_R + a
            return (-x if negative else x), s0, s1, s2, s3
        u, s0, s1, s2, s3 = uniform4(s0, s1, s2, s3)
        y = _ZIG_F[i] + u * (_ZIG_F[i + 1] - _ZIG_F[i])
        if y < math.exp(-0.5 * x * x):
            return (-x if negative else x), s0, s1, s2, s3
        j, s0, s1, s2, s3 = next4(s0, s1, s2, s3)


@numba.njit(cache=True, inline="always")
def normal4(s0, s1, s2, s3):
    """A standard normal by the 256-layer ziggurat (bits 0–7 layer, bit 8 sign, 11–63 abscissa)
    and the advanced state. The fast test (accepted about 99 % of the time) is inlined; the
    rest is :func:`_normal_rejected`. The state lives in four scalars, i.e. in registers."""
    j, s0, s1, s2, s3 = next4(s0, s1, s2, s3)
    i = np.int64(j & np.uint64(255))
    x = float(j >> np.uint64(11)) * _ZIG_W[i]
    if x < _ZIG_X[i + 1]:
        return (-x if (j >> np.uint64(8)) & np.uint64(1) else x), s0, s1, s2, s3
    return _normal_rejected(j, s0, s1, s2, s3)


@numba.njit(cache=True)
def seed_state(seed, particle, state):
    """Fill ``state`` (uint64[4]) for the stream of (seed, particle) by splitmix64."""
    state[0], state[1], state[2], state[3] = seed4(seed, particle)


@numba.njit(cache=True, inline="always")
def next_u64(s):
    """One xoshiro256++ output; advances the state ``s`` (uint64[4]) in place."""
    result, s[0], s[1], s[2], s[3] = next4(s[0], s[1], s[2], s[3])
    return result


@numba.njit(cache=True, inline="always")
def uniform(s):
    """A uniform double in (0, 1] (53 random bits), safe under log."""
    u, s[0], s[1], s[2], s[3] = uniform4(s[0], s[1], s[2], s[3])
    return u


@numba.njit(cache=True, inline="always")
def normal(s):
    """A standard normal (:func:`normal4`) from the state ``s`` (uint64[4]), advanced in place."""
    z, s[0], s[1], s[2], s[3] = normal4(s[0], s[1], s[2], s[3])
    return z


@numba.njit(cache=True, parallel=True)
def _init_states(seed, n):
    states = np.empty((n, 4), dtype=np.uint64)
    for i in numba.prange(n):
        seed_state(seed, i, states[i])
    return states


@numba.njit(cache=True, parallel=True)
def _fill_normals(states, out):
    n, m = out.shape
    for i in numba.prange(n):
        s0, s1, s2, s3 = states[i, 0], states[i, 1], states[i, 2], states[i, 3]
        for k in range(m):
            out[i, k], s0, s1, s2, s3 = normal4(s0, s1, s2, s3)
        states[i, 0], states[i, 1], states[i, 2], states[i, 3] = s0, s1, s2, s3


def _as_seed(seed: Any) -> np.uint64:
    value = check_seed("seed", seed)
    if value >= 2**64:
        raise ValueError(f"seed={seed!r} must be below 2**64")
    return np.uint64(value)


def _as_count(name: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"{name}={n!r} must be a positive integer")
    return int(n)


def init_states(seed: int, n: int) -> NDArray[np.uint64]:
    """The (n, 4) xoshiro256++ states of particles 0..n−1 for ``seed``."""
    return _init_states(_as_seed(seed), _as_count("n", n))


def fill_normals(states: NDArray[np.uint64], out: NDArray[np.float64]) -> None:
    """Draw ``out[i, :]`` from stream ``i`` (advancing ``states`` in place); out is (n, m)."""
    _fill_normals(states, out)


def normals(seed: int, n: int, m: int) -> NDArray[np.float64]:
    """The first ``m`` standard normals of each of the streams 0..n−1: shape (n, m)."""
    out = np.empty((_as_count("n", n), _as_count("m", m)))
    fill_normals(init_states(seed, n), out)
    return out


def brownian_increments(seed: int, n: int, times: ArrayLike, dim: int = 1) -> NDArray[np.float64]:
    """ΔW of shape (n, len(times) − 1, dim): the increments ``integrate_sde(seed=seed)`` draws.

    Particle i's increment on step k, component j, is √|t_{k+1} − t_k| · Z_{i, k·dim + j} with
    Z_i the normal stream of (seed, i). Summing pairs of increments of a grid gives the
    increments of the grid with every other point removed — the coupling used by strong-order
    studies and coupled (multilevel) differences.
    """
    from pdecheck.particles._checks import check_times

    t = check_times(times)
    dim = _as_count("dim", dim)
    steps = t.size - 1
    z = normals(seed, n, steps * dim).reshape(-1, steps, dim)
    return z * np.sqrt(np.abs(np.diff(t)))[None, :, None]
