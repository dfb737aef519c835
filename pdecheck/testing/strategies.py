"""Hypothesis strategies that generate valid path designs.

- :func:`schedules` — schedules (α_t, σ_t) from the families ``linear``, ``polynomial``
  (monotone by construction: coefficients from positive integer increments, STATISTICS.md §5),
  ``cosine`` (the iDDPM cosine with a random offset s), ``vp``, ``subvp`` and ``ve`` with random
  parameters;
- :func:`point_mixtures` — p_0 = Σ w_i δ(x − x_i) with points on a lattice and weights from
  positive integers;
- :func:`gaussian_mixtures` — Σ w_k N(m_k, s_k² I);
- :func:`priors` — a standard Gaussian or a uniform box in d dimensions;
- :func:`affine_paths` — ``AffinePath(schedule, prior)``;
- :func:`linear_sdes` — linear SDEs with Gaussian kernels (VP, sub-VP, VE, OU and the DDPM
  link of a generated schedule).

Every parameter is an integer or a ratio of integers, so no example sits on the edge of a
validity rule by rounding, and no example is rejected (no ``assume``/``filter``). With the
suite's deterministic profile (``derandomize=True``, no database, no deadline, see
tests/conftest.py) the examples are the same in every run. Parameter ranges are kept small
(|x| ≤ 2, β ≤ 20, σ_max ≤ 5) so that grid and particle checks on a generated design stay fast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from pdecheck import schedules as sch
from pdecheck.densities import Gaussian, GaussianMixture, PointMixture, Uniform

__all__ = [
    "FAMILIES",
    "affine_paths",
    "gaussian_mixtures",
    "linear_sdes",
    "point_mixtures",
    "priors",
    "schedules",
]

#: the schedule families :func:`schedules` draws from
FAMILIES = ("linear", "polynomial", "cosine", "vp", "subvp", "ve")

#: the families that can meet each rule on α_T (see :func:`schedules`)
_ALPHA_END = {
    "any": set(FAMILIES),
    "zero": {"linear", "polynomial", "cosine"},
    "positive": {"polynomial", "vp", "subvp", "ve"},
}

IntRange = int | tuple[int, int]


def _bounds(name: str, value: IntRange, minimum: int) -> tuple[int, int]:
    lo, hi = (value, value) if isinstance(value, int) else value
    ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi))
    if not ok or not minimum <= lo <= hi:
        raise ValueError(
            f"{name}={value!r} must be an integer or a pair lo <= hi of integers >= {minimum}"
        )
    return lo, hi


# -- schedules -----------------------------------------------------------------------------
def _polynomial(a: Sequence[int], b: Sequence[int], T: float) -> sch.Schedule:
    """α_t = Σ_k a_k (1 − u)^k, σ_t = Σ_k b_k u^k (u = t/T), with a_k, b_k ≥ 0 normalised
    integers: α_0 = Σ a_k = 1, σ_0 = 0, σ_T = 1, α strictly decreasing, σ strictly increasing."""
    ca = np.polynomial.Polynomial(np.asarray(a, dtype=float) / sum(a))
    cb = np.polynomial.Polynomial(np.concatenate([[0.0], np.asarray(b, dtype=float) / sum(b)]))
    da, db = ca.deriv(), cb.deriv()
    return sch.Schedule.from_functions(
        alpha=lambda t: ca(1.0 - t / T),
        sigma=lambda t: cb(t / T),
        dalpha=lambda t: -da(1.0 - t / T) / T,
        dsigma=lambda t: db(t / T) / T,
        T=T,
        name=f"polynomial(a={list(a)}, b={list(b)})",
    )


def _cosine(s: float, T: float) -> sch.Schedule:
    """iDDPM cosine: α_t = cos θ(u)/cos θ(0), θ(u) = (u + s)/(1 + s)·π/2, σ_t = √(1 − α_t²)."""
    c0 = np.cos(0.5 * np.pi * s / (1.0 + s))
    w = 0.5 * np.pi / ((1.0 + s) * T)

    def alpha(t: Any) -> Any:
        return np.cos(w * t + 0.5 * np.pi * s / (1.0 + s)) / c0

    def dalpha(t: Any) -> Any:
        return -w * np.sin(w * t + 0.5 * np.pi * s / (1.0 + s)) / c0

    def sigma(t: Any) -> Any:
        return np.sqrt(np.clip(1.0 - alpha(t) ** 2, 0.0, None))

    def dsigma(t: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return -alpha(t) * dalpha(t) / sigma(t)

    return sch.Schedule.from_functions(alpha, sigma, dalpha, dsigma, T=T, name=f"cosine(s={s:g})")


@st.composite
def _family(draw: st.DrawFn, family: str, T: float, alpha_end: str) -> sch.Schedule:
    if family == "linear":
        return sch.Linear(T)
    if family == "polynomial":
        degree = draw(st.integers(1, 3))
        coefficients = st.lists(st.integers(1, 8), min_size=degree, max_size=degree)
        a_T = {"any": st.integers(0, 4), "zero": st.just(0), "positive": st.integers(1, 4)}
        a = [draw(a_T[alpha_end]), *draw(coefficients)]
        b = draw(coefficients)
        return _polynomial(a, b, T)
    if family == "cosine":
        return _cosine(draw(st.integers(1, 100)) / 1000.0, T)
    if family in ("vp", "subvp"):
        beta_min = draw(st.integers(1, 10)) / 10.0
        beta_max = beta_min + draw(st.integers(0, 19))
        cls = sch.VP if family == "vp" else sch.SubVP
        return cls(beta_min=beta_min, beta_max=beta_max, T=T)
    sigma_min = draw(st.integers(1, 10)) / 100.0
    return sch.VE(sigma_min=sigma_min, sigma_max=draw(st.integers(1, 5)), T=T)


def schedules(
    families: Sequence[str] | None = None,
    T: float | st.SearchStrategy[float] = 1.0,
    *,
    alpha_end: str = "any",
) -> st.SearchStrategy[sch.Schedule]:
    """Valid schedules (α_0 = 1, σ_0 = 0, σ_t > 0 for t > 0) from the given ``families`` (by
    default every family that can meet ``alpha_end``).

    ``T`` is a horizon or a strategy of horizons. Polynomial schedules are monotone by
    construction (integer coefficients, never a filter); VP/sub-VP draw β_min ∈ {0.1, …, 1} and
    β_max − β_min ∈ {0, …, 19}; VE draws σ_min ∈ {0.01, …, 0.1} and σ_max ∈ {1, …, 5}.
    ``alpha_end`` restricts α_T: "zero" (paths that end exactly on the prior: linear, cosine,
    polynomial), "positive" (the DDPM link, whose f_t = α'/α is singular where α vanishes:
    polynomial, vp, subvp, ve) or "any"; a family that cannot meet it is refused.
    """
    if alpha_end not in _ALPHA_END:
        raise ValueError(f"alpha_end={alpha_end!r} must be one of {tuple(_ALPHA_END)}")
    if families is None:
        families = [f for f in FAMILIES if f in _ALPHA_END[alpha_end]]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown or not families:
        raise ValueError(f"families={families!r}: each must be one of {FAMILIES} (at least one)")
    refused = sorted(set(families) - _ALPHA_END[alpha_end])
    if refused:
        raise ValueError(
            f"families={families!r} with alpha_end={alpha_end!r}: {refused} cannot meet it; "
            f"the rule is families among {sorted(_ALPHA_END[alpha_end])}"
        )
    horizons = T if isinstance(T, st.SearchStrategy) else st.just(float(T))
    return st.tuples(st.sampled_from(tuple(families)), horizons).flatmap(
        lambda ft: _family(ft[0], ft[1], alpha_end)
    )


# -- densities ------------------------------------------------------------------------------
def _lattice_points(
    d: int, k: int, low: float, high: float, spacing: float
) -> st.SearchStrategy[Any]:
    # the lattice points inside [low, high] (round() could add one beyond high)
    m = math.floor((high - low) / spacing * (1 + 1e-12))
    coordinate = st.integers(0, m).map(lambda i: low + i * spacing)
    point = st.lists(coordinate, min_size=d, max_size=d)
    return st.lists(point, min_size=k, max_size=k).map(lambda p: np.asarray(p, dtype=float))


def _weights(k: int) -> st.SearchStrategy[Any]:
    """Weights n_i / Σ n_j from positive integers n_i ∈ {1, …, 10}."""
    return st.lists(st.integers(1, 10), min_size=k, max_size=k).map(
        lambda n: np.asarray(n, float) / sum(n)
    )


def point_mixtures(
    d: int = 1,
    k: IntRange = (1, 4),
    *,
    low: float = -2.0,
    high: float = 2.0,
    spacing: float = 0.25,
) -> st.SearchStrategy[PointMixture]:
    """p_0 = Σ w_i δ(x − x_i) in ``d`` dimensions with ``k`` points (an int or a range) on the
    lattice ``low + spacing·ℤ`` within [low, high]; points may repeat (their weights add)."""
    klo, khi = _bounds("k", k, 1)
    _bounds("d", d, 1)
    if not (spacing > 0 and high >= low):
        raise ValueError(
            f"low={low!r}, high={high!r}, spacing={spacing!r} must satisfy spacing > 0 and "
            "high >= low"
        )

    def build(kk: int) -> st.SearchStrategy[PointMixture]:
        return st.builds(PointMixture, _lattice_points(d, kk, low, high, spacing), _weights(kk))

    return st.integers(klo, khi).flatmap(build)


def gaussian_mixtures(
    d: int = 1,
    k: IntRange = (1, 3),
    *,
    low: float = -2.0,
    high: float = 2.0,
    std_range: tuple[float, float] = (0.1, 1.0),
) -> st.SearchStrategy[GaussianMixture]:
    """Σ w_k N(m_k, s_k² I): means on the quarter lattice of [low, high], stds in ``std_range``
    on steps of 0.05, weights from positive integers."""
    klo, khi = _bounds("k", k, 1)
    _bounds("d", d, 1)
    # the multiples of 0.05 inside std_range (round() could step outside it)
    slo = math.ceil(std_range[0] / 0.05 * (1 - 1e-12))
    shi = math.floor(std_range[1] / 0.05 * (1 + 1e-12))
    if not 1 <= slo <= shi:
        raise ValueError(
            f"std_range={std_range!r} must satisfy 0.05 <= low <= high and hold a multiple of 0.05"
        )

    def build(kk: int) -> st.SearchStrategy[GaussianMixture]:
        stds = st.lists(st.integers(slo, shi), min_size=kk, max_size=kk).map(
            lambda s: np.asarray(s) * 0.05
        )
        return st.builds(
            GaussianMixture, _lattice_points(d, kk, low, high, 0.25), stds, _weights(kk)
        )

    return st.integers(klo, khi).flatmap(build)


def priors(d: int = 1, kinds: Sequence[str] = ("gaussian", "uniform")) -> st.SearchStrategy[Any]:
    """Prior densities p_1 in ``d`` dimensions: the standard Gaussian and/or a uniform box
    [−a, a]^d or [0, 2a]^d with a ∈ {0.5, 1, 1.5, 2}."""
    _bounds("d", d, 1)
    options: list[st.SearchStrategy[Any]] = []
    if "gaussian" in kinds:
        options.append(st.just(Gaussian(np.zeros(d), 1.0)))
    if "uniform" in kinds:
        half = st.integers(1, 4).map(lambda i: 0.5 * i)
        options.append(
            st.tuples(half, st.booleans()).map(
                lambda hb: (
                    Uniform(np.full(d, 0.0), np.full(d, 2 * hb[0]))
                    if hb[1]
                    else Uniform(np.full(d, -hb[0]), np.full(d, hb[0]))
                )
            )
        )
    if not options:
        raise ValueError(f"kinds={kinds!r}: each must be 'gaussian' or 'uniform' (at least one)")
    return st.one_of(options)


def affine_paths(
    d: int = 1,
    schedule: st.SearchStrategy[sch.Schedule] | None = None,
    prior: st.SearchStrategy[Any] | None = None,
) -> st.SearchStrategy[Any]:
    """``AffinePath(schedule, prior)`` from generated schedules and priors (DESIGN.md, "Path
    designs": x_t = α_t x_0 + σ_t x_1, x_1 ~ prior). By default the schedules end on the prior
    (α_T = 0: linear, polynomial, cosine); paths with α_T ≠ 0 are valid too, and their endpoint
    mismatch is reported rather than rejected."""
    from pdecheck.paths import AffinePath

    return st.builds(
        AffinePath,
        schedule
        if schedule is not None
        else schedules(("linear", "polynomial", "cosine"), alpha_end="zero"),
        prior=prior if prior is not None else priors(d),
    )


def linear_sdes(schedule: st.SearchStrategy[sch.Schedule] | None = None) -> st.SearchStrategy[Any]:
    """Linear SDEs dx = f_t x dt + g_t dW with Gaussian kernels p(x_t|x_0) = N(a_t x_0, b_t² I):
    the built-ins VP, sub-VP, VE and OU (CATALOGUE S1–S4) with random parameters, and the DDPM
    link f = d ln α/dt, g² = 2 α σ (σ/α)' (CATALOGUE S6) of a generated schedule."""
    from pdecheck import sde

    if schedule is None:
        schedule = schedules(("polynomial", "vp", "subvp"), alpha_end="positive")
    beta_min = st.integers(1, 10).map(lambda i: i / 10.0)
    beta = st.tuples(beta_min, st.integers(0, 19)).map(lambda bb: (bb[0], bb[0] + bb[1]))
    ve = st.tuples(st.integers(1, 10), st.integers(1, 5)).map(
        lambda ij: (ij[0] / 100.0, float(ij[1]))
    )
    ou = st.tuples(st.integers(1, 20), st.integers(1, 20)).map(
        lambda ij: (ij[0] / 10.0, ij[1] / 10.0)
    )
    return st.one_of(
        schedule.map(sde.SDE.from_schedule),
        beta.map(lambda b: sde.VPSDE(beta_min=b[0], beta_max=b[1])),
        beta.map(lambda b: sde.SubVPSDE(beta_min=b[0], beta_max=b[1])),
        ve.map(lambda v: sde.VESDE(sigma_min=v[0], sigma_max=v[1])),
        ou.map(lambda o: sde.OU(theta=o[0], sigma=o[1])),
    )
