"""Compiled marginal field of an affine path, built-in schedule (CATALOGUE A3/A4, seed eq. 14).

``marginal_kernel(variant)(t, x, d, params, out)`` is a cfunc with ``FIELD_SIG`` (one per prior
variant, compiled only when used): for one point x it writes

    f_t(x) = Σ_k r_k a_k(x),   r_k ∝ w_k p_k(x)   (softmax with a max-shift),

for point or Gaussian-mixture data and a Gaussian (diagonal) or uniform-box prior. Components:

- Gaussian prior N(μ_q, diag s²), data N(m_k, V_k I) (V_k = 0 for points):
  p_k = N(α m_k + σ μ_q, α² V_k + σ² s²), a_k = α' m_k + σ' μ_q + c_k (x − M_k),
  c_k = (αα' V_k + σσ' s²)/(α² V_k + σ² s²) (CATALOGUE A4), with σσ' in its own closed form
  and σ' μ_q = 0 where μ_q = 0, so that f_0 is finite for Gaussian data although σ'_0 = ∞
  (VP, VE);
- uniform prior on [lo, hi]^d, point data: p_k ∝ 1{(x − α m_k)/σ ∈ box} (the common factor
  σ^{−d}/vol cancels), a_k = α' m_k + (σ'/σ)(x − α m_k) (CATALOGUE A3/A5).

Where no component is active (p_t(x) = 0), and at σ_t = 0 with point data (p_t atomic), the
output is NaN, which ``apply_field`` counts: the kernel never divides by zero, because an
exception inside a cfunc cannot reach the caller (Numba prints and ignores it).

The isotropic-prior path (the common case) takes the components in blocks of ``LANES``, each
pass a fixed-length loop over a block in stack buffers that LLVM vectorises: squared
distances, then the weights by :func:`exp_nonpositive`, an arithmetic e^u (u <= 0) with a
relative error below 4 ulp (libm's scalar ``exp`` does not vectorise), then pairwise sums.
Every helper is inlined into the cfunc (a call would cost reference-count calls per array).

``pack_params(spec, prior, data)`` lays out the parameter vector (components of zero weight
dropped; K padded to a multiple of ``LANES`` with components of weight 0, centre 0 and
variance min V; centres coordinate-major so that a coordinate's centres are contiguous):
[schedule kind, n, schedule params (n), prior kind (0 Gaussian, 1 uniform), prior a (d),
prior b (d), K, min_k V_k, log w (K), centres (d·K: centres[j·K + k] = m_kj), V (K)].
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numba
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic
from numpy.typing import NDArray

from pdecheck._jit.schedule import schedule_coeffs
from pdecheck._jit.signature import FIELD_SIG
from pdecheck.densities import Density, Gaussian, GaussianMixture, PointMixture, Uniform

__all__ = [
    "exp_nonpositive",
    "layout",
    "marginal_kernel",
    "pack_params",
    "prior_mean_speed",
    "prior_variant",
]

PRIOR_GAUSSIAN = 0
PRIOR_UNIFORM = 1
LANES = 8  # components per pass of the isotropic path (K is padded to a multiple)

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01  # ln 2 = LN2_HI + LN2_LO; LN2_HI ends in 21 zero bits,
LN2_LO = 1.90821492927058770002e-10  # so n·LN2_HI is exact for |n| < 2^21
ROUND = 6755399441055744.0  # 1.5·2^52: (y + ROUND) − ROUND is y rounded to the nearest integer
C3, C4, C5, C6, C7 = 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 720.0, 1.0 / 5040.0  # 1/k!
C8, C9, C10, C11 = 1.0 / 40320.0, 1.0 / 362880.0, 1.0 / 3628800.0, 1.0 / 39916800.0
C12, C13 = 1.0 / 479001600.0, 1.0 / 6227020800.0
EXP_FLOOR = -708.0  # e^u < 2^-1021 below: returned as 0 (2^n stays a normal number above)
#: below this sum of the isotropic path's weights (the top one is (v_min/v_k)^{d/2} <= 1 times
#: e^0) their relative precision is gone: the log-space pass takes over
UNDERFLOW_TOTAL = 1e-250


@intrinsic
def _stack_buffer(typingctx, size):
    """A float64 pointer to ``size`` (a literal) slots on the stack of the calling function."""
    if not isinstance(size, types.IntegerLiteral):
        return None

    def codegen(context, builder, sig, args):
        ty = context.get_value_type(types.float64)
        return cgutils.alloca_once(builder, ty, size=size.literal_value)

    return types.CPointer(types.float64)(size), codegen


@numba.njit(cache=True, inline="always", error_model="numpy")
def exp_nonpositive(u):
    """e^u for u <= 0 (or −∞, NaN) in branch-free arithmetic: u = n ln2 + r with n the nearest
    integer to u/ln2 (Cody–Waite: |r| <= ln2/2, r exact up to one rounding of n·LN2_LO), e^r by
    its Taylor polynomial of degree 13 (remainder r^14/14! < 4e-18 relative), 2^n from its
    exponent bits. Relative error < 4 ulp for u >= EXP_FLOOR; below, 0 (absolute error
    < 2^-1021); NaN stays NaN."""
    v = u if not u < EXP_FLOOR else EXP_FLOOR
    n = (v * LOG2E + ROUND) - ROUND
    n = n if n == n else 0.0
    r = (v - n * LN2_HI) - n * LN2_LO
    r2 = r * r
    r4 = r2 * r2
    lo = (1.0 + r) + r2 * (0.5 + r * C3)
    lo += r4 * ((C4 + r * C5) + r2 * (C6 + r * C7))
    hi = (C8 + r * C9) + r2 * (C10 + r * C11) + r4 * (C12 + r * C13)
    p = lo + (r4 * r4) * hi
    e = p * np.int64((np.int64(n) + 1023) << 52).view(np.float64)
    return 0.0 if u < EXP_FLOOR else e


@numba.njit(cache=True, inline="always", error_model="numpy")
def _tree_sum(v):
    """v[0] + ... + v[7] (LANES = 8) summed pairwise (three dependent additions, not seven)."""
    return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]))


@numba.njit(cache=True, inline="always", error_model="numpy")
def _tree_max(v):
    """max(v[0], ..., v[7]) pairwise. A NaN v_k need not propagate here: its weight
    e^(v_k − max) is NaN whatever the maximum, and so is the output."""
    return max(max(max(v[0], v[1]), max(v[2], v[3])), max(max(v[4], v[5]), max(v[6], v[7])))


@numba.njit(cache=True, inline="always", error_model="numpy")
def _online_weight(lw, top, total, out, d):
    """One component of a streaming log-sum-exp: its weight e^{lw − top} against the running
    maximum ``top`` of the log-weights, after rescaling the running sums ``total`` and ``out``
    when lw is a new maximum. Returns (weight, top, total with the weight added)."""
    if lw > top:
        scale = math.exp(top - lw) if total > 0.0 else 0.0
        total *= scale
        for j in range(d):
            out[j] *= scale
        top = lw
    e = math.exp(lw - top)
    return e, top, total + e


@numba.njit(cache=True, error_model="numpy", inline="always")
def _uniform_prior(x, d, out, a, da, s, ds, lo, hi, logw, centres):
    """The uniform-box prior with point data (CATALOGUE A3/A5): p_k ∝ 1{(x − α m_k)/σ ∈ box},
    a_k = α' m_k + (σ'/σ)(x − α m_k), weights w_k over the active components."""
    n_comp = logw.size
    top = -math.inf
    total = 0.0
    for k in range(n_comp):
        lw = logw[k]
        if lw == -math.inf or not s > 0.0:
            continue
        inside = True
        for j in range(d):
            z = (x[j] - a * centres[j * n_comp + k]) / s
            if z < lo[j] or z > hi[j]:
                inside = False
        if not inside:
            continue
        e, top, total = _online_weight(lw, top, total, out, d)
        for j in range(d):
            m = centres[j * n_comp + k]
            out[j] += e * (da * m + ds / s * (x[j] - a * m))
    for j in range(d):
        out[j] = out[j] / total if total > 0.0 else math.nan


@numba.njit(cache=True, error_model="numpy", inline="always")
def prior_mean_speed(ds, m):
    """σ' μ_q, the speed of the prior's mean term; 0 for μ_q = 0 also where σ' = ∞ (t = 0)."""
    return ds * m if m != 0.0 else 0.0


