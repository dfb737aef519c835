"""Compiled Chang–Cooper (Scharfetter–Gummel) kernels for drift–diffusion, FOKKER-PLANCK.md §1.

On face j between cells j−1 and j, with face drift u and diffusion D,

    J_j = α_j p_{j−1} − β_j p_j,  α = (D/h) B(−Pe),  β = (D/h) B(Pe),  Pe = u h / D,

B(z) = z / (eᶻ − 1) the Bernoulli function (one ``expm1`` per face: B(−z) = B(z) + z); with
D = 0 the rates are the upwind ones α = u⁺, β = u⁻. A closed wall has α = β = 0, an outflow
wall keeps only its outgoing rate, a periodic axis wraps face n onto face 0. Cell j obeys
dp_j/dt = (J_j − J_{j+1}) / h, a Metzler generator with zero column sums.

- :func:`bernoulli`, :func:`face_rates`, :func:`wall_rates` — B(z) and (α, β) of any face;
- :func:`cc_fluxes`, :func:`cc_fluxes_parallel` — J at every face of one axis (explicit stages);
- :func:`line_rates` — (α, β) of every face of one line;
- :func:`solve_rates` — (I − r Â) x = q on one line for any face rates α, β ≥ 0, by Gaussian
  elimination without pivoting of the tridiagonal matrix bordered by its periodic corners
  (Thomas when the corners are 0); :func:`solve_line` — the same with the CC rates of a line
  of face velocities (also the stages of MPRK22, ``_kernels_mprk``).
  The matrix is an M-matrix with column sums 1 (also with the periodic wrap); elimination
  keeps every multiplier ≤ 0, every off-diagonal ≤ 0 and every pivot > 0, so the right-hand
  side and the back substitution only ever add non-negative terms: x ≥ 0 exactly in floating
  point, with no flushing. (Sherman–Morrison on Thomas subtracts two solutions and can leave
  negative round-off; it is not used.)
- :func:`implicit_sweep`, :func:`implicit_sweep_parallel` — every line of one axis, serial
  (no thread start-up: small grids) or ``prange`` over lines (large grids);
- :func:`cell_measures` — cell volume and face areas; :func:`end_step` — the mass, minimum,
  Courant and saving bookkeeping after a step of every compiled Fokker–Planck loop;
- :func:`copy_state` — a state copied without a slice assignment (saved densities);
- :func:`max_generator_rate` — max_i |A_ii| (the explicit step bound Δt ≤ 1/max|A_ii|).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange

from pdecheck._jit.options import HELPER, KERNEL


@numba.njit(cache=True, **KERNEL)
def bernoulli(z):
    """B(z) = z / (eᶻ − 1) for z ≥ 0 (one ``expm1``): series below 1e-4, where z/expm1(z)
    would lose digits; for large z, expm1 overflows to inf and B underflows to 0, as it should."""
    if z < 1e-4:
        return 1.0 - 0.5 * z + z * z / 12.0
    return z / math.expm1(z)


@numba.njit(cache=True, **HELPER)
def face_rates(u, diffusion, h):
    """(α, β) with J = α p_L − β p_R (see the module docstring); both > 0 when D > 0."""
    if diffusion <= 0.0:
        return max(u, 0.0), max(-u, 0.0)
    pe = u * h / diffusion
    scale = diffusion / h
    small = bernoulli(abs(pe))  # B(|Pe|) ≤ 1; B(−|Pe|) = B(|Pe|) + |Pe|
    if pe >= 0.0:
        return scale * (small + pe), scale * small
    return scale * small, scale * (small - pe)


@numba.njit(cache=True, **KERNEL)
def wall_rates(u, j, n, diffusion, h, periodic, outflow):
    """(α, β) of face j of a line of n cells: interior faces by :func:`face_rates`; a wall face
    (j = 0 or n, not periodic) passes only outgoing drift (``outflow``) or nothing."""
    if periodic or 0 < j < n:
        return face_rates(u, diffusion, h)
    if not outflow:
        return 0.0, 0.0
    if j == 0:
        return 0.0, max(-u, 0.0)
    return max(u, 0.0), 0.0


@numba.njit(cache=True, **HELPER)
def _line_fluxes(q, u, flux, diffusion, h, periodic, outflow_walls, o, i):
    n = q.shape[1]
    for j in range(n + 1):
        alpha, beta = wall_rates(u[o, j, i], j, n, diffusion, h, periodic, outflow_walls)
        left = j - 1 if j > 0 else n - 1
        right = j if j < n else 0
        flux[o, j, i] = alpha * q[o, left, i] - beta * q[o, right, i]


@numba.njit(cache=True, **KERNEL)
def cc_fluxes(q, u, flux, diffusion, h, periodic, outflow_walls):
    """flux[o, j, i] = J through face j of every line (serially); periodic face n is face 0."""
    outer, inner = q.shape[0], q.shape[2]
    for line in range(outer * inner):
        o = line // inner
        _line_fluxes(q, u, flux, diffusion, h, periodic, outflow_walls, o, line - o * inner)


@numba.njit(cache=True, parallel=True)
def cc_fluxes_parallel(q, u, flux, diffusion, h, periodic, outflow_walls):
    """:func:`cc_fluxes` with ``prange`` over lines."""
    outer, inner = q.shape[0], q.shape[2]
    for line in prange(outer * inner):
        o = line // inner
        _line_fluxes(q, u, flux, diffusion, h, periodic, outflow_walls, o, line - o * inner)


@numba.njit(cache=True, **HELPER)
def line_rates(u, o, i, diffusion, h, periodic, outflow, alpha, beta):
    """α_j, β_j of every face j = 0..n of line (o, ·, i) of ``u`` (O, n+1, I) by
    :func:`wall_rates`: periodic face n repeats face 0, closed walls get 0."""
    n = u.shape[1] - 1
    for j in range(n + 1):
        alpha[j], beta[j] = wall_rates(u[o, j, i], j, n, diffusion, h, periodic, outflow)


@numba.njit(cache=True, **HELPER)
def solve_rates(alpha, beta, r, q, o, i, work, out):
    """Solve (I − r Â) x = q on line (o, ·, i) into ``out`` (which may be ``q``: q is read in
    the forward pass, out written in the backward one); returns max_j (β_j + α_{j+1}).

    (Â x)_j = α_j x_{j−1} − (β_j + α_{j+1}) x_j + β_{j+1} x_{j+1} for face rates α, β ≥ 0
    (n + 1 faces), indices mod n: row j is a_j x_{j−1} + b_j x_j + c_j x_{j+1} with
    a_j = −r α_j, b_j = 1 + r(β_j + α_{j+1}), c_j = −r β_{j+1}; the corners a_0 = −r α_0 and
    c_{n−1} = −r β_n vanish at walls (α_0 = β_n = 0 there). ``work`` (≥ 4, ≥ n) holds the
    eliminated rows: pivot d, coefficient s on x_{j+1}, e on x_{n−1}, right-hand side y.
    """
    n = q.shape[1]
    d, s, e, y = work[0], work[1], work[2], work[3]
    rate = 0.0
    # the last row, kept apart: coefficient a_last on x_{n−2} and the corner on x_0 come later
    for j in range(n - 1):
        a = -r * alpha[j]
        b = 1.0 + r * (beta[j] + alpha[j + 1])
        c = -r * beta[j + 1]
        rate = max(rate, beta[j] + alpha[j + 1])
        if j == 0:
            d[0], s[0], e[0], y[0] = b, c, a, q[o, 0, i]
        else:
            m = a / d[j - 1]  # ≤ 0
            d[j] = b - m * s[j - 1]
            s[j] = c
            e[j] = -m * e[j - 1]
            y[j] = q[o, j, i] - m * y[j - 1]
        if j == n - 2:  # x_{j+1} is the last unknown: merge its coefficient into e
            e[j] += s[j]
            s[j] = 0.0
    # last row: a = −r α_{n−1} on x_{n−2}, diagonal 1 + r(β_{n−1} + α_n), corner −r β_n on x_0
    a_last = -r * alpha[n - 1]
    g = 1.0 + r * (beta[n - 1] + alpha[n])
    rate = max(rate, beta[n - 1] + alpha[n])
    f = -r * beta[n] + (a_last if n == 2 else 0.0)
    y_last = q[o, n - 1, i]
    for k in range(n - 1):
        mu = f / d[k]  # ≤ 0
        g -= mu * e[k]
        y_last -= mu * y[k]
        f = -mu * s[k] + (a_last if k + 1 == n - 2 else 0.0)
    x_last = y_last / g
    out[o, n - 1, i] = x_last
    nxt = x_last
    for j in range(n - 2, -1, -1):
        nxt = (y[j] - e[j] * x_last - s[j] * nxt) / d[j]
        out[o, j, i] = nxt
    return rate


@numba.njit(cache=True, **HELPER)
def solve_line(q, u, diffusion, h, dt, periodic, outflow, o, i, work, out):
    """Solve (I − Δt A) x = q on line (o, ·, i) into ``out`` (may be ``q``) with the rates of
    the face velocities ``u`` (:func:`line_rates`, :func:`solve_rates`, Δt/h = r); returns the
    outflow (Δt β_0 x_0, Δt α_n x_{n−1}) through the two walls and the line's max |A_jj|.
    ``work`` is (6, n + 1): rows 4 and 5 hold α and β."""
    n = q.shape[1]
    alpha, beta = work[4], work[5]
    line_rates(u, o, i, diffusion, h, periodic, outflow, alpha, beta)
    rate = solve_rates(alpha, beta, dt / h, q, o, i, work, out) / h
    if periodic:
        return 0.0, 0.0, rate
    return dt * beta[0] * out[o, 0, i], dt * alpha[n] * out[o, n - 1, i], rate


@numba.njit(cache=True, **KERNEL)
def implicit_sweep(q, u, diffusion, h, dt, periodic, outflow, out):
    """(I − Δt A_k) x = q on every line (O, n, I) of one axis, serially (``out`` may be ``q``);
    returns the outflow (low, high) summed over lines (per unit face area) and max_j |A_k,jj|."""
    outer, n, inner = q.shape
    work = np.empty((6, n + 1))
    low = 0.0
    high = 0.0
    rate = 0.0
    for line in range(outer * inner):
        o = line // inner
        lo, hi, r = solve_line(
            q, u, diffusion, h, dt, periodic, outflow, o, line - o * inner, work, out
        )
        low += lo
        high += hi
        rate = max(rate, r)
    return low, high, rate


@numba.njit(cache=True, parallel=True)
def implicit_sweep_parallel(q, u, diffusion, h, dt, periodic, outflow, out):
    """:func:`implicit_sweep` with ``prange`` over lines (worth it above ~1e5 cells)."""
    outer, n, inner = q.shape
    lines = outer * inner
    low = np.zeros(lines)
    high = np.zeros(lines)
    rate = np.zeros(lines)
    for line in prange(lines):
        o = line // inner
        work = np.empty((6, n + 1))
        low[line], high[line], rate[line] = solve_line(
            q, u, diffusion, h, dt, periodic, outflow, o, line - o * inner, work, out
        )
    return low.sum(), high.sum(), rate.max()


@numba.njit(cache=True, **KERNEL)
def max_generator_rate(u0, u1, u2, diffusion, rh, dim, periodic, outflow):
    """max_i |A_ii| = max_i Σ_k (β_{k,i−½} + α_{k,i+½}) / h_k, walls by :func:`wall_rates`;
    ``periodic`` and ``outflow`` are per-axis boolean arrays."""
    n0, n1, n2 = u1.shape[0], u0.shape[1], u0.shape[2]
    shape = (n0, n1, n2)
    best = 0.0
    for i0 in range(n0):
        for i1 in range(n1):
            for i2 in range(n2):
                total = 0.0
                for k in range(dim):
                    if k == 0:
                        j, lo, hi = i0, u0[i0, i1, i2], u0[i0 + 1, i1, i2]
                    elif k == 1:
                        j, lo, hi = i1, u1[i0, i1, i2], u1[i0, i1 + 1, i2]
                    else:
                        j, lo, hi = i2, u2[i0, i1, i2], u2[i0, i1, i2 + 1]
                    h = 1.0 / rh[k]
                    n = shape[k]
                    _, beta = wall_rates(lo, j, n, diffusion, h, periodic[k], outflow[k])
                    alpha, _ = wall_rates(hi, j + 1, n, diffusion, h, periodic[k], outflow[k])
                    total += (beta + alpha) * rh[k]
                best = max(best, total)
    return best


@numba.njit(cache=True, **HELPER)
def cell_measures(h):
    """(cell volume Π_k h_k, face areas volume / h_k per axis) of a uniform grid."""
    dim = len(h)
    volume = 1.0
    for k in range(dim):
        volume *= h[k]
    area = np.empty(dim)
    for k in range(dim):
        area[k] = volume / h[k]
    return volume, area


@numba.njit(cache=True, **HELPER)
def end_step(p, volume, outflow, initial, courant, n, stats, save_steps, saved, saved_count):
    """Bookkeeping after step n of a Fokker–Planck loop: stats[0] max relative drift of mass
    inside + outflow, stats[1] min p, stats[2] max Courant number, stats[4] steps done; the
    state is copied to ``saved[saved_count + 1]`` when step n ends on a save time. Returns the
    new count of saved states."""
    total = p.sum() * volume + outflow.sum()
    stats[0] = max(stats[0], abs(total - initial) / initial)
    stats[1] = min(stats[1], p.min())
    stats[2] = max(stats[2], courant)
    stats[4] = n
    if saved_count < save_steps.size and save_steps[saved_count] == n:
        copy_state(p, saved[saved_count + 1])
        saved_count += 1
    return saved_count


@numba.njit(cache=True, **HELPER)
def copy_state(src, dst):
    """dst ← src element by element (C-contiguous arrays of one size): a slice assignment
    would compile NumPy's broadcasting checks and their message formatting into the loop."""
    a = src.reshape(src.size)
    b = dst.reshape(dst.size)
    for j in range(a.size):
        b[j] = a[j]


