"""Compiled MPRK22 (Kopecz & Meister 2018, α = 1) for the Chang–Cooper generator in 1-D.

For dp/dt = A(t) p with A Metzler and zero column sums (``_kernels_implicit``: face rates α, β,
dp_j/dt = (J_j − J_{j+1})/h, J_j = α_j p_{j−1} − β_j p_j), write the productions
P_ij = a_ij p_j (i ≠ j) and destructions D_ij = P_ji. MPRK22(α = 1) with σ = p⁽¹⁾ is

    p⁽¹⁾ = (I − Δt A(t_n))⁻¹ pⁿ                                  (implicit Euler stage)
    pⁿ⁺¹ = pⁿ + Δt Σ_j [½ P_ij(pⁿ, t_n) + ½ P_ij(p⁽¹⁾, t_{n+1})] pⁿ⁺¹_j / p⁽¹⁾_j − (same for D),

and with P linear in p the second stage is the linear system (I − Δt B) pⁿ⁺¹ = pⁿ with

    B = ½ A(t_n) diag(ρ) + ½ A(t_{n+1}),   ρ_j = pⁿ_j / p⁽¹⁾_j   (the Patankar factors):

column j of A(t_n) scaled by ρ_j ≥ 0, so B is again Metzler with zero column sums and both
stages are M-matrix solves with column sums 1 — positive and conservative for every Δt — and
the scheme is second order (the Heun weights ½, ½). For constant A the factor on a_ij is
(pⁿ_j + p⁽¹⁾_j) / (2 p⁽¹⁾_j). In face-rate form B is the same tridiagonal generator with

    α̃_j = ½ (αⁿ_j ρ_{j−1} + αⁿ⁺¹_j),   β̃_j = ½ (βⁿ_j ρ_j + βⁿ⁺¹_j)   (cells mod n),

so both stages are ``solve_rates`` calls (cyclic on periodic lines, subtraction-free).

The Patankar factor where p⁽¹⁾_j = 0: row j of the first stage reads
(1 + Δt |a_jj|) p⁽¹⁾_j = pⁿ_j + Δt Σ_{k≠j} a_jk p⁽¹⁾_k with every term ≥ 0, hence
0 ≤ ρ_j ≤ 1 + Δt |a_jj| (ρ is clamped to that bound against round-off), and p⁽¹⁾_j = 0 forces
pⁿ_j = 0: then the productions a_ij pⁿ_j that ρ_j multiplies vanish, and ρ_j = 0 is the limit
pⁿ_j → 0 at fixed p⁽¹⁾. If p⁽¹⁾_j underflows to 0 while pⁿ_j > 0 (a subnormal pⁿ_j, which
exact arithmetic excludes), the inflow Σ a_jk p⁽¹⁾_k is negligible beside pⁿ_j and the row
gives ρ_j = 1 + Δt |a_jj| exactly; that value is used. Any ρ ≥ 0 keeps B Metzler with zero
column sums, so positivity and conservation do not rest on these limits.

- :func:`solve_walls`, :func:`substitute`, :func:`backward` — (I − r Â) x = q on a line with
  walls: Thomas factorisation fused with the forward sweep, and the sweeps alone for a kept
  factorisation (the first stage's, while the generator is steady);
- :func:`patankar_rates` — the Patankar factors ρ and the face rates of B;
- :func:`mprk22_line` — one step on one line from the face rates at t_n and t_{n+1}
  (periodic lines through ``solve_rates``' cyclic elimination);
- :func:`mprk22_step` — one step from face velocities (the NumPy-drift path, step by step);
- :func:`mprk22_run` — the whole time loop for a compiled drift in one call.
"""

from __future__ import annotations

import numba
import numpy as np

from pdecheck._jit.options import HELPER, KERNEL
from pdecheck.grid._kernels_implicit import _load_axis, end_step, line_rates, solve_rates


