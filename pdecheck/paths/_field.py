"""The marginal field of a mixture of conditional paths (seed eq. 14, CATALOGUE A3/A4).

Every marginal field in :mod:`pdecheck.paths` has the form

    f_t(x) = Σ_k r_k(t, x) a_k(t, x),   r_k = w_k p_k(x) / Σ_j w_j p_j(x),

with p_k the density of component k at time t (the conditional density p_t(x|x_k) for point
data, a Gaussian for Gaussian-mixture data) and a_k(t, x) = E[ẋ_t | x_t = x, k] its affine
velocity. A path describes the components through :class:`Terms`; :class:`MarginalField` does
the rest once: the weighted average (in log space, so Gaussian tails do not underflow), the
exact divergence

    ∇·f = Σ_k r_k ∇·a_k + Σ_k r_k (s_k − s̄)·a_k,   s_k = ∇log p_k,  s̄ = Σ_k r_k s_k,

(from ∇r_k = r_k (s_k − s̄)), the score s̄ = ∇log p_t, and the flag for points where every p_k is
0 (compact priors, CATALOGUE A5): there f is NaN, counted in ``undefined_evaluations`` and
warned about once — never a silent 0/0.

Public names: :class:`Terms`, :class:`MarginalField`, :class:`ScoreField`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import as_points
from pdecheck.densities.mixtures import softmax_rows
from pdecheck.fields import CompiledField

__all__ = ["MarginalField", "ScoreField", "Terms"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Terms:
    """Components at time t for points x (n, d): ``logw`` (n, k) = log w_k p_k(x) (−inf where
    p_k = 0), ``score`` (n, k, d) = ∇log p_k(x) (any value where p_k = 0), ``velocity``
    (n, k, d) = a_k(t, x) and ``div_velocity`` = ∇·a_k, of shape (k,) when a_k is affine
    (constant in x) or (n, k) otherwise. ``score`` and ``div_velocity`` are None where a path
    cannot give them (then ``MarginalField.divergence`` raises)."""

    logw: Array
    velocity: Array
    score: Array | None = None
    div_velocity: Array | None = None


@dataclass(frozen=True)
class _Averages:
    defined: NDArray[np.bool_]
    r: Array


def _responsibilities(terms: Terms) -> _Averages:
    top = np.max(terms.logw, axis=1)
    defined = np.isfinite(top)
    r = np.zeros_like(terms.logw)
    if np.any(defined):
        lw = terms.logw[defined]
        r[defined] = softmax_rows(lw)
    return _Averages(defined, r)


class MarginalField:
    """f_t(x) of seed eq. 14 as a field object (``f(t, x)``, x of shape (n, d)).

    - ``defined(t, x)``: mask of points where the marginal density is positive;
    - ``divergence(t, x)``: exact ∇·f_t (for log-densities along trajectories, CATALOGUE H3);
    - ``compiled()``: the per-point Numba kernel, or None when the path has no compiled form;
    - ``full_terms``: where scores and ∇·a_k cost more than the field (trajectory families),
      the terms with them, used by ``divergence`` and ``score`` only;
    - ``undefined_evaluations``: how many points so far fell where f is undefined (NaN).
    """

    def __init__(
        self,
        terms: Callable[[float, Array], Terms],
        dim: int,
        *,
        name: str,
        compiled: Callable[[], CompiledField | None] | None = None,
        check_t: Callable[[float], float] | None = None,
        full_terms: Callable[[float, Array], Terms] | None = None,
    ) -> None:
        self._terms = terms
        self._full_terms = full_terms if full_terms is not None else terms
        self.dim = dim
        self.name = name
        self._compiled_factory = compiled
        self._compiled: CompiledField | None = None
        self._check_t = check_t
        self.undefined_evaluations = 0

    def __repr__(self) -> str:
        return f"MarginalField({self.name})"

    @property
    def flagged(self) -> bool:
        """True once any evaluation fell where the marginal density is 0."""
        return self.undefined_evaluations > 0

    def _evaluate(
        self, t: Any, x: ArrayLike, *, full: bool = False
    ) -> tuple[Terms, _Averages, Array, bool]:
        tt = float(t) if self._check_t is None else self._check_t(t)
        pts, flat = as_points("x", x, self.dim)
        terms = (self._full_terms if full else self._terms)(tt, pts)
        return terms, _responsibilities(terms), pts, flat

    def _note_undefined(self, defined: NDArray[np.bool_]) -> None:
        missing = int(np.count_nonzero(~defined))
        if missing:
            if not self.flagged:
                warnings.warn(
                    f"{self.name}: the field is undefined at {missing} point(s) (marginal density "
                    "0, or σ_t = 0 where p_t is atomic); returned as NaN (counted in "
                    "undefined_evaluations)",
                    RuntimeWarning,
                    stacklevel=3,
                )
            self.undefined_evaluations += missing

    def __call__(self, t: float, x: ArrayLike) -> Array:
        terms, avg, _, flat = self._evaluate(t, x)
        out = np.einsum("nk,nkd->nd", avg.r, np.where(avg.r[:, :, None] > 0, terms.velocity, 0.0))
        out[~avg.defined] = np.nan
        self._note_undefined(np.all(np.isfinite(out), axis=1))
        return out[:, 0] if flat else out

    def defined(self, t: float, x: ArrayLike) -> NDArray[np.bool_]:
        """Boolean mask: True where the marginal density p_t(x) > 0 and f_t(x) is defined."""
        _, avg, _, _ = self._evaluate(t, x)
        return avg.defined

    def divergence(self, t: float, x: ArrayLike) -> Array:
        """∇·f_t(x), shape (n,); NaN where f is undefined."""
        terms, avg, _, _ = self._evaluate(t, x, full=True)
        if terms.score is None or terms.div_velocity is None:
            raise NotImplementedError(f"{self.name}: no exact divergence for this path")
        active = avg.r[:, :, None] > 0
        s = np.where(active, terms.score, 0.0)
        a = np.where(active, terms.velocity, 0.0)
        s_bar = np.einsum("nk,nkd->nd", avg.r, s)
        f = np.einsum("nk,nkd->nd", avg.r, a)
        div_a = np.broadcast_to(terms.div_velocity, avg.r.shape)
        div = (
            np.sum(avg.r * np.where(avg.r > 0, div_a, 0.0), axis=1)
            + np.einsum("nk,nk->n", avg.r, np.sum(s * a, axis=2))
            - np.sum(s_bar * f, axis=1)
        )
        div[~avg.defined] = np.nan
        self._note_undefined(avg.defined)
        return np.asarray(div, dtype=float)

    def score(self, t: float, x: ArrayLike) -> Array:
        """∇log p_t(x) = Σ_k r_k s_k (NaN where p_t = 0)."""
        terms, avg, _, flat = self._evaluate(t, x, full=True)
        if terms.score is None:
            raise NotImplementedError(f"{self.name}: no exact score for this path")
        s = np.where(avg.r[:, :, None] > 0, terms.score, 0.0)
        out = np.einsum("nk,nkd->nd", avg.r, s)
        out[~avg.defined] = np.nan
        return out[:, 0] if flat else out

    def compiled(self) -> CompiledField | None:
        """The compiled per-point kernel, or None (schedule without ``jit_spec``, other priors)."""
        if self._compiled is None and self._compiled_factory is not None:
            self._compiled = self._compiled_factory()
        return self._compiled


class ScoreField:
    """(t, x) -> ∇log p_t(x) of a marginal, as a field-shaped callable."""

    def __init__(self, field: MarginalField) -> None:
        self._field = field
        self.dim = field.dim

    def __repr__(self) -> str:
        return f"ScoreField({self._field.name})"

    def __call__(self, t: float, x: ArrayLike) -> Array:
        return self._field.score(t, x)
