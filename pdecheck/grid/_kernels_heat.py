"""The whole explicit heat time loop in one compiled call (CATALOGUE H1, M1; issue 4 item 8).

Forward Euler on the finite-volume Laplacian, ∂_t p = D_t Δp, written as the convex
combination

    p'_i = w p_i + Σ_k c_k (p_{i−e_k} + p_{i+e_k}),   c_k = D_t Δt / h_k²,  w = 1 − 2 Σ_k c_k,

with a zero-flux wall as the mirror neighbour (p_{−1} = p_0: the wall face carries no flux) and
a periodic axis wrapping round. When Σ_k 2c_k ≤ 1 every term is a product of non-negative
numbers, so p' ≥ 0 holds exactly in floating point (no negative round-off), and each p_i is
spread to its neighbours with weights summing to one, so mass changes by round-off only.

The state is seen as (n0, n1, n2) with leading axes of length 1 when d < 3 and c = 0 there, so
one loop serves every dimension. :func:`_run` updates consecutive lines along the last
(contiguous) axis as one flat run of cells, with a zero coefficient adding an exact zero: the
inner lines of a plane in one run, its first and last line (whose neighbours wrap round or
are mirrored) in a run each. No loop has wrap-round indexing (each line's end cells are redone
apart), so LLVM vectorises it; the FMA contraction it allows keeps every term ≥ 0, so
positivity stays exact.

- :func:`_lines` — lines of one plane, written into any plane of any array;
- :func:`_rows` — one step on the lines lo ≤ r < hi (r = i0 n1 + i1);
- :func:`_two_steps` — two steps on a range of planes in one pass (large grids);
- :func:`_mass_min` — Σ p and min p over lines lo ≤ r < hi;
- :func:`march_serial` — every step, ping-pong buffers, serial (small grids: a parallel region
  costs more than a step);
- :func:`march_parallel` — the same loop with each step's lines split into ``CHUNKS`` chunks
  run by ``prange`` (large grids), two steps per pass where no check falls between.

Both loops copy the state into ``saved[j]`` after step ``save_step[j]`` and check the mass and
the minimum every ``check_every`` steps and at every save (``stats``: see the indices below).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from pdecheck._jit.options import HELPER, KERNEL
from pdecheck._jit.views import flat

#: the lines of a step are split into this many chunks in :func:`march_parallel` (a constant,
#: so the kernel caches and the mass sums do not depend on the thread count)
CHUNKS = 64
#: chunks of planes for two steps per pass (:func:`_two_steps`): each chunk recomputes the
#: first step on its two end planes, so few large chunks (2/16 extra work at 128 planes)
PAIR_CHUNKS = 8
#: stats vector: initial Σp, largest |Σp − Σp₀| / Σp₀ seen, smallest p seen, checks made
MASS0, DRIFT, LOW, CHECKS = range(4)
STATS = 4


@numba.njit(cache=True, inline="always")
def _neighbours(i, n, periodic):
    """Indices of the cells below and above i on an axis of n cells (mirror at a wall)."""
    below = i - 1 if i > 0 else (n - 1 if periodic else 0)
    above = i + 1 if i < n - 1 else (0 if periodic else n - 1)
    return below, above


@numba.njit(cache=True, fastmath={"contract"}, **HELPER)
def _run(out, o, p, a, down, up, below, above, n2, size, w, c, c0, c1, periodic):
    """out[o + m] = w p[a + m] + c (p[a + m − 1] + p[a + m + 1]) + c1 (p[down + m]
    + p[up + m]) + c0 (p[below + m] + p[above + m]) for m < size, on flat arrays: the
    7-point update of size / n2 consecutive lines in one vectorised loop (down, up: where
    the lines before and after the first one start; below, above: the same line in the
    planes either side); then each line's two end cells, which read a neighbouring line
    there, again with the wrap-round (``periodic``) or mirror neighbour. The loop drops the
    terms of c0 = 0, then of c1 = 0 (3-, 5- or 7-point; :func:`_lines` puts a plane pair in
    the c1 place when the line pair's coefficient is 0); the end cells add them as exact
    zeros."""
    # cells 1 … size − 2 of the run (cell 0 of the first plane has no cell before it), by
    # views from 0: no negative-index wrap-round test in the loop (it would not vectorise)
    inner = size - 2
    centre, left, right = p[a + 1 : a + 1 + inner], p[a : a + inner], p[a + 2 : a + 2 + inner]
    south, north = p[down + 1 : down + 1 + inner], p[up + 1 : up + 1 + inner]
    lower, upper = p[below + 1 : below + 1 + inner], p[above + 1 : above + 1 + inner]
    dst = out[o + 1 : o + 1 + inner]
    # one loop per number of neighbours (a 3-point line loads 3 values per cell, not 7)
    if c0 != 0.0:
        for m in range(inner):
            dst[m] = (
                w * centre[m]
                + c * (left[m] + right[m])
                + c1 * (south[m] + north[m])
                + c0 * (lower[m] + upper[m])
            )
    elif c1 != 0.0:
        for m in range(inner):
            dst[m] = w * centre[m] + c * (left[m] + right[m]) + c1 * (south[m] + north[m])
    else:
        for m in range(inner):
            dst[m] = w * centre[m] + c * (left[m] + right[m])
    last = n2 - 1
    for start in range(0, size, n2):
        for end in range(2):
            m = start + end * last
            west = p[a + m - 1] if m > start else p[a + start + (last if periodic else 0)]
            east = p[a + m + 1] if m < start + last else p[a + start + (0 if periodic else last)]
            out[o + m] = (
                w * p[a + m]
                + c * (west + east)
                + c1 * (p[down + m] + p[up + m])
                + c0 * (p[below + m] + p[above + m])
            )


@numba.njit(cache=True, **HELPER)
def _lines(out, o, p, i, ib, ia, lo, hi, w, c, periodic):
    """Lines lo ≤ j < hi of plane i of p, updated into plane o of out; ib, ia: the planes
    below and above i.

    The lines 0 < j < n1 − 1, whose neighbours in the plane are the lines next to them, go
    through one :func:`_run` (a call and a loop set-up per line cost as much as a 128-cell
    line itself); the lines 0 and n1 − 1, whose neighbours wrap round or are mirrored, one
    :func:`_run` each."""
    n1, n2 = p.shape[1], p.shape[2]
    plane = n1 * n2
    source, target = flat(p), flat(out)
    first, stop = max(lo, 1), min(hi, n1 - 1)
    for j in range(lo, hi):
        if first <= j < stop:  # the inner lines: one run from line ``first``
            if j > first:
                continue
            size, jb, ja = (stop - first) * n2, j - 1, j + 1
        else:
            size, (jb, ja) = n2, _neighbours(j, n1, periodic[1])
        down, up = i * plane + jb * n2, i * plane + ja * n2
        below, above = ib * plane + j * n2, ia * plane + j * n2
        c_lines, c_planes = c[1], c[0]
        if c_lines == 0.0:  # the planes' neighbours take the lines' place (a 5-point loop)
            down, up, below, above, c_lines, c_planes = below, above, down, up, c_planes, 0.0
        _run(target, o * plane + j * n2, source, i * plane + j * n2, down, up, below, above, n2,
             size, w, c[2], c_planes, c_lines, periodic[2])  # fmt: skip


@numba.njit(cache=True, inline="always")
def _weight(c):
    """The centre weight 1 − 2 Σ_k c_k (0 when round-off puts a step at the limit below it)."""
    return max(1.0 - 2.0 * (c[0] + c[1] + c[2]), 0.0)


@numba.njit(cache=True, **HELPER)
def _rows(p, out, lo, hi, c, periodic, check):
    """One explicit step (module docstring) on lines lo ≤ r < hi (r = i n1 + j) of the 3-D
    state p into out; returns (Σ out, min out) over those lines when ``check``, else
    (0, inf)."""
    n0, n1 = p.shape[0], p.shape[1]
    w = _weight(c)
    for i in range(lo // n1, (hi + n1 - 1) // n1):
        ib, ia = _neighbours(i, n0, periodic[0])
        _lines(out, i, p, i, ib, ia, max(lo - i * n1, 0), min(hi - i * n1, n1), w, c, periodic)
    return _mass_min(out, lo, hi) if check else (0.0, np.inf)


@numba.njit(cache=True, **HELPER)
def _two_steps(p, out, ring, lo, hi, ca, cb, periodic, check):
    """Two explicit steps (coefficients ca, then cb) on planes lo ≤ i < hi of p into out,
    through ``ring`` (3 planes): the first step's planes ib(lo), lo, …, hi − 1, ia(hi − 1) go
    round the ring, and plane i of the second step is made as soon as its three are there,
    so p is read and out written once for two steps (the two end planes are recomputed by
    the neighbouring chunk: same arithmetic, same values). Returns what :func:`_rows` does."""
    n0, n1 = p.shape[0], p.shape[1]
    wa, wb = _weight(ca), _weight(cb)
    length = hi - lo + 2
    for t in range(length):
        g = lo + t - 1
        if t == 0:
            g = _neighbours(lo, n0, periodic[0])[0]
        elif t == length - 1:
            g = _neighbours(hi - 1, n0, periodic[0])[1]
        gb, ga = _neighbours(g, n0, periodic[0])
        _lines(ring, t % 3, p, g, gb, ga, 0, n1, wa, ca, periodic)
        if t >= 2:
            i = lo + t - 2
            _lines(out, i, ring, (t - 1) % 3, (t - 2) % 3, t % 3, 0, n1, wb, cb, periodic)
    return _mass_min(out, lo * n1, hi * n1) if check else (0.0, np.inf)


@numba.njit(cache=True, **HELPER)
def _mass_min(p, lo, hi):
    """(Σ p, min p) over lines lo ≤ r < hi of the 3-D state p, in four interleaved partial
    sums and minima (independent chains, so the check costs about one pass of loads)."""
    n1, n2 = p.shape[1], p.shape[2]
    s0 = s1 = s2 = s3 = 0.0
    m0 = m1 = m2 = m3 = np.inf
    for i in range(lo // n1, (hi + n1 - 1) // n1):
        for j in range(max(lo - i * n1, 0), min(hi - i * n1, n1)):
            for k in range(0, n2 - 3, 4):
                v0, v1, v2, v3 = p[i, j, k], p[i, j, k + 1], p[i, j, k + 2], p[i, j, k + 3]
                s0, s1, s2, s3 = s0 + v0, s1 + v1, s2 + v2, s3 + v3
                m0, m1, m2, m3 = min(m0, v0), min(m1, v1), min(m2, v2), min(m3, v3)
            for k in range(n2 - n2 % 4, n2):
                s0 += p[i, j, k]
                m0 = min(m0, p[i, j, k])
    return (s0 + s1) + (s2 + s3), min(min(m0, m1), min(m2, m3))


@numba.njit(cache=True, inline="always")
def _store(saved, index, p):
    """saved[index] = p, as plain loops (a slice assignment takes seconds to compile)."""
    n0, n1, n2 = p.shape
    for i in range(n0):
        for j in range(n1):
            for k in range(n2):
                saved[index, i, j, k] = p[i, j, k]


@numba.njit(cache=True, inline="always")
def _record(total, low, stats):
    """Fold one check (Σ p, min p) into ``stats``."""
    stats[DRIFT] = max(stats[DRIFT], abs(total - stats[MASS0]) / stats[MASS0])
    stats[LOW] = min(stats[LOW], low)
    stats[CHECKS] += 1


@numba.njit(cache=True, **HELPER)
def _record_chunks(totals, lows, stats):
    """:func:`_record` of the chunks' sums and minima, which are then reset (serial code: in
    the parallel kernel an array reduction would become one more parallel loop to compile)."""
    _record(totals.sum(), lows.min(), stats)
    totals[:] = 0.0
    lows[:] = np.inf


@numba.njit(cache=True, **HELPER)
def _scratch(n1, n2, pairs):
    """Per-chunk sums and minima, and the rings of :func:`_two_steps` (serial allocation)."""
    rings = np.empty((PAIR_CHUNKS if pairs else 0, 3, n1, n2))
    return np.zeros(CHUNKS), np.full(CHUNKS, np.inf), rings


@numba.njit(cache=True, inline="always")
def _due(s, steps, check_every, save_step, saved_count):
    """(saving, checking): whether step s ends at the next saved time, and whether it ends at
    a check of the mass and minimum (at every save, every ``check_every`` steps, the last)."""
    saving = saved_count < save_step.size and save_step[saved_count] == s
    return saving, saving or (s + 1) % check_every == 0 or s == steps - 1


@numba.njit(cache=True, **KERNEL)
def march_serial(p, q, coef, periodic, save_step, saved, check_every, stats):
    """Steps s = 0 … len(coef) − 1 with coefficients coef[s] = (c0, c1, c2) from p, ping-pong
    with q (both modified); saved[j + 1] = state after step save_step[j]."""
    lines = p.shape[0] * p.shape[1]
    stats[MASS0], stats[LOW] = _mass_min(p, 0, lines)
    steps, count = coef.shape[0], 0
    for s in range(steps):
        src, dst = (p, q) if s % 2 == 0 else (q, p)
        saving, checking = _due(s, steps, check_every, save_step, count)
        total, low = _rows(src, dst, 0, lines, coef[s], periodic, checking)
        if checking:
            _record(total, low, stats)
        if saving:
            count += 1
            _store(saved, count, dst)


@numba.njit(cache=True, parallel=True)
def march_parallel(p, q, coef, periodic, save_step, saved, check_every, stats):
    """:func:`march_serial` with each step (and its check) split into ``CHUNKS`` chunks of
    lines run in parallel. With at least ``4 PAIR_CHUNKS`` planes (3-D, or 2-D seen as
    (n0, 1, n1)), two steps with no save or check between them run as one
    :func:`_two_steps` pass per chunk of planes (the state is read and written once for
    both: half the memory traffic, half the parallel regions)."""
    n0, n1, n2 = p.shape
    lines = n0 * n1
    chunks = min(CHUNKS, lines)
    pairs = n0 >= 4 * PAIR_CHUNKS
    totals, lows, rings = _scratch(n1, n2, pairs)
    stats[MASS0], stats[LOW] = _mass_min(p, 0, lines)
    steps, count, s, current = coef.shape[0], 0, 0, True
    while s < steps:
        src, dst = (p, q) if current else (q, p)
        saving, checking = _due(s, steps, check_every, save_step, count)
        pair = pairs and s + 1 < steps and not checking
        if pair:
            s += 1
            saving, checking = _due(s, steps, check_every, save_step, count)
        parts = PAIR_CHUNKS if pair else chunks
        ca, cb = coef[s - 1] if pair else coef[s], coef[s]
        for k in prange(parts):
            if pair:
                totals[k], lows[k] = _two_steps(
                    src, dst, rings[k], k * n0 // parts, (k + 1) * n0 // parts, ca, cb,
                    periodic, checking,
                )  # fmt: skip
            else:
                totals[k], lows[k] = _rows(
                    src, dst, k * lines // parts, (k + 1) * lines // parts, cb, periodic,
                    checking,
                )  # fmt: skip
        if checking:
            _record_chunks(totals, lows, stats)
        if saving:
            count += 1
            _store(saved, count, dst)
        current = not current
        s += 1
