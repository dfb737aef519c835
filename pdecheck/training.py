"""Training targets: E[target | x_t] must be the marginal field or score (seed eq. 14; seed
score-sde-and-poisson-flow §2.1–2.4).

- :func:`check_training_target` — conditional flow matching (target f_t(x|x_0), minimiser the
  marginal field), conditional score matching (target ∇log p_t(x|x_0), minimiser ∇log p_t) and
  denoising score matching (target ∇log q_σ(x̃|x) = −(x̃ − x)/σ², minimiser ∇log q_σ) →
  :class:`~pdecheck.verify.Verdict`. Point data: E[target | x_t = x] = Σ_i π_i(x) target(x|x_i)
  with the exact posterior π_i ∝ w_i p_t(x|x_i), compared at probe points to round-off.
  Otherwise (or ``method="monte-carlo"``): the tower property E[(target − f_t(x_t)) 1_B(x_t)] = 0
  for every set B, tested on the quantile bins of each coordinate of x_t, for every coordinate
  of the residual, with CLT bounds at α/(2·bins·d²·times); each bin holds at least
  ``MIN_PER_BIN`` samples. The CLT needs components that overlap at t: where x_t all but
  determines x_0 (small t, separated points) the residual is a rare-event variable and only the
  exact route is valid.
- :func:`check_score_matching` — explicit ½E‖s_θ − ∇log p‖² and implicit (Hyvärinen)
  E[tr ∇s_θ + ½‖s_θ‖²] differ by the θ-free ½E‖∇log p‖² (§2.1): per θ, the mean of
  s_θ·∇log p + ∇·s_θ is zero (integration by parts), tested with a CLT bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from pdecheck._validate import _short, check_count, check_positive, check_probability, check_seed
from pdecheck.densities import Density, Gaussian, PointMixture
from pdecheck.fields import evaluate

__all__ = ["OBJECTIVES", "check_score_matching", "check_training_target"]

Array = NDArray[np.float64]
OBJECTIVES = ("flow", "score", "denoising")
#: relative round-off allowed between the posterior average and the marginal field
ROUNDOFF = 1e-9
#: fewest samples per quantile bin of the Monte Carlo route: below it the bin mean's normal
#: approximation, and with it the false-alarm rate, is not to be trusted (and with fewer
#: samples than bins every bin was empty and the check passed with statistic 0)
MIN_PER_BIN = 30


@dataclass
class _Setup:
    """x_t = μ_t(x_0) + σ_t x_1, x_1 ~ prior; the target and the reference (the minimiser)."""

    mu: Callable[[float, Array], Array]
    sigma: Callable[[float], float]
    prior: Density
    target: Callable[[float, Array, Array], Array]
    reference: Callable[[float, Array], Array]
    times: Array
    label: str


def _setup(path: Any, data: Density, objective: str, target: Any, times: Any) -> _Setup:
    if objective not in OBJECTIVES:
        raise ValueError(f"objective={objective!r} must be one of {OBJECTIVES}")
    tt = np.atleast_1d(
        check_positive("times" if objective != "denoising" else "sigmas", times)
    ).astype(float)
    if objective == "denoising":
        from pdecheck.exact.langevin import perturbed

        user = target if target is not None else (lambda xt, x, s: -(xt - x) / s**2)
        return _Setup(
            lambda s, x0: x0,
            lambda s: s,
            Gaussian(np.zeros(data.dim), 1.0),
            lambda s, xt, x0: user(xt, x0, s),
            lambda s, x: perturbed(data, s).score(x).reshape(x.shape),
            tt,
            "denoising score matching, q_σ(x̃|x) = N(x, σ²I)",
        )
    if np.any(tt > path.T):
        raise ValueError(f"times={_short(tt)} must lie in (0, T = {path.T:g}]")
    if objective == "flow":
        field = path.marginal_field(data)

        def default(t: float, x: Array, x0: Array) -> Array:
            return np.asarray(
                path.dmu(t, x0) + path.dsigma(t) / path.sigma(t) * (x - path.mu(t, x0)), dtype=float
            )

        reference = field
        label = "conditional flow matching, target f_t(x|x_0)"
    else:
        reference = path.score(data)

        def default(t: float, x: Array, x0: Array) -> Array:
            z = (x - path.mu(t, x0)) / path.sigma(t)
            return np.asarray(path.prior.score(z), dtype=float).reshape(x.shape) / path.sigma(t)

        label = "conditional score matching, target ∇log p_t(x|x_0)"
    return _Setup(path.mu, path.sigma, path.prior, target or default, reference, tt, label)


def _target(setup: _Setup, t: float, x: Array, x0: Array) -> Array:
    return evaluate(lambda tt, xx: setup.target(tt, xx, x0), t, x, name="target")


def check_training_target(
    path: Any,
    data: Density,
    objective: str = "flow",
    *,
    target: Callable[..., ArrayLike] | None = None,
    times: ArrayLike = (0.1, 0.3, 0.6, 0.9),
    method: str = "auto",
    n_points: int = 200,
    n_samples: int = 20000,
    bins: int = 10,
    alpha: float = 1e-3,
    seed: int = 0,
) -> Any:
    """Check that the conditional expectation of a training target given x_t is the marginal
    field ("flow") or score ("score", "denoising") at each of ``times`` (σ levels for
    "denoising", where ``path`` may be None) → :class:`~pdecheck.verify.Verdict`.

    ``target``: the user's target, ``target(t, x_t, x_0)`` ((n, d) rows paired), or
    ``target(x_tilde, x, sigma)`` for "denoising"; the textbook target by default. ``method``:
    "exact" (point data), "monte-carlo" or "auto" (exact for point data).
    """
    from pdecheck.verify import Check, Flag, Verdict

    alpha = check_probability("alpha", alpha)
    bins = check_count("bins", bins)
    n_samples = check_count("n_samples", n_samples)
    setup = _setup(path, data, objective, target, times)
    if method == "auto":
        method = "exact" if isinstance(data, PointMixture) else "monte-carlo"
    if method not in ("exact", "monte-carlo") or (
        method == "exact" and not isinstance(data, PointMixture)
    ):
        raise ValueError(
            f"method={method!r} must be 'auto', 'monte-carlo' or, for PointMixture data, 'exact'"
        )
    rng = np.random.default_rng(check_seed("seed", seed))
    verdict = Verdict(
        subject=f"{setup.label} for {data!r}",
        alpha=None if method == "exact" else alpha,
        methods=("exact",) if method == "exact" else ("particles", "exact"),
    )
    verdict.info.update(objective=objective, method=method)
    if method == "monte-carlo" and n_samples < MIN_PER_BIN * bins:
        raise ValueError(
            f"n_samples={n_samples} with bins={bins}: the rule is n_samples >= {MIN_PER_BIN}·bins "
            f"= {MIN_PER_BIN * bins} (MIN_PER_BIN samples per quantile bin for the CLT bound)"
        )
    z = float(special.ndtri(1.0 - alpha / (2 * bins * data.dim**2 * setup.times.size)))
    for t in setup.times:
        if method == "exact":
            assert isinstance(data, PointMixture)
            stat, thr, n_bad = _exact_gap(setup, data, float(t), n_points, rng)
            verdict.checks.append(
                Check(
                    "E[target | x_t]",
                    "posterior average vs marginal",
                    "max relative gap",
                    stat,
                    thr,
                    t=float(t),
                    detail=f"{n_points} probe points",
                )
            )
        else:
            stat, n_bad = _tower_statistic(setup, data, float(t), n_samples, bins, rng)
            verdict.checks.append(
                Check(
                    "E[target − f | bin]",
                    "particles vs exact",
                    "max |t|",
                    stat,
                    z,
                    t=float(t),
                    alpha=alpha / setup.times.size,
                    detail=f"{bins} quantile bins per coordinate, N={n_samples}, CLT",
                )
            )
        if n_bad:
            verdict.flags.append(
                Flag(
                    "nonfinite",
                    f"{n_bad} target or reference value(s) were not finite",
                    "error",
                    float(n_bad),
                    float(t),
                )
            )
    return verdict


def _exact_gap(
    setup: _Setup, data: PointMixture, t: float, n: int, rng: np.random.Generator
) -> tuple[float, float, int]:
    """max_x |Σ_i π_i(x) target(x|x_i) − f_t(x)| / (1 + max|f_t|) over probe points x ~ p_t."""
    pts, w = data.points, data.weights
    k, d = pts.shape
    s = setup.sigma(t)
    x = setup.mu(t, pts[rng.choice(k, n, p=w)]) + s * setup.prior.sample(n, rng).reshape(n, d)
    mus = setup.mu(t, pts)
    with np.errstate(divide="ignore"):
        logq = np.asarray(
            setup.prior.logpdf(((x[:, None, :] - mus[None]) / s).reshape(-1, d))
        ).reshape(n, k)
        logpost = np.log(w) + logq
    post = np.exp(logpost - special.logsumexp(logpost, axis=1, keepdims=True))
    rows = _target(setup, t, np.repeat(x, k, axis=0), np.tile(pts, (n, 1))).reshape(n, k, d)
    mean = np.einsum("nk,nkd->nd", post, np.where(post[:, :, None] > 0, rows, 0.0))
    ref = evaluate(setup.reference, t, x, name="reference")
    ok = np.all(np.isfinite(mean), axis=1) & np.all(np.isfinite(ref), axis=1)
    scale = 1.0 + float(np.max(np.abs(ref[ok]), initial=0.0))
    gap = float(np.max(np.abs(mean[ok] - ref[ok]), initial=0.0)) / scale
    return gap, ROUNDOFF * k, int(np.sum(~ok))


def _tower_statistic(
    setup: _Setup, data: Density, t: float, n: int, bins: int, rng: np.random.Generator
) -> tuple[float, int]:
    """max over the quantile bins B of every coordinate x_t[:, i] and every coordinate j of
    |mean_B(r_j)| / (sd_B/√n_B), r = target(x_t|x_0) − f_t(x_t), whose mean on every bin is 0
    when the claim holds (bins·d² tests). NaN when no bin holds two samples (nothing tested)."""
    d = data.dim
    x0 = data.sample(n, rng).reshape(n, d)
    x = setup.mu(t, x0) + setup.sigma(t) * setup.prior.sample(n, rng).reshape(n, d)
    target = _target(setup, t, x, x0)
    r = target - evaluate(setup.reference, t, x, name="reference")
    ok = np.all(np.isfinite(r), axis=1)
    r, x, target = r[ok], x[ok], target[ok]
    worst, tested = 0.0, 0
    for i in range(d):
        edges = np.quantile(x[:, i], np.linspace(0, 1, bins + 1)[1:-1])
        label = np.searchsorted(edges, x[:, i])
        for b in range(bins):
            rb = r[label == b]
            if rb.shape[0] < 2:
                continue
            # where x_t determines x_0 the residual is round-off: floor its standard error there
            floor = ROUNDOFF * (1.0 + np.mean(np.abs(target[label == b]), axis=0))
            se = np.maximum(rb.std(axis=0, ddof=1) / math.sqrt(rb.shape[0]), floor)
            worst = max(worst, float(np.max(np.abs(rb.mean(axis=0)) / se)))
            tested += 1
    return (worst if tested else math.nan), int(np.sum(~ok))


def check_score_matching(
    model: Callable[[Array, Any], ArrayLike],
    p: Density,
    thetas: list[Any],
    *,
    divergence: Callable[[Array, Any], ArrayLike] | None = None,
    n: int = 20000,
    alpha: float = 1e-3,
    seed: int = 0,
) -> Any:
    """Explicit vs implicit (Hyvärinen) score matching for a parametric s_θ = ``model(x, θ)``:
    J_exp(θ) − J_imp(θ) = ½E‖∇log p‖² for every θ → Verdict. ``divergence(x, θ)`` = ∇·s_θ;
    by default central differences with h = 1e-4 (error O(h²), far below the CLT bound).
    ``info["J_explicit"]``, ``info["J_implicit"]`` list both objectives per θ."""
    from pdecheck.verify import Check, Verdict

    alpha = check_probability("alpha", alpha)
    n = check_count("n", n)
    if isinstance(thetas, (str, bytes)) or not hasattr(thetas, "__len__") or len(thetas) == 0:
        raise ValueError(f"thetas={_short(thetas)} must be a non-empty list of parameters")
    x = p.sample(n, np.random.default_rng(check_seed("seed", seed))).reshape(n, p.dim)
    score = np.asarray(p.score(x), dtype=float).reshape(x.shape)
    z = float(stats.norm.ppf(1.0 - alpha / (2 * len(thetas))))
    verdict = Verdict(
        subject=f"explicit vs implicit score matching on {p!r}", alpha=alpha, methods=("exact",)
    )
    j_exp, j_imp = [], []
    for theta in thetas:
        s = _model_values(model, x, theta)
        div = _divergence(model, divergence, x, theta)
        gap = np.sum(s * score, axis=1) + div  # mean 0 by integration by parts
        j_exp.append(float(0.5 * np.mean(np.sum((s - score) ** 2, axis=1))))
        j_imp.append(float(np.mean(div + 0.5 * np.sum(s**2, axis=1))))
        stat = _t_statistic(gap)
        verdict.checks.append(
            Check(
                f"θ={theta!r}",
                "explicit vs implicit",
                "|t|",
                stat,
                z,
                alpha=alpha / len(thetas),
                detail="mean of s_θ·∇log p + ∇·s_θ",
            )
        )
    verdict.info.update(
        J_explicit=j_exp, J_implicit=j_imp, constant=float(0.5 * np.mean(np.sum(score**2, axis=1)))
    )
    return verdict


def _t_statistic(values: Array) -> float:
    """|mean| / (sd/√n); 0 for values that are all exactly 0 (a model whose gap vanishes
    identically, s_θ = 0), inf for a nonzero constant (no spread, yet not mean 0)."""
    mean = float(values.mean())
    if mean == 0.0 and not np.any(values):
        return 0.0
    se = float(values.std(ddof=1)) / math.sqrt(values.size)
    return abs(mean) / se if se > 0 else math.inf


def _model_values(model: Callable[[Array, Any], ArrayLike], x: Array, theta: Any) -> Array:
    return evaluate(lambda _t, xx: model(xx, theta), 0.0, x, name="model")


def _divergence(
    model: Callable[[Array, Any], ArrayLike], divergence: Any, x: Array, theta: Any
) -> Array:
    if divergence is not None:
        return np.asarray(divergence(x, theta), dtype=float).reshape(x.shape[0])
    h = 1e-4
    total = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[j] = h
        hi = np.asarray(model(x + e, theta), dtype=float).reshape(x.shape)[:, j]
        lo = np.asarray(model(x - e, theta), dtype=float).reshape(x.shape)[:, j]
        total += (hi - lo) / (2 * h)
    return total
