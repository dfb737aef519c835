"""Does a sampler leave p invariant? Long-run particle law vs p, with its step-size bias.

- :func:`verify_stationary` — run n chains of a Langevin sampler
  (:mod:`pdecheck.particles.langevin`), then hold (i) the final states (independent chains) and
  (ii) the pooled trace after burn-in (effective sample size from the autocorrelation) to KS
  thresholds from N, α and the bias budget → :class:`~pdecheck.verify.Verdict`.
- :func:`integrated_autocorr_time` — τ = 1 + 2 Σ_k ρ_k by Geyer's initial monotone sequence
  over many chains; the effective sample size of m·n correlated draws is m·n/τ.
- :func:`gaussian_ks_distance` — sup_x |Φ((x − m₁)/s₁) − Φ((x − m₂)/s₂)| in closed form (the
  extrema sit where the two densities cross: a quadratic).
- :func:`step_bias` — the bias budget b ≥ sup|G − F| of a sampler on p: exact for ULA and
  annealed Langevin on Gaussians (pdecheck.exact.langevin), 0 for MALA started in p, None
  (unknown, reported as a flag) otherwise.
- the grid half (SDEs, and samplers through their ε → 0 SDE): :mod:`pdecheck.stationary_grid`.
- :func:`bias_curve`, :func:`stationary_histogram` — the data of the report page: ULA's exact
  bias against ε, and the long-run histogram against p's cell probabilities.

Thresholds: DKW–Massart eps(N, α) = √(ln(2/α)/(2N)) per marginal at α/d (STATISTICS.md §1),
plus b. The pooled-trace check uses N_eff = N/τ, an approximation that is exact for AR(1)
chains with Gaussian marginals (maximal correlation = |ρ|); the final-state check is provable.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from pdecheck._validate import (
    _short,
    as_points,
    check_count,
    check_finite,
    check_positive,
    check_probability,
    check_seed,
)
from pdecheck.densities import Density, Gaussian

__all__ = [
    "bias_curve",
    "gaussian_ks_distance",
    "integrated_autocorr_time",
    "stationary_histogram",
    "step_bias",
    "verify_stationary",
]

Array = NDArray[np.float64]
#: burn-in shorter than this many autocorrelation times is flagged
BURN_IN_TAUS = 10.0


def integrated_autocorr_time(trace: ArrayLike) -> float:
    """τ of a scalar statistic recorded as ``trace`` (m steps, n chains): the autocovariance
    averaged over chains (about the grand mean), summed by Geyer's initial monotone sequence
    Γ_k = ρ_{2k} + ρ_{2k+1} while positive (Geyer 1992). Returns τ >= 1. A trace with a NaN
    or an infinity (a diverged chain) raises ``ValueError``: its τ would be NaN, not a number
    of steps (drop the chains that did not stay finite first)."""
    y = check_finite("trace", trace)
    if y.ndim != 2 or y.shape[0] < 4:
        raise ValueError(f"trace has shape {y.shape}; it must be (m, n) with m >= 4 recorded steps")
    m = y.shape[0]
    y = y - y.mean()
    size = 1 << (2 * m - 1).bit_length()
    spec = np.fft.rfft(y, n=size, axis=0)
    acov = np.fft.irfft(spec * np.conj(spec), n=size, axis=0)[:m].mean(axis=1) / m
    if acov[0] <= 0:
        return 1.0
    rho = acov / acov[0]
    pairs = rho[: 2 * (m // 2)].reshape(-1, 2).sum(axis=1)
    positive = np.flatnonzero(pairs <= 0)
    pairs = pairs[: positive[0] if positive.size else pairs.size]
    pairs = np.minimum.accumulate(pairs)
    return max(1.0, float(-1.0 + 2.0 * pairs.sum()))


def gaussian_ks_distance(m1: float, s1: float, m2: float, s2: float) -> float:
    """sup_x |F₁(x) − F₂(x)| for N(m₁, s₁²) and N(m₂, s₂²), exactly. The means must be finite
    and the standard deviations finite and > 0 (``ValueError`` naming the argument)."""
    m1, m2 = (float(check_finite(name, m)) for name, m in (("m1", m1), ("m2", m2)))
    s1, s2 = (float(check_positive(name, s)) for name, s in (("s1", s1), ("s2", s2)))
    v1, v2 = s1 * s1, s2 * s2
    a = 0.5 / v2 - 0.5 / v1
    b = m1 / v1 - m2 / v2
    c = -0.5 * m1 * m1 / v1 + 0.5 * m2 * m2 / v2 - 0.5 * math.log(v1 / v2)
    if abs(a) < 1e-14 * (1 / v1 + 1 / v2):
        roots = [] if b == 0 else [-c / b]
    else:
        disc = b * b - 4 * a * c
        roots = [] if disc < 0 else [(-b + s * math.sqrt(disc)) / (2 * a) for s in (1.0, -1.0)]
    gap = [abs(special.ndtr((x - m1) / s1) - special.ndtr((x - m2) / s2)) for x in roots]
    return float(max(gap, default=0.0))


def _law_distance(law: Gaussian, p: Gaussian) -> float:
    """max over coordinates of the marginal KS distance between two diagonal Gaussians."""
    return max(
        gaussian_ks_distance(float(law.loc[j]), float(law.std[j]), float(p.loc[j]), float(p.std[j]))
        for j in range(p.dim)
    )


def step_bias(
    sampler: Any, p: Density, start: Density, steps: ArrayLike
) -> tuple[float | None, str]:
    """(b, how): b ≥ max_k sup_x |G_k − F| over the chain's laws G_k after each of ``steps``,
    started from ``start``; ``how`` says where b comes from ("exact", "MALA", "unknown")."""
    from pdecheck.exact import langevin as exact
    from pdecheck.particles.langevin import MALA, AnnealedLangevin, Langevin

    gaussian = isinstance(p, Gaussian) and isinstance(start, Gaussian) and np.ptp(p.std) == 0
    if isinstance(sampler, MALA):
        return (
            (0.0, "MALA (p invariant exactly)")
            if start is p
            else (None, "unknown (MALA transient)")
        )
    if isinstance(sampler, AnnealedLangevin) and gaussian:
        assert isinstance(p, Gaussian) and isinstance(start, Gaussian)
        sigma_l = float(sampler.sigmas[-1])
        if float(p.std[0]) <= sigma_l:
            return None, f"unknown (p's std is not above σ_L = {sigma_l:g}: it is no q_σL of data)"
        data = Gaussian(p.loc, np.sqrt(p.std**2 - sigma_l**2))
        law = exact.annealed_gaussian_law(
            data, sampler.sigmas, sampler.alphas, sampler.n_steps, start
        )
        return _law_distance(law, p), "exact (annealed Langevin on Gaussian data)"
    if isinstance(sampler, Langevin) and gaussian:
        assert isinstance(p, Gaussian) and isinstance(start, Gaussian)
        laws = [exact.ula_gaussian_law(p, sampler.eps, start, int(k)) for k in np.asarray(steps)]
        return max(_law_distance(law, p) for law in laws), "exact (ULA on a Gaussian)"
    return None, "unknown (no closed form for this sampler and p)"


def bias_curve(p: Gaussian, eps: ArrayLike) -> dict[str, Array]:
    """ULA's exact stationary bias on a Gaussian p against ε: the KS distance and the relative
    variance error 1/(1 − ε/(4s²)) − 1 = ε/(4s²) + O(ε²) (the report's log–log plot)."""
    from pdecheck.exact.langevin import ula_stationary_std

    e = np.asarray(eps, dtype=float).reshape(-1)
    ks, var_err = [], []
    for ev in e:
        s_ula = ula_stationary_std(p.std, ev)
        ks.append(
            max(
                gaussian_ks_distance(0.0, float(a), 0.0, float(b))
                for a, b in zip(s_ula, p.std, strict=True)
            )
        )
        var_err.append(float(np.max(s_ula**2 / p.std**2 - 1.0)))
    return {"eps": e, "ks": np.array(ks), "variance_error": np.array(var_err)}


def stationary_histogram(
    samples: ArrayLike, p: Density, edges: ArrayLike, axis: int = 0
) -> dict[str, Array]:
    """Histogram of one coordinate of ``samples`` ((n,) or (n, d), finite, d = p.dim) on
    ``edges`` (finite, strictly increasing) against p's exact cell probabilities (both as
    densities: mass / width; samples outside the edges count in n, in no cell)."""
    from pdecheck.compare import marginal_cdf

    pts = check_finite("samples", as_points("samples", samples, p.dim)[0])
    if isinstance(axis, bool) or not isinstance(axis, int) or not 0 <= axis < p.dim:
        raise ValueError(f"axis={axis!r} must be an integer in [0, {p.dim})")
    x = pts[:, axis]
    e = check_finite("edges", edges).reshape(-1)
    if e.size < 2 or np.any(np.diff(e) <= 0):
        raise ValueError(f"edges={_short(edges)} must be at least 2 strictly increasing values")
    counts, _ = np.histogram(x, bins=e)
    cdf = marginal_cdf(p, axis)(e)
    width = np.diff(e)
    return {"edges": e, "empirical": counts / (x.size * width), "exact": np.diff(cdf) / width}


def _ks(x: Array, p: Density, n: int, alpha: float, b: float) -> tuple[float, float]:
    """(max_j D_j, DKW threshold at α/d for ``n`` (effective) samples + b)."""
    from pdecheck.compare import dkw_threshold, ks_statistic, marginal_cdf

    stat = max(ks_statistic(marginal_cdf(p, j)(x[:, j])) for j in range(p.dim))
    return stat, dkw_threshold(max(int(n), 1), alpha / p.dim) + b


def verify_stationary(
    sampler: Any,
    p: Density,
    *,
    n_chains: int = 2000,
    n_steps: int = 1000,
    burn_in: int | None = None,
    thin: int = 1,
    start: Density | None = None,
    alpha: float = 1e-3,
    max_bias: float | None = None,
    seed: int = 0,
    grid: Any = None,
    potential: Any = None,
) -> Any:
    """Check that ``sampler`` (a :class:`~pdecheck.particles.langevin.Langevin`, ``MALA`` or
    ``AnnealedLangevin``) samples p in the long run → :class:`~pdecheck.verify.Verdict`.

    Chains start from ``start`` (default: p itself, so the check is of invariance); steps
    1..burn_in (default n_steps // 2) are discarded. The false-alarm rate α is split between
    the final-state and the pooled-trace KS checks; both thresholds carry the bias budget b of
    :func:`step_bias` (exact for Gaussians; when unknown, b = 0 and a flag says so). With
    ``max_bias`` a deterministic check b ≤ max_bias is added. Annealed samplers are checked on
    their final states only (their chain is not stationary across levels).

    Grid half (issue 9 item 3; :mod:`pdecheck.stationary_grid`): ``sampler`` may instead be an
    autonomous SDE (a :class:`~pdecheck.sde.SDE` with constant g, or a pair (drift, g)); then
    its Fokker–Planck steady state on ``grid`` (a :class:`~pdecheck.grid.Grid` or cells per
    axis; default 100 in 1-D, 32 otherwise, on p's box) and two refinements is held to p's
    exact cell averages with a Richardson budget. A Langevin sampler gets the same check when
    ``grid`` is given, through its ε → 0 SDE dx = ½ s(x) dt + dW. With ``potential`` U (the
    drift is −∇U) the discrete Gibbs state exp(−U_i/D)/Z is also checked to round-off.
    """
    from pdecheck.particles.langevin import AnnealedLangevin
    from pdecheck.verify import Check, Flag, Verdict

    alpha = check_probability("alpha", alpha)
    n_chains = check_count("n_chains", n_chains)
    n_steps = check_count("n_steps", n_steps)
    if not isinstance(p, Density):
        raise TypeError(f"p={p!r} must be a Density")
    if not hasattr(sampler, "run"):
        verdict = Verdict(subject=f"{sampler!r} stationary on {p!r}", methods=("grid", "exact"))
        _add_grid_half(verdict, sampler, p, grid, potential)
        return verdict
    if getattr(sampler, "dim", p.dim) != p.dim:
        raise ValueError(
            f"sampler acts in dimension {sampler.dim} but p has dim={p.dim}; they must agree"
        )
    init = p if start is None else _check_start(start, p)
    x0 = init.sample(int(n_chains), np.random.default_rng(check_seed("seed", seed))).reshape(
        n_chains, p.dim
    )
    annealed = isinstance(sampler, AnnealedLangevin)
    verdict = Verdict(
        subject=f"{sampler!r} stationary on {p!r}", alpha=alpha, methods=("particles", "exact")
    )
    if annealed:
        run = sampler.run(x0, seed=seed)
        bias, how = step_bias(sampler, p, init, [])
        kept = [run.n_steps]
    else:
        burn = n_steps // 2 if burn_in is None else burn_in
        if (
            isinstance(burn, bool)
            or not isinstance(burn, (int, np.integer))
            or not 0 <= burn < n_steps
        ):
            raise ValueError(f"burn_in={burn_in!r} must be an integer in [0, n_steps={n_steps})")
        run = sampler.run(x0, n_steps, seed=seed, keep_from=burn + 1, thin=thin)
        kept = list(range(burn + 1, n_steps + 1, thin))
        bias, how = step_bias(sampler, p, init, kept)
    b = 0.0 if bias is None else bias
    verdict.info.update(
        sampler=repr(sampler),
        bias=bias,
        bias_source=how,
        n_chains=n_chains,
        accept_rate=run.accept_rate,
        eps=getattr(sampler, "eps", None),
    )
    if run.nonfinite:
        verdict.flags.append(
            Flag("nonfinite", run.flags["nonfinite"], "error", float(run.nonfinite))
        )
    if annealed and sampler.step == "constant":
        verdict.flags.append(
            Flag(
                "constant-step",
                "annealed Langevin with a constant step α_i = ε (not ε σ_i²/σ_L², seed "
                "Algorithm 1): step-size bias "
                + ("unknown" if bias is None else f"{bias:.3g} (KS distance of its exact law)"),
                "warning",
                bias,
            )
        )
    if bias is None:
        verdict.flags.append(
            Flag(
                "bias-unknown",
                f"step-size bias {how}: budget 0, so a failure may be "
                "the sampler's bias rather than a bug",
                "warning",
            )
        )
    finite = np.all(np.isfinite(run.x), axis=1)
    final = run.x[finite]
    checks_alpha = alpha if annealed else alpha / 2
    stat, thr = _ks(final, p, final.shape[0], checks_alpha, b) if final.size else (math.inf, 0.0)
    verdict.checks.append(
        Check(
            "final states",
            "particles vs exact",
            "KS",
            stat,
            thr,
            alpha=checks_alpha,
            budget=b,
            detail=f"{final.shape[0]} independent chains, step-size bias "
            + ("unknown" if bias is None else f"{bias:.3g}")
            + f", {how}",
        )
    )
    if not annealed and run.trace is not None:
        trace = run.trace
        tau = _trace_tau(trace)
        pooled = trace.reshape(-1, p.dim)
        pooled = pooled[np.all(np.isfinite(pooled), axis=1)]
        n_eff = pooled.shape[0] / tau
        stat, thr = _ks(pooled, p, int(n_eff), checks_alpha, b) if pooled.size else (math.inf, 0.0)
        verdict.checks.append(
            Check(
                "long run",
                "particles vs exact",
                "KS",
                stat,
                thr,
                alpha=checks_alpha,
                budget=b,
                detail=f"N={pooled.shape[0]}, τ={tau:.3g}, N_eff={n_eff:.0f}",
            )
        )
        verdict.info.update(tau=tau, n_eff=n_eff, burn_in=kept[0] - 1)
        if kept[0] - 1 < BURN_IN_TAUS * tau * thin and start is not None:
            verdict.flags.append(
                Flag(
                    "burn-in",
                    f"burn-in {kept[0] - 1} steps is shorter than {BURN_IN_TAUS:g} "
                    f"autocorrelation times (τ = {tau:.3g} recorded steps)",
                    "warning",
                )
            )
    if bias is not None and bias > thr - b:
        verdict.flags.append(
            Flag(
                "bias",
                f"step-size bias {bias:.3g} exceeds the statistical resolution "
                f"{thr - b:.3g}: the chain's law is measurably not p",
                "warning",
                bias,
            )
        )
    if max_bias is not None:
        verdict.checks.append(
            Check(
                "step-size bias",
                "sampler vs exact",
                "KS distance",
                math.inf if bias is None else bias,
                float(max_bias),
                detail=how,
            )
        )
    if grid is not None or potential is not None:
        verdict.methods = ("particles", "grid", "exact")
        _add_grid_half(verdict, sampler, p, grid, potential)
    return verdict


def _check_start(start: Any, p: Density) -> Density:
    """``start`` itself: a Density of p's dimension (the chains live in p's space)."""
    if not isinstance(start, Density):
        raise TypeError(f"start={start!r} must be a Density (or None: start in p)")
    if start.dim != p.dim:
        raise ValueError(
            f"start={start!r} has dim={start.dim} but p has dim={p.dim}; they must agree"
        )
    return start


def _trace_tau(trace: Array) -> float:
    """max over coordinates of τ of the recorded states (m, n, d), over the chains that stayed
    finite throughout (a diverged chain is flagged as nonfinite, not timed); 1 when fewer than
    4 steps were recorded or no chain stayed finite."""
    finite = trace[:, np.all(np.isfinite(trace), axis=(0, 2)), :]
    if trace.shape[0] < 4 or finite.shape[1] == 0:
        return 1.0
    return max(integrated_autocorr_time(finite[:, :, j]) for j in range(trace.shape[2]))


def _add_grid_half(verdict: Any, subject: Any, p: Density, grid: Any, potential: Any) -> None:
    """Append the grid half's checks, flags and info to ``verdict``."""
    from pdecheck.grid import Grid
    from pdecheck.stationary_grid import grid_checks

    if not isinstance(grid, Grid):
        cells = (100 if p.dim == 1 else 32) if grid is None else grid
        grid = Grid.for_density(p, cells, 1e-10)
    checks, flags, info = grid_checks(subject, p, grid, potential=potential)
    verdict.checks.extend(checks)
    verdict.flags.extend(flags)
    verdict.info.update(info)
