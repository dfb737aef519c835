"""The whole explicit heat time loop in one compiled call (CATALOGUE H1, M1; issue 4 item 8).

Forward Euler on the finite-volume Laplacian, ∂_t p = D_t Δp, written as the convex
combination

    p'_i = w p_i + Σ_k c_k (p_{i−e_k} + p_{i+e_k}),   c_k = D_t Δt / h_k²,  w = 1 − 2 Σ_k c_k,

with a zero-flux wall as the mirror neighbour (p_{−1} = p_0: the wall face carries no flux) and
a periodic axis wrapping round. When Σ_k 2c_k ≤ 1 every term is a product of non-negative
numbers, so p' ≥ 0 holds exactly in floating point (no negative round-off), and each p_i is
spread to its neighbours with weights summing to one, so mass changes by round-off only.

The state is seen as (n0, n1, n2) with leading axes of length 1 when d < 3 and c = 0 there, so
one loop serves every dimension; a line along the last (contiguous) axis is updated by
:func:`_line1`, :func:`_line2` or :func:`_line3` (3-, 5-, 7-point), whose interior loop has
no wrap-round indexing (the two end cells are done apart) so LLVM vectorises it.

- :func:`_rows` — one step on the lines lo ≤ r < hi (r = i0 n1 + i1);
- :func:`_mass_min` — Σ p and min p over lines lo ≤ r < hi;
- :func:`march_serial` — every step, ping-pong buffers, serial (small grids: a parallel region
  costs more than a step);
- :func:`march_parallel` — the same loop with each step's lines split into ``CHUNKS`` chunks
  run by ``prange`` (large grids).

Both loops copy the state into ``saved[j]`` after step ``save_step[j]`` and check the mass and
the minimum every ``check_every`` steps and at every save (``stats``: see the indices below).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

#: the lines of a step are split into this many chunks in :func:`march_parallel` (a constant,
#: so the kernel caches and the mass sums do not depend on the thread count)
CHUNKS = 64
#: stats vector: initial Σp, largest |Σp − Σp₀| / Σp₀ seen, smallest p seen, checks made
MASS0, DRIFT, LOW, CHECKS = range(4)
STATS = 4


@numba.njit(cache=True)
def _line1(out, row, w, c, periodic):
    """out = w row + c (left + right) along one line (3-point)."""
    last = row.size - 1
    for j in range(1, last):
        out[j] = w * row[j] + c * (row[j - 1] + row[j + 1])
    left = row[last] if periodic else row[0]
    right = row[0] if periodic else row[last]
    out[0] = w * row[0] + c * (left + row[min(1, last)])
    out[last] = w * row[last] + c * (row[max(last - 1, 0)] + right)


@numba.njit(cache=True)
def _line2(out, row, a, b, w, c, ca, periodic):
    """out = w row + c (left + right) + ca (a + b) along one line (5-point)."""
    last = row.size - 1
    for j in range(1, last):
        out[j] = w * row[j] + c * (row[j - 1] + row[j + 1]) + ca * (a[j] + b[j])
    left = row[last] if periodic else row[0]
    right = row[0] if periodic else row[last]
    out[0] = w * row[0] + c * (left + row[min(1, last)]) + ca * (a[0] + b[0])
    out[last] = w * row[last] + c * (row[max(last - 1, 0)] + right) + ca * (a[last] + b[last])


@numba.njit(cache=True)
def _line3(out, row, a, b, e, f, w, c, ca, ce, periodic):
    """out = w row + c (left + right) + ca (a + b) + ce (e + f) along one line (7-point)."""
    last = row.size - 1
    for j in range(1, last):
        out[j] = (
            w * row[j] + c * (row[j - 1] + row[j + 1]) + ca * (a[j] + b[j]) + ce * (e[j] + f[j])
        )
    left = row[last] if periodic else row[0]
    right = row[0] if periodic else row[last]
    out[0] = w * row[0] + c * (left + row[min(1, last)]) + ca * (a[0] + b[0]) + ce * (e[0] + f[0])
    out[last] = (
        w * row[last]
        + c * (row[max(last - 1, 0)] + right)
        + ca * (a[last] + b[last])
        + ce * (e[last] + f[last])
    )


@numba.njit(cache=True)
def _neighbours(i, n, periodic):
    """Indices of the cells below and above i on an axis of n cells (mirror at a wall)."""
    below = i - 1 if i > 0 else (n - 1 if periodic else 0)
    above = i + 1 if i < n - 1 else (0 if periodic else n - 1)
    return below, above


@numba.njit(cache=True)
def _rows(p, out, lo, hi, c, periodic):
    """One explicit step (module docstring) on lines lo ≤ r < hi of the 3-D state p."""
    n0, n1 = p.shape[0], p.shape[1]
    w = max(1.0 - 2.0 * (c[0] + c[1] + c[2]), 0.0)
    for r in range(lo, hi):
        i, j = r // n1, r % n1
        jb, ja = _neighbours(j, n1, periodic[1])
        if c[0] == 0.0 and c[1] == 0.0:
            _line1(out[i, j], p[i, j], w, c[2], periodic[2])
        elif c[0] == 0.0:
            _line2(out[i, j], p[i, j], p[i, jb], p[i, ja], w, c[2], c[1], periodic[2])
        else:
            ib, ia = _neighbours(i, n0, periodic[0])
            _line3(
                out[i, j], p[i, j], p[i, jb], p[i, ja], p[ib, j], p[ia, j], w, c[2], c[1], c[0],
                periodic[2],
            )  # fmt: skip


@numba.njit(cache=True)
def _mass_min(p, lo, hi):
    """(Σ p, min p) over lines lo ≤ r < hi of the 3-D state p."""
    n1 = p.shape[1]
    total, low = 0.0, np.inf
    for r in range(lo, hi):
        line = p[r // n1, r % n1]
        for v in line:
            total += v
            low = min(low, v)
    return total, low


@numba.njit(cache=True)
def _record(total, low, stats):
    stats[DRIFT] = max(stats[DRIFT], abs(total - stats[MASS0]) / stats[MASS0])
    stats[LOW] = min(stats[LOW], low)
    stats[CHECKS] += 1


@numba.njit(cache=True)
def _due(s, steps, check_every, save_step, saved_count):
    """Whether step s ends at a save (then the next save index) or at a mass check."""
    saving = saved_count < save_step.size and save_step[saved_count] == s
    return saving, saving or (s + 1) % check_every == 0 or s == steps - 1


@numba.njit(cache=True)
def march_serial(p, q, coef, periodic, save_step, saved, check_every, stats):
    """Steps s = 0 … len(coef) − 1 with coefficients coef[s] = (c0, c1, c2) from p, ping-pong
    with q (both modified); saved[j + 1] = state after step save_step[j]."""
    lines = p.shape[0] * p.shape[1]
    stats[MASS0], stats[LOW] = _mass_min(p, 0, lines)
    steps, count = coef.shape[0], 0
    for s in range(steps):
        src, dst = (p, q) if s % 2 == 0 else (q, p)
        _rows(src, dst, 0, lines, coef[s], periodic)
        saving, checking = _due(s, steps, check_every, save_step, count)
        if checking:
            total, low = _mass_min(dst, 0, lines)
            _record(total, low, stats)
        if saving:
            count += 1
            saved[count] = dst


@numba.njit(cache=True, parallel=True)
def march_parallel(p, q, coef, periodic, save_step, saved, check_every, stats):
    """:func:`march_serial` with each step (and each check) split into ``CHUNKS`` chunks of
    lines run in parallel."""
    lines = p.shape[0] * p.shape[1]
    chunks = min(CHUNKS, lines)
    totals, lows = np.zeros(chunks), np.zeros(chunks)
    for k in prange(chunks):
        totals[k], lows[k] = _mass_min(p, k * lines // chunks, (k + 1) * lines // chunks)
    stats[MASS0], stats[LOW] = totals.sum(), lows.min()
    steps, count = coef.shape[0], 0
    for s in range(steps):
        src, dst = (p, q) if s % 2 == 0 else (q, p)
        cs = coef[s]
        for k in prange(chunks):
            _rows(src, dst, k * lines // chunks, (k + 1) * lines // chunks, cs, periodic)
        saving, checking = _due(s, steps, check_every, save_step, count)
        if checking:
            for k in prange(chunks):
                totals[k], lows[k] = _mass_min(dst, k * lines // chunks, (k + 1) * lines // chunks)
            _record(totals.sum(), lows.min(), stats)
        if saving:
            count += 1
            saved[count] = dst
