"""Langevin samplers: unadjusted (ULA), Metropolis-adjusted (MALA) and annealed (seed
score-sde-and-poisson-flow §2 and Algorithm 1).

- :class:`Langevin` — x ← x + (ε/2)∇log p(x) + √ε z, z ~ N(0, I).
- :class:`MALA` — the same proposal, accepted with probability
  min(1, p(y) q(x|y) / (p(x) q(y|x))): its stationary law is p exactly, for every ε.
- :class:`AnnealedLangevin` — levels σ_1 > … > σ_L, ``n_steps`` ULA steps on
  s(x, σ_i) ≈ ∇log q_{σ_i} with step α_i = ε σ_i²/σ_L² (``step="scaled"``, Algorithm 1) or
  α_i = ε (``step="constant"``, to measure what the scaling buys).
- :class:`LangevinRun` — final states, the recorded trace after burn-in, acceptance rate and
  the count of non-finite scores (a flag, never silent).

Scores: a :class:`~pdecheck.densities.Gaussian` or :class:`GaussianMixture` (and, for the
annealed sampler, point-mixture data, perturbed in closed form) run through compiled kernels
(``langevin_kernels``); any object with ``compiled()`` (the field protocol, σ passed as t) too;
any vectorised callable ``score(x)`` (annealed: ``score(x, sigma)``) runs step by step in Python.
Noise comes from the per-particle xoshiro256++ streams of :mod:`pdecheck.particles.rng`, drawn
in blocks of steps: chain i's path depends only on (seed, i).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, check_finite, check_positive, check_seed
from pdecheck.densities import Density, Gaussian, GaussianMixture, PointMixture
from pdecheck.fields import CompiledField, compiled_form, evaluate

__all__ = ["MALA", "AnnealedLangevin", "Langevin", "LangevinRun", "geometric_sigmas"]

Array = NDArray[np.float64]
#: steps per block of pre-drawn noise
BLOCK = 64


@dataclass
class LangevinRun:
    """Result of a sampler run: ``x`` final states (n, d); ``trace`` states (m, n, d) after
    steps keep_from, keep_from + thin, … (None if nothing was kept); ``accept_rate`` (MALA,
    else 1); ``nonfinite`` number of score evaluations that were NaN or infinite."""

    x: Array
    trace: Array | None
    n_steps: int
    accept_rate: float = 1.0
    nonfinite: int = 0
    flags: dict[str, str] = field(default_factory=dict)


class _Score:
    """A score resolved to its compiled kernel (σ passed as t) or a Python callable s(σ, x)."""

    def __init__(self, score: Any, dim: int | None, annealed: bool) -> None:
        self.compiled: CompiledField | None = None
        self.logpdf: CompiledField | None = None
        self.call: Callable[[float, Array], Array] | None = None
        mix = _as_mixture(score, annealed)
        if mix is not None:
            from pdecheck.particles import langevin_kernels as lk

            params = lk.mixture_params(*mix)
            d = mix[1].shape[1]
            self.compiled = CompiledField(lk.mixture_score, params, d)
            self.logpdf = CompiledField(lk.mixture_logpdf, params, d)
        elif compiled_form(score) is not None:
            self.compiled = compiled_form(score)
        elif callable(score):
            fn = score
            self.call = (lambda s, x: fn(x, s)) if annealed else (lambda s, x: fn(x))
        else:
            raise TypeError(f"score={score!r} must be a Density, a compiled field or a callable")
        known = self.compiled.dim if self.compiled is not None else dim
        if known is None:
            raise ValueError("dim=None: a callable score needs dim=… (the dimension of x)")
        if dim is not None and dim != known:
            raise ValueError(
                f"dim={dim!r} but the score acts in dimension {known}; they must agree"
            )
        self.dim = int(known)

    def __call__(self, sigma: float, x: Array) -> Array:
        assert self.call is not None
        return evaluate(self.call, sigma, x, name="score")


def _as_mixture(score: Any, annealed: bool) -> tuple[Array, Array, Array] | None:
    """(weights, means, variances) of a closed-form score, or None."""
    # isotropic to round-off, relative: allclose's absolute 1e-8 took stds 1e-9 and 5e-9 as equal
    if isinstance(score, Gaussian) and np.allclose(score.std, score.std[0], rtol=1e-12, atol=0):
        return np.ones(1), score.loc.reshape(1, -1), score.std[:1] ** 2
    if isinstance(score, GaussianMixture):
        return score.weights, score.means, score.stds**2
    if isinstance(score, PointMixture) and annealed:
        return score.weights, score.points, np.zeros(score.points.shape[0])
    if isinstance(score, Density):
        raise TypeError(
            f"score={score!r}: built-in closed forms are isotropic Gaussians and Gaussian mixtures "
            "(and point data for annealed sampling); pass a callable score(x) otherwise"
        )
    return None


class _Sampler:
    """Shared driver: levels (σ_i, α_i), each run for a number of steps, ULA or MALA."""

    mala = False

    def __init__(self, score: Any, dim: int | None, annealed: bool, logpdf: Any = None) -> None:
        self.score = _Score(score, dim, annealed)
        self.dim = self.score.dim
        self.target = score if isinstance(score, Density) else None
        self.log_density = logpdf

    def levels(self, n_steps: int) -> list[tuple[float, float, int]]:
        raise NotImplementedError

    def run(
        self,
        x0: ArrayLike,
        n_steps: int | None = None,
        seed: int = 0,
        *,
        keep_from: int | None = None,
        thin: int = 1,
    ) -> LangevinRun:
        """Run the chains from x0 (n, d) with seed ``seed``; record every ``thin``-th state from
        step ``keep_from`` (1-based; None keeps nothing) on."""
        x = np.array(check_finite("x0", x0), dtype=float)
        if x.ndim == 1 and self.dim == 1:
            x = x.reshape(-1, 1)
        if x.ndim != 2 or x.shape[1] != self.dim or x.shape[0] == 0:
            raise ValueError(f"x0 has shape {np.shape(x0)}; it must be (n, {self.dim}) with n >= 1")
        plan = self.levels(n_steps if n_steps is not None else 0)
        total = sum(steps for _, _, steps in plan)
        _check_int("thin", thin, 1)
        n_rec = 0
        if keep_from is not None:
            _check_int("keep_from", keep_from, 1)
            if keep_from > total:
                raise ValueError(f"keep_from={keep_from} must be <= the number of steps, {total}")
            n_rec = (total - keep_from) // thin + 1
        record = np.empty((n_rec, x.shape[0], self.dim))
        from pdecheck.particles import langevin_kernels as lk
        from pdecheck.particles import rng

        states = rng.init_states(check_seed("seed", seed), x.shape[0])
        accepted = bad = step = 0
        for sigma, alpha, steps in plan:
            for start in range(0, steps, BLOCK):
                b = min(BLOCK, steps - start)
                flat = np.empty((x.shape[0], b * self.dim))
                rng.fill_normals(states, flat)
                z = np.ascontiguousarray(flat.reshape(x.shape[0], b, self.dim).transpose(1, 0, 2))
                u = np.empty((b, x.shape[0]))
                if self.mala:
                    lk.fill_uniforms(states, u)
                acc, nb = self._block(
                    sigma, alpha, x, z, u, record, step, keep_from or total + 1, thin
                )
                accepted, bad, step = accepted + acc, bad + nb, step + b
        run = LangevinRun(
            x,
            record if n_rec else None,
            total,
            accepted / max(total * x.shape[0], 1) if self.mala else 1.0,
            bad,
        )
        if bad:
            run.flags["nonfinite"] = f"the score was NaN or infinite in {bad} evaluation(s)"
            warnings.warn(run.flags["nonfinite"], RuntimeWarning, stacklevel=2)
        return run

    def _block(
        self,
        sigma: float,
        alpha: float,
        x: Array,
        z: Array,
        u: Array,
        record: Array,
        step0: int,
        keep_from: int,
        thin: int,
    ) -> tuple[int, int]:
        from pdecheck.particles import langevin_kernels as lk

        sc = self.score
        if sc.compiled is not None:
            lp = sc.logpdf if sc.logpdf is not None else sc.compiled
            if self.mala and sc.logpdf is None:
                raise TypeError("MALA needs log p: pass logpdf=… or a closed-form density as score")
            acc, bad = lk.compiled_block(
                sc.compiled.kernel,
                sc.compiled.params,
                lp.kernel,
                lp.params,
                self.mala,
                sigma,
                alpha,
                x,
                z,
                u,
                record,
                step0,
                keep_from,
                thin,
            )
            return int(acc), int(bad)
        acc = bad = 0
        sx = sc(sigma, x)
        for b in range(z.shape[0]):
            if self.mala:
                y = np.empty_like(x)
                lk.ula_rows(x, sx, z[b], alpha, y)
                sy = sc(sigma, y)
                bad += int(np.sum(~np.all(np.isfinite(sy), axis=1)))
                lpx = self._logp(x)
                acc += int(lk.mala_rows(x, sx, lpx, y, sy, self._logp(y), u[b], alpha))
            else:
                lk.ula_rows(x, sx, z[b], alpha, x)
                sx = sc(sigma, x)
                bad += int(np.sum(~np.all(np.isfinite(sx), axis=1)))
            k = step0 + b + 1
            if k >= keep_from and (k - keep_from) % thin == 0:
                record[(k - keep_from) // thin] = x
        return acc, bad

    def _logp(self, x: Array) -> Array:
        out = np.asarray(self.log_density(x), dtype=float).reshape(-1)
        if out.shape != (x.shape[0],):
            raise ValueError(
                f"logpdf returned shape {out.shape} for x of shape {x.shape}; it must be (n,)"
            )
        return np.ascontiguousarray(out)


class Langevin(_Sampler):
    """Unadjusted Langevin x ← x + (ε/2) s(x) + √ε z (seed §2). ``score``: a closed-form
    density, a compiled field or a callable s(x) ((n, d) -> (n, d), with ``dim``)."""

    def __init__(
        self, score: Any, eps: float, *, dim: int | None = None, logpdf: Any = None
    ) -> None:
        self.eps = float(check_positive("eps", eps))
        super().__init__(score, dim, annealed=False, logpdf=logpdf)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eps={self.eps:g}, dim={self.dim})"

    def levels(self, n_steps: int) -> list[tuple[float, float, int]]:
        _check_int("n_steps", n_steps, 1)
        return [(0.0, self.eps, n_steps)]


class MALA(Langevin):
    """Metropolis-adjusted Langevin: the ULA proposal accepted with the Metropolis–Hastings
    ratio, so p is stationary exactly. ``logpdf`` (vectorised log p up to a constant) is
    needed unless ``score`` is a closed-form density."""

    mala = True

    def __init__(
        self, score: Any, eps: float, *, dim: int | None = None, logpdf: Any = None
    ) -> None:
        super().__init__(score, eps, dim=dim, logpdf=logpdf)
        if self.score.logpdf is None and logpdf is None:
            raise TypeError(
                "MALA needs logpdf=… (vectorised log p up to a constant) for this score"
            )
        if self.score.logpdf is None and self.score.compiled is not None:
            raise TypeError("MALA with a compiled score needs a closed-form density as score")


class AnnealedLangevin(_Sampler):
    """Annealed Langevin (seed Algorithm 1): for σ_1 > σ_2 > … > σ_L, ``n_steps`` ULA steps
    on s(x, σ_i) with α_i = ε σ_i²/σ_L² (``step="scaled"``) or α_i = ε (``"constant"``).

    ``score``: data (Gaussian, GaussianMixture or PointMixture: s = ∇log q_σ in closed form),
    a compiled field f(σ, x), or a callable s(x, sigma) with ``dim``."""

    def __init__(
        self,
        score: Any,
        sigmas: ArrayLike,
        eps: float,
        n_steps: int,
        *,
        step: str = "scaled",
        dim: int | None = None,
    ) -> None:
        s = np.atleast_1d(check_positive("sigmas", sigmas)).astype(float)
        if s.ndim != 1 or s.size < 1 or np.any(np.diff(s) >= 0):
            raise ValueError(
                f"sigmas={_short(sigmas)} must be strictly decreasing (σ_1 > … > σ_L > 0)"
            )
        if step not in ("scaled", "constant"):
            raise ValueError(f"step={step!r} must be 'scaled' (α_i = ε σ_i²/σ_L²) or 'constant'")
        self.sigmas = s
        self.eps = float(check_positive("eps", eps))
        self.n_steps = _check_int("n_steps", n_steps, 1)
        self.step = step
        super().__init__(score, dim, annealed=True)

    def __repr__(self) -> str:
        return f"AnnealedLangevin(L={self.sigmas.size}, eps={self.eps:g}, step={self.step!r})"

    @property
    def alphas(self) -> Array:
        """The step sizes α_i of each level."""
        if self.step == "constant":
            return np.full(self.sigmas.size, self.eps)
        return self.eps * self.sigmas**2 / self.sigmas[-1] ** 2

    def levels(self, n_steps: int) -> list[tuple[float, float, int]]:
        return [
            (float(s), float(a), self.n_steps)
            for s, a in zip(self.sigmas, self.alphas, strict=True)
        ]


def geometric_sigmas(sigma_max: float, sigma_min: float, n_levels: int) -> Array:
    """σ_i = σ_max (σ_min/σ_max)^{(i−1)/(L−1)}: the geometric sequence of seed §2.4."""
    hi = float(check_positive("sigma_max", sigma_max))
    lo = float(check_positive("sigma_min", sigma_min))
    if not hi > lo:
        raise ValueError(f"sigma_max={hi!r} must be > sigma_min={lo!r}")
    _check_int("n_levels", n_levels, 2)
    return np.asarray(hi * (lo / hi) ** (np.arange(n_levels) / (n_levels - 1)), dtype=float)


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)
