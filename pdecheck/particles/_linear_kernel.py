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
check runs once, at the end; a particle found non-finite there is run again alone with a check
after every step (:func:`_single`, the general kernel's :func:`._kernels.finish_step`) to
record the step it failed on, NaN its later saves and redo its domain flag. The domain check
runs every step when a domain is declared (a particle may leave and come back).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pdecheck.particles._kernels import (
    euler_step,
    finish_step,
    load_row,
    save_initial,
    trapezoid_step,
)
from pdecheck.particles.rng import _ZIG_W, _ZIG_X, _normal_rejected, next4, normal4, seed4

# Particles per block: enough independent update chains to hide each one's latency, and a
# whole number of 512-bit vectors for the draw pass. Results never depend on it.
LANES = 64


@numba.njit(cache=True)
def _block(c, scheme, x0, A, B, g, root, h, seed, save_steps, lower, upper, has_domain, out):
    """Particles [c·LANES, c·LANES + count) in lockstep; marks in ``redo`` those that end
    non-finite (for :func:`_single`)."""
    samples, outside, redo = out
    n, d = x0.shape
    start = c * LANES
    count = min(LANES, n - start)
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
        if has_domain:
            for j in range(d):
                for lane in range(LANES):
                    left[lane] |= (X[j, lane] < lower[j]) | (X[j, lane] > upper[j])
    for lane in range(count):
        outside[start + lane] = left[lane]
        for j in range(d):
            if not math.isfinite(X[j, lane]):
                redo[start + lane] = True


@numba.njit(cache=True)
def _single(i, scheme, x0, A, B, g, root, h, seed, save_steps, box, out):
    """Particle i alone with a check after every step (:func:`._kernels.finish_step`): the
    same numbers as its lane in :func:`_block`, and the step at which it turned non-finite."""
    lower, upper, has_domain = box
    samples, failed, outside = out
    d = x0.shape[1]
    x, f, dw, dummy = np.empty(d), np.empty(d), np.empty(d), np.zeros((1, 1))
    s0, s1, s2, s3 = seed4(seed, i)
    load_row(x0, i, x)
    outside[i] = False
    slot = save_initial(i, x, save_steps, samples)
    for step in range(h.size):
        hk, gk, rk = h[step], g[step], root[step]
        for j in range(d):
            z, s0, s1, s2, s3 = normal4(s0, s1, s2, s3)
            a, b = A[0, step], B[0, step, j]
            if scheme == 0:
                x[j] = euler_step(x[j], a * x[j] + b, hk, gk, rk * z)
            else:
                dw[j] = rk * z
                f[j] = a * x[j] + b
        if scheme != 0:
            for j in range(d):
                xb = euler_step(x[j], f[j], hk, gk, dw[j])
                x[j] = trapezoid_step(x[j], f[j], A[1, step] * xb + B[1, step, j], hk, gk, dw[j])
        slot = finish_step(
            i,
            step,
            x,
            0.0,
            lower,
            upper,
            has_domain,
            save_steps,
            slot,
            samples,
            dummy,
            False,
            failed,
            outside,
        )
        if slot < 0:
            return


@numba.njit(cache=True, parallel=True)
def linear_paths(
    scheme,
    x0,
    A,
    B,
    g,
    root,
    h,
    seed,
    save_steps,
    lower,
    upper,
    has_domain,
    samples,
    failed,
    outside,
):
    """EM (``scheme`` 0): x' = x + (A_k x + B_k) h_k + g_k √|h_k| Z; weak2 (1) with the
    coefficients at t_k (row 0 of A (2, steps), B (2, steps, d)) and at t_k + h_k (row 1),
    g_k the mid-step noise. ``save_steps`` ends with a sentinel −1; ``failed`` must be zero."""
    n = x0.shape[0]
    redo = np.zeros(n, dtype=np.bool_)
    out = (samples, outside, redo)
    for c in numba.prange((n + LANES - 1) // LANES):
        _block(c, scheme, x0, A, B, g, root, h, seed, save_steps, lower, upper, has_domain, out)
    box = (lower, upper, has_domain)
    for i in numba.prange(n):
        if redo[i]:
            _single(
                i, scheme, x0, A, B, g, root, h, seed, save_steps, box, (samples, failed, outside)
            )