@numba.njit(cache=True, **KERNEL)
def _load_axis(kernel, params, t, points, k, sign, u, low_code, high_code):
    """Face velocities of axis k (a (O, n+1, I) view) at time t, walls as in ``FaceField``:
    periodic face n copies face 0, zero-flux walls carry 0. Returns the non-finite count and
    max |u|."""
    n_points, d = points.shape
    outer, faces, inner = u.shape
    value = np.empty(max(d, 1))
    x = np.empty(max(d, 1))
    x_ptr, value_ptr, params_ptr = x.ctypes, value.ctypes, params.ctypes
    bad = 0
    umax = 0.0
    for m in range(n_points):
        for j in range(d):
            x[j] = points[m, j]
        kernel(t, x_ptr, d, params_ptr, value_ptr)
        v = sign * value[k]
        if not np.isfinite(v):
            bad += 1
        o = m // (faces * inner)
        rest = m - o * faces * inner
        u[o, rest // inner, rest - (rest // inner) * inner] = v
    for o in range(outer):
        for i in range(inner):
            if low_code == 2:
                u[o, faces - 1, i] = u[o, 0, i]
            else:
                if low_code == 0:
                    u[o, 0, i] = 0.0
                if high_code == 0:
                    u[o, faces - 1, i] = 0.0
            for j in range(faces):
                umax = max(umax, abs(u[o, j, i]))
    return bad, umax


@numba.njit(cache=True, **KERNEL)
def implicit_run(
    kernel,
    params,
    points,
    velocity,
    codes,
    sign,
    h,
    times,
    diffusion,
    save_steps,
    p,
    saved,
    outflow,
    stats,
    initial,
):
    """The whole implicit-Euler Chang–Cooper time loop for a compiled drift (one call), with
    serial line sweeps (grids of at most ``PARALLEL_CELLS`` cells; larger grids step from
    Python through :func:`implicit_sweep_parallel`, whose compile this loop does not pay).

    Step n ends at ``times[n]`` (times[0] is the start): load the drift at t_{n+1} on the faces
    of each axis, solve (I − Δt A_k) in place, axis order alternating between steps (Lie
    splitting as in ``DriftDiffusion.implicit_euler``); after step ``save_steps[s]`` the state is
    copied to ``saved[s + 1]``. ``points``, ``velocity`` are tuples over the d axes (velocity
    as (O, n_k + 1, I) views), ``codes`` the (d, 2) wall codes, ``outflow`` (d, 2) accumulates,
    ``h`` the cell widths. ``stats`` receives [max mass drift, min p, max Δt·Σ_k max|A_k|,
    max Péclet, steps done]; ``initial[0]`` is the mass (inside + out) the drift is measured
    against (set from the state when negative: a run resumed in chunks keeps it). Returns −1,
    or the step at which the drift was non-finite.
    """
    dim = len(h)
    volume, area = cell_measures(h)
    if initial[0] < 0.0:
        initial[0] = p.sum() * volume
    saved_count = 0
    for n in range(1, times.size):
        t = times[n]
        dt = abs(t - times[n - 1])
        courant = 0.0
        for s in range(dim):
            k = s if n % 2 == 1 else dim - 1 - s
            low_code, high_code = codes[k, 0], codes[k, 1]
            bad, umax = _load_axis(
                kernel, params, t, points[k], k, sign, velocity[k], low_code, high_code
            )
            if bad:
                return n
            if diffusion[n] > 0.0:
                stats[3] = max(stats[3], umax * h[k] / diffusion[n])
            q = p.reshape(velocity[k].shape[0], velocity[k].shape[1] - 1, velocity[k].shape[2])
            periodic = low_code == 2
            wall_out = low_code == 1 or high_code == 1
            lo, hi, rate = implicit_sweep(
                q, velocity[k], diffusion[n], h[k], dt, periodic, wall_out, q
            )
            outflow[k, 0] += area[k] * lo
            outflow[k, 1] += area[k] * hi
            courant += dt * rate
        saved_count = end_step(
            p, volume, outflow, initial[0], courant, n, stats, save_steps, saved, saved_count
        )
    return -1
