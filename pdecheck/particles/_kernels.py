"""Compiled per-particle loops shared by the ODE and SDE kernels.

:data:`CHUNK` and :func:`chunk_range` (the particles of one task of the parallel loop),
:func:`load_row`, :func:`euler_step` and :func:`trapezoid_step` (the SDE updates),
:func:`fd_divergence` (central-difference ∇·f at one point), :func:`finish_step`
(finite check, domain check and saving after a step), :func:`fill_failed` (NaN rows after a
failure). The small helpers are inlined into the particle loops (``inline="always"``).
Fields enter as first-class cfuncs of ``pdecheck._jit.signature.FIELD_SIG``, so every kernel is
compiled once and cached on disk for all fields.
"""

from __future__ import annotations

import math

import numba
import numpy as np

# Particles per task of the parallel loops: scratch arrays and field pointers are set up once
# per chunk, not per particle. Every particle is independent, so results never depend on it.
CHUNK = 256

# ε^(1/3) for float64: the central-difference step that balances truncation O(δ²) against
# rounding O(ε/δ); the divergence is then accurate to about ε^(2/3) ≈ 4e-11 (relative).
FD_STEP = 6.0554544523933395e-06


@numba.njit(cache=True)
def fd_divergence(kernel, params, t, x, xp, fp, fm):
    """∇·f_t(x) = Σ_j ∂f_j/∂x_j by central differences with step FD_STEP·max(1, |x_j|)."""
    d = x.size
    div = 0.0
    for j in range(d):
        xp[j] = x[j]
    for j in range(d):
        xj = x[j]
        delta = FD_STEP * max(1.0, abs(xj))
        xp[j] = xj + delta
        hp = xp[j] - xj
        kernel(t, xp.ctypes, d, params.ctypes, fp.ctypes)
        xp[j] = xj - delta
        hm = xj - xp[j]
        kernel(t, xp.ctypes, d, params.ctypes, fm.ctypes)
        xp[j] = xj
        div += (fp[j] - fm[j]) / (hp + hm)
    return div


@numba.njit(cache=True, inline="always")
def chunk_range(c, n):
    """Particles [start, stop) of chunk c of n particles."""
    return c * CHUNK, min(n, (c + 1) * CHUNK)


@numba.njit(cache=True, inline="always")
def load_row(x0, i, x):
    """x = x0[i] (into scratch)."""
    for j in range(x.size):
        x[j] = x0[i, j]


@numba.njit(cache=True, inline="always")
def euler_step(x, f, h, g, dw):
    """x + f h + g ΔW: an Euler–Maruyama step, and the predictor x̄ of ``weak2``."""
    return x + f * h + g * dw


@numba.njit(cache=True, inline="always")
def trapezoid_step(x, f, fb, h, g, dw):
    """x + ½(f + f̄) h + g ΔW: the corrector of ``weak2`` (:mod:`.steppers`)."""
    return x + 0.5 * (f + fb) * h + g * dw


@numba.njit(cache=True, inline="always")
def finish_step(
    i,
    step,
    x,
    ell,
    lower,
    upper,
    has_domain,
    save_steps,
    slot,
    samples,
    dlogp,
    keep_logp,
    failed,
    outside,
):
    """After step ``step`` (0-based) of particle i: a non-finite state marks the particle failed
    (``failed[i]``, its remaining save slots NaN) and returns −1; otherwise mark a first exit
    from the domain, save when the step ends on a save time and return the next save slot.
    ``save_steps`` holds distinct grid indices in order followed by the sentinel −1
    (:func:`pdecheck.particles._driver.save_slots`)."""
    d = x.size
    finite = math.isfinite(ell)
    for j in range(d):
        finite = finite and math.isfinite(x[j])
    if not finite:
        failed[i] = step + 1
        fill_failed(i, slot, samples, dlogp, keep_logp)
        return -1
    if has_domain and not outside[i]:
        for j in range(d):
            if x[j] < lower[j] or x[j] > upper[j]:
                outside[i] = True
                break
    if save_steps[slot] == step + 1:  # one compare: the steps are distinct, the last is −1
        for j in range(d):
            samples[slot, i, j] = x[j]
        if keep_logp:
            dlogp[slot, i] = ell
        slot += 1
    return slot


@numba.njit(cache=True, inline="always")
def save_initial(i, x, save_steps, samples):
    """Save the initial state when time index 0 is a save time; returns the next save slot."""
    if save_steps[0] != 0:
        return 0
    for j in range(x.size):
        samples[0, i, j] = x[j]
    return 1


@numba.njit(cache=True)
def fill_failed(i, slot, samples, dlogp, keep_logp):
    """NaN in every save slot from ``slot`` on for a failed particle."""
    for s in range(slot, samples.shape[0]):
        for j in range(samples.shape[2]):
            samples[s, i, j] = np.nan
        if keep_logp:
            dlogp[s, i] = np.nan