@numba.njit(cache=True, error_model="numpy", inline="always")
def _isotropic_prior(x, d, out, a, da, s, ds, sds, mu, sd, logw, centres, var0, var_min):
    """Prior N(μ_q, sd² I): p_k = N(a m_k + s μ_q, v_k I), v_k = a² V_k + s² sd², with no
    logarithm: r_k ∝ exp(q_k − max q) (v_min/v_k)^{d/2}, q_k = log w_k − |x − M_k|²/2v_k (both
    factors <= 1: no overflow; the sums are rescaled when a block raises the maximum),
    accumulating Σ r_k a_k with a_k = α' m_k + σ' μ_q + c_k (x − M_k),
    c_k = (αα' V_k + σσ' sd²)/v_k (CATALOGUE A4). Components come in blocks of LANES (padded
    by pack_params), every pass but the sums a fixed-length loop that LLVM vectorises.

    Returns False, leaving ``out`` to be overwritten, when the weights summed to less than
    ``UNDERFLOW_TOTAL``: in high dimension (v_min/v_k)^{d/2} underflows for the component of
    largest q_k while the one that dominates falls below EXP_FLOOR (d = 2000, stds 1 and 2:
    every weight 0, the field NaN). The caller then takes the log-space pass."""
    q2 = s * s * sd * sd
    vmin = a * a * var_min + q2
    if not 0.0 < vmin < math.inf:  # σ_t = 0 with point data (p_t atomic)
        for j in range(d):
            out[j] = math.nan
        return True
    n_comp = logw.size
    inv = numba.carray(_stack_buffer(LANES), (LANES,))
    q = numba.carray(_stack_buffer(LANES), (LANES,))
    prefactor = numba.carray(_stack_buffer(LANES), (LANES,))
    term = numba.carray(_stack_buffer(LANES), (LANES,))
    top = -math.inf
    total = 0.0
    for first in range(0, n_comp, LANES):
        for i in range(LANES):
            inv[i] = 1.0 / (a * a * var0[first + i] + q2)
            q[i] = 0.0
            prefactor[i] = 1.0
        for j in range(d):
            xs = x[j] - s * mu[j]
            row = j * n_comp + first
            for i in range(LANES):
                dev = xs - a * centres[row + i]
                q[i] += dev * dev
        for i in range(LANES):
            q[i] = logw[first + i] - 0.5 * q[i] * inv[i]
        block_top = _tree_max(q)
        if block_top > top:  # rescale what was summed against the old maximum
            scale = exp_nonpositive(top - block_top)
            total *= scale
            for j in range(d):
                out[j] *= scale
            top = block_top
        for _ in range(d // 2):
            for i in range(LANES):
                prefactor[i] *= vmin * inv[i]
        if d % 2:
            for i in range(LANES):
                prefactor[i] *= math.sqrt(vmin * inv[i])
        for i in range(LANES):
            q[i] = exp_nonpositive(q[i] - top) * prefactor[i]  # q now holds the weights
        total += _tree_sum(q)
        for i in range(LANES):  # prefactor now holds the slopes c_k
            prefactor[i] = (a * da * var0[first + i] + sds * sd * sd) * inv[i]
        for j in range(d):
            xs = x[j] - s * mu[j]
            drift = prior_mean_speed(ds, mu[j])
            row = j * n_comp + first
            for i in range(LANES):
                m = centres[row + i]
                term[i] = q[i] * (da * m + drift + prefactor[i] * (xs - a * m))
            out[j] += _tree_sum(term)
    if not total >= UNDERFLOW_TOTAL:
        return False
    for j in range(d):
        out[j] = out[j] / total
    return True


@numba.njit(cache=True, error_model="numpy", inline="always")
def _diagonal_prior(x, d, out, a, da, s, ds, sds, mu, sd, logw, centres, var0):
    """Prior N(μ_q, diag sd²): as :func:`_isotropic_prior` with v_kj = a² V_k + s² sd_j² per
    coordinate, the softmax accumulated online (one pass, rescaled when the maximum moves)."""
    n_comp = logw.size
    top = -math.inf
    total = 0.0
    for k in range(n_comp):
        lw = logw[k]
        if lw == -math.inf:
            continue
        for j in range(d):
            v = a * a * var0[k] + s * s * sd[j] * sd[j]
            if not v > 0.0:  # σ_t = 0 with point data: p_t is atomic, f undefined
                for i in range(d):
                    out[i] = math.nan
                return
            dev = x[j] - a * centres[j * n_comp + k] - s * mu[j]
            lw += -0.5 * dev * dev / v - 0.5 * math.log(v)
        e, top, total = _online_weight(lw, top, total, out, d)
        for j in range(d):
            m = centres[j * n_comp + k]
            v = a * a * var0[k] + s * s * sd[j] * sd[j]
            slope = (a * da * var0[k] + sds * sd[j] * sd[j]) / v
            out[j] += e * (
                da * m + prior_mean_speed(ds, mu[j]) + slope * (x[j] - a * m - s * mu[j])
            )
    for j in range(d):
        out[j] = out[j] / total if total > 0.0 else math.nan


@numba.njit(cache=True, error_model="numpy", inline="always")
def layout(pp, d, t):
    """The parameter vector read at time t (layout in the module docstring): (α, α', σ, σ',
    σσ', prior a (d), prior b (d), log w (K), centres (d·K), V (K), min V)."""
    nsp = int(pp[1])
    a, da, s, ds, sds = schedule_coeffs(int(pp[0]), numba.carray(pp, (2 + nsp,))[2:], t)
    base = 3 + nsp
    k_count = int(pp[base + 2 * d])
    end = base + 2 + 2 * d + k_count * (d + 2)
    block = numba.carray(pp, (end,))
    pa = block[base : base + d]
    pb = block[base + d : base + 2 * d]
    start = base + 2 + 2 * d
    logw = block[start : start + k_count]
    centres = block[start + k_count : start + k_count * (d + 1)]
    var0 = block[start + k_count * (d + 1) : end]
    return a, da, s, ds, sds, pa, pb, logw, centres, var0, block[base + 1 + 2 * d]


def _isotropic_point(t, xp, d, pp, op):
    x = numba.carray(xp, (d,))
    out = numba.carray(op, (d,))
    a, da, s, ds, sds, mu, sd, logw, centres, var0, var_min = layout(pp, d, t)
    for j in range(d):
        out[j] = 0.0
    if not _isotropic_prior(x, d, out, a, da, s, ds, sds, mu, sd[0], logw, centres, var0, var_min):
        for j in range(d):  # the weights underflowed: the log-space pass (every entry of sd
            out[j] = 0.0  # is sd[0] for this prior)
        _diagonal_prior(x, d, out, a, da, s, ds, sds, mu, sd, logw, centres, var0)


def _diagonal_point(t, xp, d, pp, op):
    x = numba.carray(xp, (d,))
    out = numba.carray(op, (d,))
    a, da, s, ds, sds, mu, sd, logw, centres, var0, _ = layout(pp, d, t)
    for j in range(d):
        out[j] = 0.0
    _diagonal_prior(x, d, out, a, da, s, ds, sds, mu, sd, logw, centres, var0)


def _uniform_point(t, xp, d, pp, op):
    x = numba.carray(xp, (d,))
    out = numba.carray(op, (d,))
    a, da, s, ds, _, lo, hi, logw, centres, _, _ = layout(pp, d, t)
    for j in range(d):
        out[j] = 0.0
    _uniform_prior(x, d, out, a, da, s, ds, lo, hi, logw, centres)


_POINT = {"isotropic": _isotropic_point, "diagonal": _diagonal_point, "uniform": _uniform_point}


def prior_variant(prior: Density) -> str:
    """Which kernel serves ``prior``: "isotropic" (Gaussian, one std), "diagonal" (Gaussian)
    or "uniform" — each compiled only when a path uses it."""
    if isinstance(prior, Uniform):
        return "uniform"
    if isinstance(prior, Gaussian) and np.all(prior.std == prior.std[0]):
        return "isotropic"
    return "diagonal"


@functools.cache
def marginal_kernel(variant: str) -> Any:
    """The per-point cfunc (``FIELD_SIG``) for a prior variant (:func:`prior_variant`),
    compiled on first use and loaded from the on-disk cache in later processes."""
    return numba.cfunc(FIELD_SIG, cache=True, error_model="numpy")(_POINT[variant])


def pack_params(
    spec: tuple[int, NDArray[np.float64]], prior: Density, data: Density
) -> NDArray[np.float64]:
    """The parameter vector of the marginal-field kernels (layout in the module docstring)."""
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
    keep = data.weights > 0.0  # a component of weight 0 never contributes
    n_comp = int(np.count_nonzero(keep))
    pad = -n_comp % LANES  # padding: weight 0, centre 0, variance min V (finite v_k)
    var_min = var[keep].min()
    parts = [
        [float(kind), float(sched.size)],
        sched,
        head,
        [n_comp + pad, var_min],
        np.log(data.weights[keep]),
        np.full(pad, -np.inf),
        np.pad(centres[keep], ((0, pad), (0, 0))).T.ravel(),
        var[keep],
        np.full(pad, var_min),
    ]
    return np.ascontiguousarray(np.concatenate([np.asarray(p, dtype=float) for p in parts]))
