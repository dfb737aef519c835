"""verify_transport: does the claimed field or SDE carry p_0 to p_T? (issue 6, item 3)

Three answers are produced and held against each other at ``n_times`` times of ``t_span``:

- **particles vs exact** — the fine run of :mod:`._particles` against the claimed (or closed
  form) p_t: KS with the DKW threshold in 1-D, binned L1 + marginal KS in d >= 2
  (:func:`pdecheck.compare.sample_test`), a binned L1 on the box with the cubature error as
  budget for a marginal given only as a pdf; the displacement bias budget of :mod:`._budget`;
- **grid vs exact** — L1 of the finest of three nested grids against the exact cell averages,
  held to the grid convergence index of :mod:`._grid` (deterministic: no α spent);
- **grid vs particles** — binned L1 on the grid aggregated to ``cells_per_axis`` blocks, with the
  GCI as the reference's own error (:func:`pdecheck.compare.samples_vs_grid`);
- **endpoints** — at t = T the reference is the declared prior; where the claim has no
  marginal, that is what is checked, together with the methods against each other; when the
  run ends at atomic data, the particles' nearest-data-point proportions are held to the
  weights (Hoeffding, union bound: :func:`._budget.proportion_interval`); a run towards the
  data that stops at t > 0 is held to the claimed marginal's shares in 1-D, and not at all in
  d >= 2, where those shares have no closed form (:func:`._shares.expected_shares`).

The suite false-alarm rate α is split equally (Bonferroni) over the stochastic checks, so a
correct claim fails with probability at most α. Numerical events become flags
(:class:`~pdecheck.verify.verdict.Flag`): particles or grids producing NaN, negative density,
mass drift, mass outside the box, zero-density gaps where the field is undefined
(:mod:`._gaps`), an endpoint mismatch reported as a W2 lower bound and a binned TV
(:mod:`._endpoint`), and particle steps so coarse that the step-size budget is most of a
check's threshold ("step-bias": the check has lost its power; raise ``steps``). A non-finite
particle is an error flag — the verdict fails whatever the checks of the finite particles say
— unless the field was found undefined on part of the box.

Public name: :func:`verify_transport`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck._validate import check_probability, check_seed
from pdecheck.densities import Density, PointMixture
from pdecheck.verify import _checks, _shares
from pdecheck.verify._endpoint import binned_tv, gelbrich_w2
from pdecheck.verify._gaps import undefined_regions
from pdecheck.verify._grid import BOX_TOL
from pdecheck.verify.claim import Claim, PdfDensity, as_claim
from pdecheck.verify.verdict import Flag, Profile, Verdict

__all__ = ["verify_transport"]

Array = NDArray[np.float64]

METHODS = ("exact", "grid", "particles")
#: what ``grid`` must give (the finest of three nested grids: n/4, n/2 and n cells per axis)
GRID_RULE = "cells per axis >= 8 and divisible by 4"
#: default cells per axis of the finest grid, by dimension
GRID_CELLS = {1: 256, 2: 64, 3: 16}
#: default coarse particle steps over t_span (the fine run halves them): RK4 / Euler–Maruyama
PARTICLE_STEPS = {"ode": 32, "sde": 256}


def verify_transport(
    subject: Any,
    data: Density | None = None,
    t_span: tuple[float, float] | None = None,
    *,
    methods: Sequence[str] = METHODS,
    alpha: float = 1e-3,
    n: int = 4000,
    grid: Any = None,
    n_times: int = 4,
    steps: int | None = None,
    seed: int = 0,
) -> Verdict:
    """Verify that ``subject`` carries p_{t_0} to p_{t_1} along the marginals it claims.

    ``subject``: a :class:`~pdecheck.verify.Claim`, a pdecheck path (with ``data``), an SDE
    with a closed-form marginal (with ``data``) or a case id. ``t_span`` (default (0, T), or
    the case's own span) may decrease: a generation run from the prior at T towards the data.
    ``n`` particles, ``grid``
    (cells per axis of the finest grid, divisible by 4, or a :class:`~pdecheck.grid.Grid`),
    ``n_times`` check times, ``steps`` coarse particle steps, ``seed`` for the initial samples
    and the noise. Returns a :class:`~pdecheck.verify.Verdict`.

    Particles that meet NaN/inf fail the verdict (error flag ``nonfinite`` with their count
    and share), unless the verdict reports the field undefined on part of the box (flag
    ``undefined-field``: then a warning); when all of them do, no particle check is made and the
    verdict fails (:func:`pdecheck.verify._checks.particles`).
    """
    claim = as_claim(subject, data)
    alpha = check_probability("alpha", alpha)
    seed = check_seed("seed", seed)
    methods = _check_methods(methods)
    n_times = _positive_int("n_times", n_times)
    cells = _grid_cells(grid, claim.dim) if "grid" in methods else 0
    span = _check_span(t_span, claim)
    initial = claim.initial_at(span[0])
    if initial is None or isinstance(initial, PdfDensity):
        known = "only as a pdf, which cannot be sampled" if initial is not None else "not known"
        raise ValueError(
            f"t_span={span}: the density at t_span[0]={span[0]:g} is {known}; start at 0 (the "
            f"data) or T={claim.T:g} (the prior), or give the claim a marginal that is a "
            "pdecheck Density"
        )
    times = span[0] + (span[1] - span[0]) * np.arange(1, n_times + 1) / n_times
    times[-1] = span[1]  # exactly the end, whatever the rounding
    refs = [_reference(claim, float(t), methods) for t in times]
    atomic_end = (
        isinstance(claim.data, PointMixture)
        and span[1] < span[0]
        and "particles" in methods
        and claim.data.unique()[0].shape[0] > 1
        and _shares.expected_shares(claim, span[1]) is not None
    )
    n_stochastic = sum(
        ("particles" in methods and r is not None and not isinstance(r, PointMixture))
        + ("particles" in methods and "grid" in methods)
        for r in refs
    ) + int(atomic_end)
    if n_stochastic == 0 and not ("grid" in methods and any(r is not None for r in refs)):
        raise ValueError(
            f"methods={methods}: nothing to compare — the claim has no marginal inside t_span, so "
            "use 'particles' and 'grid' together or end t_span at 0 or T"
        )
    alpha_each = alpha / max(n_stochastic, 1)
    n = _check_n(n, alpha_each, claim.dim)
    verdict = Verdict(
        claim.name,
        alpha=alpha,
        t_span=span,
        methods=methods,
        info={"n": n, "alpha_each": alpha_each},
    )
    lower, upper = _box(claim, initial, refs, grid)
    _endpoint_flags(claim, verdict, lower, upper)
    if isinstance(initial, PointMixture):
        outside = ~np.all((initial.points >= lower) & (initial.points <= upper), axis=1)
        if np.any(outside):
            raise ValueError(
                f"data={initial!r} has {int(outside.sum())} point(s) outside the grid box "
                f"[{lower}, {upper}]; the rule is that the box holds every data point (widen the "
                "claim's domain or the grid)"
            )
    for text, t_change, before in undefined_regions(claim, span, lower, upper):
        verdict.flags.append(
            Flag("undefined-field", text, "warning", value=float(before), t=t_change)
        )

    prun = grun = None
    if "particles" in methods:
        kind = "sde" if claim.is_sde else "ode"
        n_steps = _positive_int("steps", steps) if steps is not None else PARTICLE_STEPS[kind]
        n_steps = n_times * math.ceil(n_steps / n_times)  # the check times lie on the coarse grid
        prun = _checks.particles(
            claim, initial, span, times, n=n, steps=n_steps, seed=seed, verdict=verdict
        )
    if "grid" in methods:
        grun = _checks.grids(
            claim, initial, span, times, lower=lower, upper=upper, n=cells, verdict=verdict
        )
    for k, (t, ref) in enumerate(zip(times, refs, strict=True)):
        t = float(t)
        if prun is not None and ref is not None and not isinstance(ref, PointMixture):
            _checks.particles_vs_exact(verdict, prun, k, t, ref, alpha_each, (lower, upper))
        if grun is not None and ref is not None and not isinstance(ref, PointMixture):
            _checks.grid_vs_exact(verdict, grun, k, t, ref)
        if prun is not None and grun is not None:
            _checks.grid_vs_particles(verdict, grun, prun, k, t, alpha_each)
        if claim.dim == 1 and grun is not None:
            verdict.profiles.append(_profile(grun, prun, k, t, ref))
    outside = verdict.info.get("exact_mass_outside_box", {})
    if outside and max(outside.values()) > BOX_TOL:
        worst = max(outside, key=outside.get)
        verdict.flags.append(
            Flag(
                "tail-mass",
                f"the exact p_t carries up to {outside[worst]:.3g} of its mass outside "
                f"the box (at t={worst}); the grid budgets add twice that",
                "warning",
                value=outside[worst],
                t=float(worst),
            )
        )
    if atomic_end and prun is not None:
        assert isinstance(claim.data, PointMixture)
        _shares.proportions(verdict, prun, claim, float(times[-1]), alpha_each)
    return verdict


def _reference(claim: Claim, t: float, methods: tuple[str, ...]) -> Density | None:
    if "exact" in methods or t in (0.0, claim.T):
        return claim.density_at(t)
    return None


def _check_methods(methods: Sequence[str]) -> tuple[str, ...]:
    if isinstance(methods, str):
        methods = (methods,)
    chosen = tuple(methods)
    unknown = [m for m in chosen if m not in METHODS]
    if unknown or not chosen:
        raise ValueError(f"methods={chosen!r}: each must be one of {METHODS} (at least one)")
    return chosen


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive integer")
    return int(value)


def _check_span(t_span: Any, claim: Claim) -> tuple[float, float]:
    if t_span is None:
        return claim.t_span
    try:
        t0, t1 = (float(v) for v in t_span)
    except (TypeError, ValueError):
        raise ValueError(f"t_span={t_span!r} must be a pair (t0, t1) of numbers") from None
    if not (0.0 <= t0 <= claim.T and 0.0 <= t1 <= claim.T) or t0 == t1:
        raise ValueError(f"t_span={t_span!r} must be two distinct times in [0, T={claim.T:g}]")
    return t0, t1


def _check_n(n: Any, alpha_each: float, dim: int) -> int:
    """n must make the DKW threshold at α/m (the smallest test) less than 1/2: below that no
    distance a KS statistic can take (at most 1) would be told apart from noise with the room
    a bias budget needs."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ValueError(f"n={n!r} must be an integer number of particles")
    n_min = math.ceil(2.0 * math.log(2.0 * dim / alpha_each))
    if n < n_min:
        raise ValueError(
            f"n={n} is too small for a per-check false-alarm rate α/m = {alpha_each:.3g}: the DKW "
            f"threshold sqrt(ln(2d/α)/(2n)) must be < 1/2, which needs n >= {n_min}"
        )
    return int(n)


def _grid_cells(grid: Any, dim: int) -> int:
    """Cells per axis of the finest grid: the default for ``dim``, ``grid`` itself or its shape."""
    if grid is None:
        return GRID_CELLS[dim]
    grid_dim = getattr(grid, "dim", dim)
    if grid_dim != dim:
        raise ValueError(f"grid={grid!r} has dim={grid_dim}; the rule is the claim's dim={dim}")
    cells = grid.shape[0] if hasattr(grid, "shape") and hasattr(grid, "edges") else grid
    if isinstance(cells, bool) or not isinstance(cells, numbers.Integral) or cells < 8 or cells % 4:
        raise ValueError(f"grid={grid!r} must give a number of {GRID_RULE}")
    return int(cells)


def _box(
    claim: Claim, initial: Density, refs: list[Density | None], grid: Any
) -> tuple[Array, Array]:
    """The grid box: the user's grid, else the claim's domain, else the smallest box holding all
    but BOX_TOL of every known density (widened by a tenth of its width)."""
    if hasattr(grid, "lower") and hasattr(grid, "upper"):
        return np.asarray(grid.lower, dtype=float), np.asarray(grid.upper, dtype=float)
    if claim.domain is not None:
        return claim.domain
    dens = [
        d for d in [initial, claim.prior, *refs] if d is not None and not isinstance(d, PdfDensity)
    ]
    bounds = [np.asarray(d.bounds(BOX_TOL), dtype=float) for d in dens]
    lo = np.min([b[0] for b in bounds], axis=0)
    hi = np.max([b[1] for b in bounds], axis=0)
    width = np.maximum(hi - lo, 1e-3 * max(1.0, float(np.max(np.abs(hi)))))
    return lo - 0.1 * width, hi + 0.1 * width


def _endpoint_flags(claim: Claim, verdict: Verdict, lower: Array, upper: Array) -> None:
    """Claimed p_T against the declared prior: W2 (Gelbrich bound) and binned TV."""
    if claim.marginal is None:
        return
    p_T = claim.marginal(claim.T)
    w2 = gelbrich_w2(p_T, claim.prior)
    from pdecheck.grid import Grid

    tv = binned_tv(p_T, claim.prior, Grid(lower, upper, GRID_CELLS[claim.dim]))
    verdict.info["endpoint_w2_lower_bound"] = w2
    verdict.info["endpoint_binned_tv"] = tv
    spread = _spread(p_T) + _spread(claim.prior)
    if w2 is not None and w2 > spread:
        raise ValueError(
            f"the claim is not a path to its prior: the claimed p_T={p_T!r} is at W2 >= {w2:.4g} "
            f"from prior={claim.prior!r}, farther than their spreads add up to ({spread:.4g}); "
            "the rule is that the marginal at t = T is the prior (check the endpoint values)"
        )
    if (w2 is not None and w2 > 1e-12) or (tv is not None and tv > 1e-12):
        w2_text = "n/a" if w2 is None else f"{w2:.4g}"
        tv_text = "n/a" if tv is None else f"{tv:.4g}"
        verdict.flags.append(
            Flag(
                "endpoint-mismatch",
                f"the claimed p_T differs from the declared prior: W2 >= {w2_text}, "
                f"binned TV = {tv_text}",
                "warning",
                value=w2 if w2 is not None else tv,
                t=claim.T,
            )
        )


def _spread(density: Density) -> float:
    """sqrt(tr Σ): the root-mean-square distance of the law to its mean."""
    try:
        return float(np.sqrt(np.trace(np.atleast_2d(density.cov()))))
    except (NotImplementedError, AttributeError, TypeError, ValueError):  # no moments (Cauchy)
        return math.inf


def _profile(grun: Any, prun: Any, k: int, t: float, ref: Density | None) -> Profile:
    values = {"grid": grun.density[k]}
    edges = grun.grid.edges[0]
    if ref is not None and not isinstance(ref, PointMixture):
        values["exact"] = grun.grid.cell_averages(ref)
    if prun is not None:
        counts, _ = np.histogram(prun.samples[k][:, 0], bins=edges[::4])
        values["particles"] = np.repeat(
            counts / (prun.samples[k].shape[0] * (edges[4] - edges[0])), 4
        )
    return Profile(t, grun.grid.centers[0], values)