@numba.njit(cache=True, **HELPER)
def solve_walls(alpha, beta, r, q, m, s, inv_d, out):
    """x = (I − r Â)⁻¹ q for a line with walls (α_0 = β_n = 0; Â as in ``solve_rates``) into
    ``out`` (may be ``q``), keeping the Thomas factors for :func:`substitute`. Row j is
    a_j x_{j−1} + b_j x_j + c_j x_{j+1}: multipliers m_j = a_j / d_{j−1} ≤ 0, pivots
    d_j = b_j − m_j c_{j−1} > 0 (column diagonal dominance), s_j = c_j / d_j ≤ 0; the forward sweep
    runs in the same loop as the factorisation (one pass: the pivot recurrence, with its
    division, is the critical path, and the right-hand side rides along)."""
    n = q.size
    w = 1.0 / (1.0 + r * (beta[0] + alpha[1]))
    c = -r * beta[1]
    y = q[0]
    m[0] = 0.0
    s[0] = c * w
    inv_d[0] = w
    out[0] = y
    for j in range(1, n):
        a = -r * alpha[j]
        mj = a * w
        w = 1.0 / (1.0 + r * (beta[j] + alpha[j + 1]) - (a * c) * w)  # (a c) w = m_j c_{j−1}
        c = -r * beta[j + 1]
        y = q[j] - mj * y
        m[j] = mj
        s[j] = c * w
        inv_d[j] = w
        out[j] = y
    backward(s, inv_d, out)


@numba.njit(cache=True, **HELPER)
def backward(s, inv_d, out):
    """Back substitution x_j = y_j / d_j − s_j x_{j+1} in place on y = ``out`` (one
    multiply-add on the critical path)."""
    n = out.size
    x = out[n - 1] * inv_d[n - 1]
    out[n - 1] = x
    for j in range(n - 2, -1, -1):
        x = out[j] * inv_d[j] - s[j] * x
        out[j] = x


@numba.njit(cache=True, **HELPER)
def substitute(m, s, inv_d, q, out):
    """x = (I − r Â)⁻¹ q from the factors of :func:`solve_walls` (``out`` may be ``q``). With
    m ≤ 0 and s ≤ 0 both sweeps only add non-negative terms: q ≥ 0 gives x ≥ 0 exactly."""
    n = q.size
    y = q[0]
    out[0] = y
    for j in range(1, n):
        y = q[j] - m[j] * y
        out[j] = y
    backward(s, inv_d, out)


@numba.njit(cache=True, **HELPER)
def patankar_rates(q, stage, old, new, r, alpha, beta):
    """ρ_j = pⁿ_j / p⁽¹⁾_j (clamped to 1 + Δt|a_jj|; 0 or the bound where p⁽¹⁾_j = 0, see
    the module docstring) and the rates of B into ``alpha``, ``beta`` (n + 1): α̃_j =
    ½(αⁿ_j ρ_{j−1} + αⁿ⁺¹_j), β̃_j = ½(βⁿ_j ρ_j + βⁿ⁺¹_j), cells mod n. Returns
    max_j |A_jj| · h over A(t_n) and A(t_{n+1})."""
    n = q.size
    rate = 0.0
    rho_first = rho_last = 0.0
    for j in range(n):
        out_old = old[1, j] + old[0, j + 1]
        rate = max(rate, max(out_old, new[1, j] + new[0, j + 1]))
        bound = 1.0 + r * out_old
        s = stage[j]
        p = q[j]
        if s > 0.0:
            rho = min(p / s, bound)
        else:
            rho = 0.0 if p == 0.0 else bound
        beta[j] = 0.5 * (old[1, j] * rho + new[1, j])
        alpha[j + 1] = 0.5 * (old[0, j + 1] * rho + new[0, j + 1])
        if j == 0:
            rho_first = rho
        rho_last = rho
    alpha[0] = 0.5 * (old[0, 0] * rho_last + new[0, 0])
    beta[n] = 0.5 * (old[1, n] * rho_first + new[1, n])
    return rate


@numba.njit(cache=True, **HELPER)
def mprk22_line(q, old, new, r, dt, periodic, factored, work, stage, out):
    """One MPRK22 step of line (0, ·, 0) of ``q`` (1, n, 1) into ``out`` (may be ``q``).

    ``old`` / ``new`` (2, n + 1) are the face rates (α, β) at t_n / t_{n+1}, r = Δt/h,
    ``stage`` (1, n, 1) receives p⁽¹⁾, ``work`` is (10, n + 1): rows 8, 9 take B's rates;
    with walls rows 0–2 hold the factors of the first stage's matrix I − r A(t_n), reused
    when ``factored``, and rows 4–6 the second stage's; periodic lines use rows 0–3. Returns
    the wall outflow (Δt β̃_0 x_0, Δt α̃_n x_{n−1}) and max_j |A_jj| · h of A(t_n), A(t_{n+1}).
    """
    n = q.shape[1]
    x, p, p1 = out.reshape(n), q.reshape(n), stage.reshape(n)
    alpha, beta = work[8], work[9]
    if periodic:
        solve_rates(old[0], old[1], r, q, 0, 0, work, stage)
        rate = patankar_rates(p, p1, old, new, r, alpha, beta)
        solve_rates(alpha, beta, r, q, 0, 0, work, out)
        return 0.0, 0.0, rate
    if factored:
        substitute(work[0, :n], work[1, :n], work[2, :n], p, p1)
    else:
        solve_walls(old[0], old[1], r, p, work[0, :n], work[1, :n], work[2, :n], p1)
    rate = patankar_rates(p, p1, old, new, r, alpha, beta)
    solve_walls(alpha, beta, r, p, work[4, :n], work[5, :n], work[6, :n], x)
    return dt * beta[0] * x[0], dt * alpha[n] * x[n - 1], rate


