"""Compiled marginal field of an affine path, built-in schedule (CATALOGUE A3/A4, seed eq. 14).

``marginal_field(t, x, d, params, out)`` is a cfunc with ``FIELD_SIG``: for one point x it writes

    f_t(x) = Σ_k r_k a_k(x),   r_k ∝ w_k p_k(x)   (softmax with a max-shift),

for point or Gaussian-mixture data and a Gaussian (diagonal) or uniform-box prior. Components:

- Gaussian prior N(μ_q, diag s²), data N(m_k, V_k I) (V_k = 0 for points):
  p_k = N(α m_k + σ μ_q, α² V_k + σ² s²), a_k = α' m_k + σ' μ_q + c_k (x − M_k),
  c_k = (αα' V_k + σσ' s²)/(α² V_k + σ² s²) (CATALOGUE A4);
- uniform prior on [lo, hi]^d, point data: p_k ∝ 1{(x − α m_k)/σ ∈ box} (the common factor
  σ^{−d}/vol cancels), a_k = α' m_k + (σ'/σ)(x − α m_k) (CATALOGUE A3/A5).

Where no component is active (p_t(x) = 0), and at σ_t = 0 with point data (p_t atomic), the
output is NaN, which ``apply_field`` counts: the kernel never divides by zero, because an
exception inside a cfunc cannot reach the caller (Numba prints and ignores it).
``pack_params(spec, prior, data)`` lays out the parameter vector:
[schedule kind, n, schedule params (n), prior kind (0 Gaussian, 1 uniform), prior a (d),
prior b (d), K, log w (K), centres (K·d), V (K)].
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from pdecheck._jit.schedule import schedule_coeffs
from pdecheck._jit.signature import FIELD_SIG
from pdecheck.densities import Density, Gaussian, GaussianMixture, PointMixture, Uniform

__all__ = ["marginal_field", "marginal_kernel", "pack_params"]

PRIOR_GAUSSIAN = 0
PRIOR_UNIFORM = 1


@numba.njit(cache=True)
def _uniform_prior(x, d, out, a, da, s, ds, lo, hi, logw, centres):
    """The uniform-box prior with point data (CATALOGUE A3/A5): p_k ∝ 1{(x − α m_k)/σ ∈ box},
    a_k = α' m_k + (σ'/σ)(x − α m_k), weights w_k over the active components."""
    top = -math.inf
    total = 0.0
    for k in range(logw.size):
        lw = logw[k]
        if lw == -math.inf or not s > 0.0:
            continue
        inside = True
        for j in range(d):
            z = (x[j] - a * centres[k * d + j]) / s
            if z < lo[j] or z > hi[j]:
                inside = False
        if not inside:
            continue
        if lw > top:
            scale = math.exp(top - lw) if total > 0.0 else 0.0
            total *= scale
            for j in range(d):
                out[j] *= scale
            top = lw
        e = math.exp(lw - top)
        total += e
        for j in range(d):
            m = centres[k * d + j]
            out[j] += e * (da * m + ds / s * (x[j] - a * m))
    for j in range(d):
        out[j] = out[j] / total if total > 0.0 else math.nan


@numba.njit(cache=True, inline="always")
def _half_power(r, d):
    """r^(d/2) by d//2 products and one square root (no log, no pow)."""
    p = 1.0
    for _ in range(d // 2):
        p *= r
    return p * math.sqrt(r) if d % 2 else p


@numba.njit(cache=True)
def _isotropic_prior(x, d, out, a, da, s, ds, mu, sd, logw, centres, var0):
    """Prior N(μ_q, sd² I): p_k = N(a m_k + s μ_q, v_k I), v_k = a² V_k + s² sd², with no
    logarithm: after the smallest v_k, one pass with r_k ∝ exp(q_k − max q) (v_min/v_k)^{d/2},
    q_k = log w_k − |x − M_k|²/2v_k (both factors <= 1: no overflow; the sums are rescaled
    when the running maximum moves), accumulating Σ r_k a_k with a_k = α' m_k + σ' μ_q +
    c_k (x − M_k), c_k = (αα' V_k + σσ' sd²)/v_k (CATALOGUE A4)."""
    q2 = s * s * sd * sd
    vmin = math.inf
    for k in range(logw.size):
        if logw[k] != -math.inf:
            vmin = min(vmin, a * a * var0[k] + q2)
    if not 0.0 < vmin < math.inf:  # σ_t = 0 with point data (p_t atomic), or no component
        for j in range(d):
            out[j] = math.nan
        return
    top = -math.inf
    total = 0.0
    for k in range(logw.size):
        if logw[k] == -math.inf:
            continue
        inv = 1.0 / (a * a * var0[k] + q2)
        sq = 0.0
        for j in range(d):
            dev = x[j] - a * centres[k * d + j] - s * mu[j]
            sq += dev * dev
        q = logw[k] - 0.5 * sq * inv
        if q > top:  # online: rescale what was summed against the old maximum
            scale = math.exp(top - q)
            total *= scale
            for j in range(d):
                out[j] *= scale
            top = q
        e = math.exp(q - top) * _half_power(vmin * inv, d)
        total += e
        slope = (a * da * var0[k] + s * ds * sd * sd) * inv
        for j in range(d):
            m = centres[k * d + j]
            out[j] += e * (da * m + ds * mu[j] + slope * (x[j] - a * m - s * mu[j]))
    for j in range(d):
        out[j] = out[j] / total if total > 0.0 else math.nan


@numba.njit(cache=True)
def _diagonal_prior(x, d, out, a, da, s, ds, mu, sd, logw, centres, var0):
    """Prior N(μ_q, diag sd²): as :func:`_isotropic_prior` with v_kj = a² V_k + s² sd_j² per
    coordinate, the softmax accumulated online (one pass, rescaled when the maximum moves)."""
    top = -math.inf
    total = 0.0
    for k in range(logw.size):
        lw = logw[k]
        if lw == -math.inf:
            continue
        for j in range(d):
            v = a * a * var0[k] + s * s * sd[j] * sd[j]
            if not v > 0.0:  # σ_t = 0 with point data: p_t is atomic, f undefined
                for i in range(d):
                    out[i] = math.nan
                return
            dev = x[j] - a * centres[k * d + j] - s * mu[j]
            lw += -0.5 * dev * dev / v - 0.5 * math.log(v)
        if lw > top:
            scale = math.exp(top - lw) if total > 0.0 else 0.0
            total *= scale
            for j in range(d):
                out[j] *= scale
            top = lw
        e = math.exp(lw - top)
        total += e
        for j in range(d):
            m = centres[k * d + j]
            v = a * a * var0[k] + s * s * sd[j] * sd[j]
            slope = (a * da * var0[k] + s * ds * sd[j] * sd[j]) / v
            out[j] += e * (da * m + ds * mu[j] + slope * (x[j] - a * m - s * mu[j]))
    for j in range(d):
        out[j] = out[j] / total if total > 0.0 else math.nan


@numba.cfunc(FIELD_SIG, cache=True)
def marginal_field(t, xp, d, pp, op):
    x = numba.carray(xp, (d,))
    out = numba.carray(op, (d,))
    nsp = int(pp[1])
    sp = numba.carray(pp, (2 + nsp,))[2:]
    a, da, s, ds = schedule_coeffs(int(pp[0]), sp, t)
    base = 2 + nsp
    prior_kind = int(pp[base])
    pa = numba.carray(pp, (base + 1 + 2 * d,))[base + 1 : base + 1 + d]
    pb = numba.carray(pp, (base + 1 + 2 * d,))[base + 1 + d : base + 1 + 2 * d]
    k_count = int(pp[base + 1 + 2 * d])
    start = base + 2 + 2 * d
    end = start + k_count * (d + 2)
    block = numba.carray(pp, (end,))
    logw = block[start : start + k_count]
    centres = block[start + k_count : start + k_count + k_count * d]
    var0 = block[start + k_count + k_count * d : end]
    for j in range(d):
        out[j] = 0.0
    if prior_kind == PRIOR_UNIFORM:
        _uniform_prior(x, d, out, a, da, s, ds, pa, pb, logw, centres)
        return
    isotropic = True
    for j in range(1, d):
        isotropic = isotropic and pb[j] == pb[0]
    if isotropic:
        _isotropic_prior(x, d, out, a, da, s, ds, pa, pb[0], logw, centres, var0)
    else:
        _diagonal_prior(x, d, out, a, da, s, ds, pa, pb, logw, centres, var0)


def marginal_kernel() -> Any:
    """The cfunc (loaded from the on-disk cache after the first process)."""
    return marginal_field


def pack_params(
    spec: tuple[int, NDArray[np.float64]], prior: Density, data: Density
) -> NDArray[np.float64]:
    """The parameter vector of :func:`marginal_field` (layout in the module docstring)."""
    kind, sched = spec
    if isinstance(prior, Gaussian):
        head = [PRIOR_GAUSSIAN, *prior.loc, *prior.std]
    elif isinstance(prior, Uniform):
        head = [PRIOR_UNIFORM, *prior.low, *prior.high]
    else:
        raise TypeError(
            f"prior={prior!r}: the compiled marginal field needs a Gaussian or Uniform prior"
        )
    if isinstance(data, PointMixture):
        centres, var = data.points, np.zeros(data.points.shape[0])
    elif isinstance(data, GaussianMixture) and isinstance(prior, Gaussian):
        centres, var = data.means, data.stds**2
    else:
        raise TypeError(
            f"data={data!r}: the compiled marginal field needs point data or Gaussian data"
        )
    with np.errstate(divide="ignore"):
        logw = np.log(data.weights)
    parts = [
        [float(kind), float(sched.size)],
        sched,
        head,
        [centres.shape[0]],
        logw,
        centres.ravel(),
        var,
    ]
    return np.ascontiguousarray(np.concatenate([np.asarray(p, dtype=float) for p in parts]))
