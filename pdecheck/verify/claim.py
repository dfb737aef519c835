"""What a user says: a field or an SDE, the data p_0, the prior p_T and (maybe) the marginals.

:class:`Claim` holds a claim in one normal form — ``drift`` f(t, x), ``diffusion`` g(t) (None
for an ODE), ``data`` (p_0), ``prior`` (p_T), ``marginal`` (t -> density, or None), the end
time ``T`` — so that :func:`~pdecheck.verify_transport` treats a user's own callables and
pdecheck's path and SDE objects alike (issue 6, item 2): pdecheck's objects are claims that
happen to be consistent.

A marginal may be given as a density-valued function ``t -> Density`` or as a pdf ``p(t, x)``;
the latter is wrapped in :class:`PdfDensity`, whose box probabilities come from Gauss–Legendre
cubature with an error estimate that the comparisons add to their bias budget (STATISTICS.md
§2: "if p_k comes from cubature with error d_k, add Σ|d_k|").

Public names: :class:`Claim`, :class:`PdfDensity`, :func:`as_claim`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, check_positive
from pdecheck.densities import Density

__all__ = ["Claim", "PdfDensity", "as_claim"]

Array = NDArray[np.float64]
Field = Callable[[float, Array], Array]

#: walls of the domain: closed, open (mass leaves and is counted) or periodic
BOUNDARIES = ("zero-flux", "outflow", "periodic")
#: Gauss–Legendre nodes per cell side for the cubature of a pdf-only marginal
QUAD_NODES = 4


class PdfDensity(Density):
    """p_t given only as a function ``pdf(t, x)`` ((n, d) -> (n,)): box probabilities by a
    tensor Gauss–Legendre rule, with the difference to the rule on halved boxes as the error
    estimate (:meth:`box_probability_with_error`). It cannot be sampled."""

    def __init__(self, pdf: Callable[[float, Array], ArrayLike], t: float, dim: int) -> None:
        self._pdf = pdf
        self.t = float(t)
        self.dim = dim

    def __repr__(self) -> str:
        return f"PdfDensity({getattr(self._pdf, '__name__', 'pdf')}, t={self.t:g})"

    def pdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        out = np.asarray(self._pdf(self.t, pts), dtype=float).reshape(-1)
        if out.shape[0] != pts.shape[0]:
            raise ValueError(
                f"marginal pdf returned {out.shape[0]} values for {pts.shape[0]} points "
                f"at t={self.t:g}; "
                "the rule is p(t, x) of shape (n,) for x of shape (n, d)"
            )
        return out

    def logpdf(self, x: ArrayLike) -> Array:
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def _rule(self, lo: Array, hi: Array, splits: int) -> Array:
        nodes, weights = np.polynomial.legendre.leggauss(QUAD_NODES)
        s = (
            np.arange(splits)[:, None] + 0.5 * (nodes[None, :] + 1.0)
        ).ravel() / splits  # in [0, 1]
        w = np.tile(weights, splits) / (2.0 * splits)
        grids = np.meshgrid(*([s] * self.dim), indexing="ij")
        unit = np.stack([g.ravel() for g in grids], axis=1)  # (q, d)
        wq = np.prod(np.meshgrid(*([w] * self.dim), indexing="ij"), axis=0).ravel()
        width = hi - lo
        pts = lo[:, None, :] + unit[None, :, :] * width[:, None, :]
        vals = self.pdf(pts.reshape(-1, self.dim)).reshape(lo.shape[0], -1)
        return np.asarray(vals @ wq * np.prod(width, axis=1), dtype=float)

    def box_probability_with_error(
        self, lower: ArrayLike, upper: ArrayLike, splits: int = 1
    ) -> tuple[Array, Array]:
        """(P, |P − P_coarse|): the rule on each box cut into (2·splits)^d sub-boxes, and its
        difference to the rule on splits^d sub-boxes (cut large boxes over peaked densities)."""
        lo, hi = self._boxes(lower, upper)
        fine = self._rule(lo, hi, 2 * splits)
        coarse = self._rule(lo, hi, splits)
        return fine, np.abs(fine - coarse)

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        return self.box_probability_with_error(lower, upper)[0]


def _marginal_function(marginal: Any, dim: int) -> Callable[[float], Density]:
    """Normalise a user's marginal: ``t -> Density`` stays, ``p(t, x)`` (two required
    positional parameters) is wrapped."""
    if not callable(marginal):
        raise TypeError(f"marginal={marginal!r} must be a function t -> Density or a pdf p(t, x)")
    if _required_args(marginal) >= 2:
        return lambda t: PdfDensity(marginal, t, dim)

    def density(t: float) -> Density:
        value = marginal(t)
        if not isinstance(value, Density):
            raise TypeError(
                f"marginal({t:g}) returned {type(value).__name__}; a one-argument marginal must "
                "return a pdecheck Density (or pass a pdf p(t, x) of two arguments)"
            )
        if value.dim != dim:
            raise ValueError(f"marginal({t:g}) has dim={value.dim}; the data has dim={dim}")
        return value

    return density


class Claim:
    """A claim that a field (ODE) or an SDE carries ``data`` (p_0 at t = 0) to ``prior`` (p_T at
    t = T), optionally with the marginals p_t the user believes it produces.

    - ``field``: f(t, x), (n, d) -> (n, d); the ODE dx/dt = f_t(x) (continuity equation).
    - ``sde``: a pair ``(drift, diffusion)`` with drift f(t, x) and scalar g(t), or any object
      with ``drift`` and ``diffusion`` attributes; dx = f dt + g dW (Fokker–Planck equation).
      Integrated over a decreasing ``t_span`` it is the reverse-time SDE dx = f dt + g dW̄,
      whose marginals solve ∂_t p = −∇·(f p) − ½ g² Δp (CATALOGUE F2).
    - ``data``, ``prior``: :class:`~pdecheck.densities.Density` objects of one dimension.
    - ``marginal``: ``t -> Density`` or a pdf ``p(t, x)``; None when the user has none.
    - ``defined``: optional ``(t, x) -> bool array``, where the field is defined (compact priors
      leave 0/0 gaps, DESIGN.md "Marginal field").
    - ``domain``: optional box (lower, upper) for the grid; ``boundary`` its walls
      ("zero-flux", "outflow", or "periodic", where particles are wrapped into the box).
    """

    def __init__(
        self,
        field: Field | None = None,
        *,
        sde: Any = None,
        data: Density,
        prior: Density,
        marginal: Any = None,
        T: float = 1.0,
        defined: Callable[[float, Array], Array] | None = None,
        domain: tuple[ArrayLike, ArrayLike] | None = None,
        boundary: str = "zero-flux",
        name: str | None = None,
    ) -> None:
        if (field is None) == (sde is None):
            raise ValueError(
                f"field={field!r}, sde={sde!r}: give exactly one of them (an ODE field or an SDE)"
            )
        for label, dens in (("data", data), ("prior", prior)):
            if not isinstance(dens, Density):
                raise TypeError(
                    f"{label}={dens!r} must be a pdecheck Density "
                    "(e.g. pc.PointMixture, pc.Gaussian)"
                )
        if data.dim != prior.dim:
            raise ValueError(
                f"data has dim={data.dim} but prior has dim={prior.dim}; they must agree"
            )
        self.dim = data.dim
        self.data = data
        self.prior = prior
        self.T = float(check_positive("T", T))
        if field is not None:
            if not callable(field):
                raise TypeError(f"field={field!r} must be callable as f(t, x)")
            self.drift: Field = field
            self.diffusion: Callable[[float], float] | None = None
        else:
            drift, diffusion = _split_sde(sde)
            self.drift, self.diffusion = drift, diffusion
        self.marginal = None if marginal is None else _marginal_function(marginal, self.dim)
        self.defined = defined
        self.domain = None if domain is None else _box(domain, self.dim)
        if boundary not in BOUNDARIES or (boundary == "periodic" and domain is None):
            raise ValueError(
                f"boundary={boundary!r} must be one of {BOUNDARIES}; 'periodic' needs a domain"
            )
        self.boundary = boundary
        self.name = name or ("SDE claim" if self.diffusion is not None else "ODE claim")
        #: the time span a verification uses when none is given (a case's own span)
        self.t_span: tuple[float, float] = (0.0, self.T)

    @property
    def is_sde(self) -> bool:
        return self.diffusion is not None

    def __repr__(self) -> str:
        kind = "sde" if self.is_sde else "field"
        return (
            f"Claim({self.name!r}, {kind}, data={self.data!r}, prior={self.prior!r}, "
            f"marginal={'given' if self.marginal else 'none'}, T={self.T:g})"
        )

    def density_at(self, t: float) -> Density | None:
        """The density the claim asserts at time t: the data at t = 0, else the marginal where
        given, else the prior at t = T, else None. (A claimed p_T that differs from the
        declared prior is reported by the verdict as an endpoint mismatch.)"""
        if t == 0.0:
            return self.data
        if self.marginal is not None:
            return self.marginal(t)
        return self.prior if t == self.T else None

    def initial_at(self, t: float) -> Density | None:
        """Where a run starts: the data at t = 0, the declared prior at t = T (generation starts
        from what the user samples), else the marginal where given."""
        if t == self.T:
            return self.prior
        return self.density_at(t)


def _split_sde(sde: Any) -> tuple[Field, Callable[[float], float]]:
    if isinstance(sde, tuple) and len(sde) == 2:
        drift, diffusion = sde
    elif hasattr(sde, "drift") and hasattr(sde, "diffusion"):
        drift, diffusion = sde.drift, sde.diffusion
    else:
        raise TypeError(
            f"sde={sde!r} must be a pair (drift, diffusion) or have drift and diffusion attributes"
        )
    if not callable(drift) or not callable(diffusion):
        raise TypeError(
            f"sde=({drift!r}, {diffusion!r}): drift f(t, x) and diffusion g(t) must be callable"
        )
    return drift, diffusion


def _box(domain: tuple[ArrayLike, ArrayLike], dim: int) -> tuple[Array, Array]:
    lo = np.broadcast_to(np.asarray(domain[0], dtype=float), (dim,)).copy()
    hi = np.broadcast_to(np.asarray(domain[1], dtype=float), (dim,)).copy()
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(hi > lo)):
        raise ValueError(
            f"domain=({_short(lo)}, {_short(hi)}) must be a finite box with upper > lower"
        )
    return lo, hi


def as_claim(subject: Any, data: Density | None = None) -> Claim:
    """A :class:`Claim` from a claim, a pdecheck path (with ``data``), an SDE with a known
    marginal (with ``data``) or a built-in case (id or :class:`~pdecheck.cases.Case`)."""
    if isinstance(subject, Claim):
        if data is not None:
            raise ValueError("data is part of the Claim; pass data=None with a Claim")
        return subject
    if isinstance(subject, str) or type(subject).__name__ == "Case":
        return _from_case(subject)
    if data is None:
        raise ValueError(f"data=None: a {type(subject).__name__} needs the data p_0 to be verified")
    if not isinstance(data, Density):
        raise TypeError(f"data={data!r} must be a pdecheck Density")
    if hasattr(subject, "marginal_field"):
        return _from_path(subject, data)
    if hasattr(subject, "drift") and hasattr(subject, "diffusion"):
        return _from_sde(subject, data)
    raise TypeError(
        f"{subject!r} is neither a Claim, a path (with marginal_field), an SDE (drift, diffusion) "
        "nor a case id"
    )


def _from_path(path: Any, data: Density) -> Claim:
    T = float(getattr(getattr(path, "schedule", None), "T", 1.0))
    field = path.marginal_field(data)
    defined: Any = getattr(field, "defined", None)
    return Claim(
        field=field,
        data=data,
        prior=path.prior,
        marginal=lambda t: path.marginal(data, t),
        T=T,
        defined=(lambda t, x: defined(data, t, x))
        if defined is not None and _required_args(defined) == 3
        else defined,
        name=type(path).__name__,
    )


def _from_sde(sde: Any, data: Density) -> Claim:
    T = float(getattr(sde, "T", 1.0))
    marginal = getattr(sde, "marginal", None)
    if marginal is None:
        raise ValueError(f"{sde!r} has no closed-form marginal; wrap it in a Claim with its prior")
    prior = sde.prior if hasattr(sde, "prior") else marginal(data, T)
    return Claim(
        sde=sde,
        data=data,
        prior=prior,
        marginal=lambda t: marginal(data, t),
        T=T,
        name=type(sde).__name__,
    )


def _from_case(case: Any) -> Claim:
    from pdecheck import cases

    c = cases.get(case) if isinstance(case, str) else case
    prob = c.problem()
    t0, t1 = prob.t_span
    if prob.marginal is None:
        raise ValueError(
            f"case {c.id} has no exact marginal; it cannot be verified as a transport claim"
        )
    T = max(t0, t1)
    start = min(t0, t1)
    try:
        data = prob.marginal(start)
    except (ValueError, ZeroDivisionError, FloatingPointError):  # atomic data: no density at 0
        data = prob.initial if t0 == start else prob.marginal(start + 1e-12 * T)
    kwargs: dict[str, Any] = (
        {"sde": (prob.drift, prob.diffusion)} if prob.diffusion else {"field": prob.drift}
    )
    claim = Claim(
        **kwargs,
        data=data,
        prior=prob.marginal(T),
        marginal=prob.marginal,
        T=T,
        domain=prob.domain,
        boundary=prob.boundary,
        name=f"case {c.id}",
    )
    claim.t_span = (float(t0), float(t1))
    return claim


def _required_args(fn: Any) -> int:
    """Positional parameters without a default (a ``lambda t, s=s:`` takes one)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in kinds and p.default is inspect.Parameter.empty)