@numba.njit(cache=True, **KERNEL)
def mprk22_step(u_old, u_new, d_old, d_new, h, dt, periodic, outflow, p, stage, out):
    """One step from the face velocities ``u_old`` / ``u_new`` (1, n + 1, 1) and the diffusion
    d_old / d_new at t_n / t_{n+1} (walls by ``wall_rates``); see :func:`mprk22_line`."""
    n = p.shape[1]
    old = np.empty((2, n + 1))
    new = np.empty((2, n + 1))
    line_rates(u_old, 0, 0, d_old, h, periodic, outflow, old[0], old[1])
    line_rates(u_new, 0, 0, d_new, h, periodic, outflow, new[0], new[1])
    work = np.empty((10, n + 1))
    return mprk22_line(p, old, new, dt / h, dt, periodic, False, work, stage, out)


@numba.njit(cache=True, **KERNEL)
def mprk22_run(
    kernel,
    params,
    points,
    u,
    codes,
    sign,
    steady,
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
    """The whole MPRK22 time loop for a compiled drift in 1-D (one call).

    Step n runs from ``times[n − 1]`` to ``times[n]`` with D = ``diffusion[n − 1]``,
    ``diffusion[n]`` at its ends; the drift is loaded on the faces (``points``, into ``u``
    (1, n + 1, 1), walls by ``codes`` (1, 2)) once per step end, and only once in all when
    ``steady`` and D does not change. After step ``save_steps[s]`` the state goes to
    ``saved[s + 1]``; ``outflow`` (1, 2) accumulates; ``stats`` receives [max mass drift, min p,
    max Δt · max|A_ii|, max Péclet, steps done]; ``initial[0]`` is the mass (inside + out)
    the drift is measured against (set from the state when negative: a run resumed in chunks
    keeps it). Returns −1, or the step at which the drift was non-finite.
    """
    n_cells = p.shape[1]
    low_code, high_code = codes[0, 0], codes[0, 1]
    axis = codes.shape[0] - 1  # 0, typed int64 like the loader's other callers' (one compile)
    periodic = low_code == 2
    wall_out = low_code == 1 or high_code == 1
    old = np.empty((2, n_cells + 1))
    new = np.empty((2, n_cells + 1))
    work = np.empty((10, n_cells + 1))
    factored_r = -1.0  # the r of the first-stage factors in work (none yet)
    stage = np.empty_like(p)
    bad, umax = _load_axis(kernel, params, times[0], points, axis, sign, u, low_code, high_code)
    if bad:
        return 0
    line_rates(u, 0, 0, diffusion[0], h, periodic, wall_out, old[0], old[1])
    if diffusion[0] > 0.0:
        stats[3] = max(stats[3], umax * h / diffusion[0])
    if initial[0] < 0.0:
        initial[0] = p.sum() * h
    saved_count = 0
    for n in range(1, times.size):
        t = times[n]
        dt = abs(t - times[n - 1])
        same = steady and diffusion[n] == diffusion[n - 1]
        if not same:
            if not steady:
                bad, umax = _load_axis(
                    kernel, params, t, points, axis, sign, u, low_code, high_code
                )
                if bad:
                    return n
            line_rates(u, 0, 0, diffusion[n], h, periodic, wall_out, new[0], new[1])
            if diffusion[n] > 0.0:
                stats[3] = max(stats[3], umax * h / diffusion[n])
        r = dt / h
        factored = same and r == factored_r
        lo, hi, rate = mprk22_line(
            p, old, old if same else new, r, dt, periodic, factored, work, stage, p
        )
        factored_r = r if same else -1.0
        outflow[0, 0] += lo
        outflow[0, 1] += hi
        if not same:
            old, new = new, old
        saved_count = end_step(
            p, h, outflow, initial[0], dt * rate / h, n, stats, save_steps, saved, saved_count
        )
    return -1
