"""The tabulated SDE integrator: dx = (A_t x + B_t) dt + g_t dW with no field calls.

:func:`linear_paths` integrates a drift that is linear in x with time-dependent coefficients,
tabulated on the grid beforehand (every built-in linear SDE's drift, its reverse-time form and
its probability-flow / reverse forms with one-component data:
:meth:`pdecheck.sde.ScoreDriftField.linear_coefficients`), with additive noise, by the schemes
of :mod:`.steppers` and the very arithmetic of the general kernel (:mod:`._sde_kernel`; both
use :func:`._kernels.euler_step` and :func:`._kernels.trapezoid_step`): given the kernel's own
coefficient values it returns the same bits for the same seed.

Speed: the particles of a block of :data:`LANES` advance in lockstep (:func:`_block`). Each
step every lane draws its next normal by the ziggurat's fast test in one branch-free,
vectorised pass over the lanes (the rare rejected lanes finish alone with
:func:`.rng._normal_rejected`, so every lane's stream is exactly :func:`.rng.normal4`'s), and
the lanes' update chains overlap instead of waiting on each other's latency.

Bookkeeping: with finite coefficients a state that turned NaN/inf stays non-finite (every
scheme's update is x plus something, and ±inf plus anything is ±inf or NaN), so the finite
check runs once, at the end; a particle found non-finite there is run again alone in a block
that checks after every step (``single``), as the general kernel's
:func:`._kernels.finish_step` does, to record the step it failed on, NaN its later saves and
count only the domain exits before it. The domain check runs every step when a domain is
declared (a particle may leave and come back).

Threads: :func:`linear_paths` is a serial kernel over a range of particles that releases the
GIL; :func:`pdecheck.particles._driver.run_ranges` runs ranges on Numba's thread count.
Particles are independent, so the bits never depend on the split. (A ``parallel=True`` kernel
would compile the blocks twice, once for the parallel loop's body.)
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pdecheck.particles._kernels import euler_step, fill_failed, trapezoid_step
from pdecheck.particles.rng import _ZIG_W, _ZIG_X, _normal_rejected, next4, seed4

# Particles per block: enough independent update chains to hide each one's latency, and a
# whole number of 512-bit vectors for the draw pass. Results never depend on it.
LANES = 64


@numba.njit(cache=True)
def _block(start, count, scheme, x0, table, seed, save_steps, box, out, single):
    """Particles [start, start + count) in lockstep; returns True when one of them ends
    non-finite. ``single`` (count 1: a particle found non-finite) checks the state after every
    step as :func:`._kernels.finish_step` does: the failed step, NaN saves after it, and domain
    exits only before it."""
    A, B, g, root, h = table
    lower, upper, has_domain = box
    samples, failed, outside = out
    d = x0.shape[1]
    S0, S1 = np.empty(LANES, np.uint64), np.empty(LANES, np.uint64)
    S2, S3 = np.empty(LANES, np.uint64), np.empty(LANES, np.uint64)
    J, Z = np.empty(LANES, np.uint64), np.empty(LANES)
    X, F, DW = np.empty((d, LANES)), np.empty((d, LANES)), np.empty((d, LANES))
    left = np.zeros(LANES, dtype=np.bool_)
    for lane in range(LANES):  # idle lanes repeat the last particle and write nothing
        i = start + min(lane, count - 1)
        S0[lane], S1[lane], S2[lane], S3[lane] = seed4(seed, i)
        for j in range(d):
            X[j, lane] = x0[i, j]
    slot = 0
    for step in range(h.size + 1):
        if single and step > 0:
            finite = True
            for j in range(d):
                finite = finite and math.isfinite(X[j, 0])
            if not finite:
                failed[start] = step
                fill_failed(start, slot, samples, np.zeros((1, 1)), False)
                break
        if has_domain and step > 0:
            for j in range(d):
                for lane in range(LANES):
                    left[lane] |= (X[j, lane] < lower[j]) | (X[j, lane] > upper[j])
        if save_steps[slot] == step:
            for lane in range(count):
                for j in range(d):
                    samples[slot, start + lane, j] = X[j, lane]
            slot += 1
        if step == h.size:
            break
        hk, gk, rk = h[step], g[step], root[step]
        for j in range(d):
            # Z = each lane's next normal, exactly as rng.normal4 draws it: the ziggurat's
            # fast test for all lanes in one branch-free (vectorised) pass, then the few
            # rejected lanes one by one (written out here: LLVM vectorises it only inline)
            rejected = 0
            for lane in range(LANES):
                bits, s0, s1, s2, s3 = next4(S0[lane], S1[lane], S2[lane], S3[lane])
                S0[lane], S1[lane], S2[lane], S3[lane] = s0, s1, s2, s3
                layer = np.int64(bits & np.uint64(255))
                z = float(bits >> np.uint64(11)) * _ZIG_W[layer]
                accepted = z < _ZIG_X[layer + 1]
                negative = (bits >> np.uint64(8)) & np.uint64(1)
                Z[lane] = -z if negative else z
                J[lane] = bits
                rejected += not accepted
            if rejected:
                for lane in range(LANES):
                    bits = J[lane]
                    layer = np.int64(bits & np.uint64(255))
                    if not float(bits >> np.uint64(11)) * _ZIG_W[layer] < _ZIG_X[layer + 1]:
                        Z[lane], S0[lane], S1[lane], S2[lane], S3[lane] = _normal_rejected(
                            bits, S0[lane], S1[lane], S2[lane], S3[lane]
                        )
            a, b = A[0, step], B[0, step, j]
            if scheme == 0:
                for lane in range(LANES):
                    X[j, lane] = euler_step(X[j, lane], a * X[j, lane] + b, hk, gk, rk * Z[lane])
            else:
                for lane in range(LANES):
                    DW[j, lane] = rk * Z[lane]
                    F[j, lane] = a * X[j, lane] + b
        if scheme != 0:
            for j in range(d):
                a, b = A[1, step], B[1, step, j]
                for lane in range(LANES):
                    xb = euler_step(X[j, lane], F[j, lane], hk, gk, DW[j, lane])
                    X[j, lane] = trapezoid_step(
                        X[j, lane], F[j, lane], a * xb + b, hk, gk, DW[j, lane]
                    )
    nonfinite = False
    for lane in range(count):
        outside[start + lane] = left[lane]
        for j in range(d):
            nonfinite = nonfinite or not math.isfinite(X[j, lane])
    return nonfinite


@numba.njit(cache=True, nogil=True)
def linear_paths(start, stop, scheme, x0, table, seed, save_steps, box, out):
    """Particles [start, stop): EM (``scheme`` 0) x' = x + (A_k x + B_k) h_k + g_k √|h_k| Z;
    weak2 (1) with the coefficients at t_k (row 0 of A (2, steps), B (2, steps, d)) and at
    t_k + h_k (row 1), g_k the mid-step noise. ``table`` = (A, B, g, √|h|, h); ``box`` =
    (lower, upper, has_domain); ``out`` = (samples, failed (zero), outside); ``save_steps``
    ends with the sentinel −1. Releases the GIL: callers run ranges on several threads."""
    # runtime values, not constants: Numba would compile _block again for literal arguments
    single = np.array([False, True])
    for first in range(start, stop, LANES):
        count = min(LANES, stop - first)
        if _block(first, count, scheme, x0, table, seed, save_steps, box, out, single[0]):
            for i in range(first, first + count):  # again, alone, with a check every step
                alone = min(1, stop - i)
                _block(i, alone, scheme, x0, table, seed, save_steps, box, out, single[1])
