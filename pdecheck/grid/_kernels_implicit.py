"""Compiled Chang–Cooper (Scharfetter–Gummel) kernels for drift–diffusion, FOKKER-PLANCK.md §1.

On the face between cells L and R, with face drift u and diffusion D,

    J = α p_L − β p_R,  α = (D/h) B(−Pe),  β = (D/h) B(Pe),  Pe = u h / D,

B(z) = z / (eᶻ − 1) the Bernoulli function (evaluated without cancellation or overflow); with
D = 0 the rates are the upwind ones α = u⁺, β = u⁻. Cell i obeys
dp_i/dt = (J_{i−½} − J_{i+½}) / h, a Metzler generator with zero column sums.

- :func:`bernoulli`, :func:`face_rates` — B(z) and (α, β);
- :func:`cc_fluxes` — J at every face of one axis (explicit stages);
- :func:`implicit_sweep` — (I − Δt A_k) x = q along every line of axis k by the Thomas
  algorithm: the matrix is a column-diagonally-dominant M-matrix, and every operation of the
  elimination adds non-negative terms, so x ≥ 0 exactly in floating point and 1ᵀx = 1ᵀq;
- :func:`max_generator_rate` — max_i |A_ii| (the explicit step bound Δt ≤ 1/max|A_ii|).
"""

from __future__ import annotations

import math

import numba
from numba import prange


@numba.njit(cache=True)
def bernoulli(z):
    """B(z) = z / (eᶻ − 1): series near 0, z e^{−z}/(1 − e^{−z}) for z > 0, z/expm1(z) for z < 0."""
    if abs(z) < 1e-4:
        return 1.0 - 0.5 * z + z * z / 12.0
    if z > 0.0:
        return z * math.exp(-z) / -math.expm1(-z)
    return z / math.expm1(z)


@numba.njit(cache=True)
def face_rates(u, diffusion, h):
    """(α, β) with J = α p_L − β p_R (see the module docstring)."""
    if diffusion <= 0.0:
        return max(u, 0.0), max(-u, 0.0)
    pe = u * h / diffusion
    scale = diffusion / h
    return scale * bernoulli(-pe), scale * bernoulli(pe)


@numba.njit(cache=True)
def _wall(j, n, periodic):
    return not periodic and (j == 0 or j == n)


@numba.njit(cache=True, parallel=True)
def cc_fluxes(q, u, flux, diffusion, h, periodic, outflow_walls):
    """flux[o, j, i] = J through face j of every line; walls carry the upwind outflow (when
    ``outflow_walls``) or nothing; periodic face n is face 0."""
    outer, n, inner = q.shape
    for line in prange(outer * inner):
        o = line // inner
        i = line - o * inner
        for j in range(n + 1):
            v = u[o, j, i]
            if _wall(j, n, periodic):
                if outflow_walls and j == 0 and v < 0.0:
                    flux[o, j, i] = v * q[o, 0, i]
                elif outflow_walls and j == n and v > 0.0:
                    flux[o, j, i] = v * q[o, n - 1, i]
                else:
                    flux[o, j, i] = 0.0
            else:
                left = j - 1 if j > 0 else n - 1
                right = j if j < n else 0
                alpha, beta = face_rates(v, diffusion, h)
                flux[o, j, i] = alpha * q[o, left, i] - beta * q[o, right, i]


@numba.njit(cache=True, parallel=True)
def implicit_sweep(q, u, diffusion, h, dt, outflow_walls, cprime, out):
    """Solve (I − Δt A) x = q on every line (O, n, I) of one non-periodic axis; x -> out.

    Row i: −(Δt/h) α_{i−½} x_{i−1} + (1 + (Δt/h)(β_{i−½} + α_{i+½})) x_i − (Δt/h) β_{i+½} x_{i+1}.
    A closed wall drops its face; an outflow wall keeps only the outgoing rate u⁺ (or u⁻).
    """
    outer, n, inner = q.shape
    r = dt / h
    for line in prange(outer * inner):
        o = line // inner
        i = line - o * inner
        # forward elimination; rates of the face below the current cell carried along
        lower_alpha = 0.0
        lower_beta = 0.0
        v = u[o, 0, i]
        if outflow_walls and v < 0.0:
            lower_beta = -v
        for j in range(n):
            if j == n - 1:
                v = u[o, n, i]
                upper_alpha = v if (outflow_walls and v > 0.0) else 0.0
                upper_beta = 0.0
            else:
                upper_alpha, upper_beta = face_rates(u[o, j + 1, i], diffusion, h)
            diag = 1.0 + r * (lower_beta + upper_alpha)
            if j > 0:
                # lower = −r α_{j−½} ≤ 0 and cprime ≤ 0: the pivot only shrinks by a positive amount
                lower = r * lower_alpha
                pivot = diag - lower * -cprime[o, j - 1, i]
                out[o, j, i] = (q[o, j, i] + lower * out[o, j - 1, i]) / pivot
            else:
                pivot = diag
                out[o, j, i] = q[o, j, i] / pivot
            cprime[o, j, i] = -r * upper_beta / pivot
            lower_alpha = upper_alpha
            lower_beta = upper_beta
        for j in range(n - 2, -1, -1):
            out[o, j, i] = out[o, j, i] - cprime[o, j, i] * out[o, j + 1, i]


@numba.njit(cache=True, parallel=True)
def max_generator_rate(u0, u1, u2, diffusion, rh, dim):
    """max_i |A_ii| = max_i Σ_k (β_{k,i−½} + α_{k,i+½}) / h_k (walls: outgoing drift only)."""
    n0, n1, n2 = u1.shape[0], u0.shape[1], u0.shape[2]
    best = 0.0
    for i0 in prange(n0):
        for i1 in range(n1):
            for i2 in range(n2):
                total = 0.0
                for k in range(dim):
                    if k == 0:
                        lo, hi = u0[i0, i1, i2], u0[i0 + 1, i1, i2]
                    elif k == 1:
                        lo, hi = u1[i0, i1, i2], u1[i0, i1 + 1, i2]
                    else:
                        lo, hi = u2[i0, i1, i2], u2[i0, i1, i2 + 1]
                    h = 1.0 / rh[k]
                    _, beta = face_rates(lo, diffusion, h)
                    alpha, _ = face_rates(hi, diffusion, h)
                    total += (beta + alpha) * rh[k]
                best = max(best, total)
    return best
