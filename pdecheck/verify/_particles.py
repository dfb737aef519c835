"""Particles for a verdict: coupled runs on nested time grids and the bias budget they give.

:func:`run_particles` integrates the claim's ODE (or SDE) from exact samples of p_{t_0} on a
uniform grid of ``steps`` steps and again on the grid with every step halved — with the same
initial points and, for an SDE, the same Brownian path (the fine increments summed in pairs
drive the coarse run; :func:`pdecheck.particles.brownian_increments`). The fine run gives the
samples; the per-particle gap δ_i = |X_i^h − X_i^{h/2}| bounds the fine run's distance to the
exact flow of the same initial point and noise: the error of a method of order p on the halved
grid is δ_i/(2^p − 1) ≤ δ_i in the asymptotic range, p >= 1 (RK4: p = 4; Euler–Maruyama with
additive noise g_t: strong order 1). The exact flow of exact initial samples is an exact sample
of p_t, so a statistic of the computed sample differs from that of an exact sample by at most
what displacements of size δ_i can change (:mod:`pdecheck.verify._budget`).

Public (package-private) names: :class:`ParticleRun`, :func:`run_particles`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pdecheck.densities import Density
from pdecheck.verify.claim import Claim

__all__ = ["ParticleRun", "run_particles"]

Array = NDArray[np.float64]


@dataclass
class ParticleRun:
    """Fine-run samples and displacement bounds at the saved times ``times``.

    ``samples[k]`` (N, d) and ``delta[k]`` (N, d) (per-axis |X^h − X^{h/2}|) hold the rows of
    the particles that stayed finite in both runs (none when every particle met NaN/inf);
    ``nonfinite`` counts the others and ``outside`` the particles that left the claim's domain.
    """

    times: Array
    samples: list[Array]
    delta: list[Array]
    nonfinite: int
    outside: int
    n: int
    steps: int
    method: str


def time_grids(t0: float, save_times: Array, steps: int) -> tuple[Array, Array]:
    """Coarse and fine (every step halved) step times through ``save_times``.

    Each segment between consecutive save times gets ``steps / len(save_times)`` steps, times
    ⌈log2(t_hi / t_lo)⌉ geometric steps when it spans more than a factor 2 towards t = 0: fields
    like σ'_t/σ_t ~ 1/t (CATALOGUE A1–A5) need steps proportional to t there.
    """
    per = max(1, steps // save_times.size)
    coarse = [np.array([t0])]
    fine = [np.array([t0])]
    start = t0
    for end in save_times:
        lo, hi = sorted((abs(start), abs(end)))
        if lo > 0 and hi / lo > 2 and min(start, end) >= 0:
            m = per * int(np.ceil(np.log2(hi / lo)))
            seg = np.geomspace(start, end, m + 1)
            mid = np.sqrt(seg[:-1] * seg[1:])
        else:
            seg = np.linspace(start, end, per + 1)
            mid = 0.5 * (seg[:-1] + seg[1:])
        seg[-1] = end
        coarse.append(seg[1:])
        fine.append(np.column_stack([mid, seg[1:]]).ravel())
        start = end
    return np.concatenate(coarse), np.concatenate(fine)


def run_particles(
    claim: Claim,
    initial: Density,
    t_span: tuple[float, float],
    save_times: Array,
    *,
    n: int,
    steps: int,
    seed: int,
) -> ParticleRun:
    """Integrate from ``initial`` (exact samples, ``seed``) over ``t_span`` on the coarse and
    fine grids of :func:`time_grids`, saving at ``save_times``."""
    from pdecheck import particles

    x0 = particles.sample(initial, n, seed)
    coarse, fine = time_grids(t_span[0], np.asarray(save_times, dtype=float), steps)
    domain = claim.domain
    if claim.diffusion is None:
        run_c = particles.integrate_ode(claim.drift, x0, coarse, save_at=save_times, domain=domain)
        run_f = particles.integrate_ode(claim.drift, x0, fine, save_at=save_times, domain=domain)
    else:
        dw = particles.brownian_increments(seed + 1, n, fine, x0.shape[1])
        dw_c = dw[:, 0::2, :] + dw[:, 1::2, :]
        kw: dict[str, Any] = {"seed": None, "save_at": save_times, "domain": domain}
        run_c = particles.integrate_sde(
            claim.drift, claim.diffusion, x0, coarse, brownian=dw_c, **kw
        )
        run_f = particles.integrate_sde(claim.drift, claim.diffusion, x0, fine, brownian=dw, **kw)
    ok = run_c.valid & run_f.valid
    samples, delta = [], []
    for t in save_times:
        xf = run_f.samples[run_f.index(t)][ok]
        xc = run_c.samples[run_c.index(t)][ok]
        delta.append(np.abs(xf - xc))
        if claim.boundary == "periodic" and domain is not None:
            lo, hi = domain
            xf = lo + np.mod(xf - lo, hi - lo)
        samples.append(xf)
    return ParticleRun(
        times=np.asarray(save_times, dtype=float),
        samples=samples,
        delta=delta,
        nonfinite=int(np.count_nonzero(~ok)),
        outside=int(np.count_nonzero(run_f.left_domain)),
        n=n,
        steps=fine.size - 1,
        method=run_f.method,
    )
