"""Compiled pieces of the Langevin samplers (pdecheck.particles.langevin).

- :func:`mixture_score`, :func:`mixture_logpdf` — cfuncs with ``FIELD_SIG`` for
  q_σ = Σ_k w_k N(m_k, (v_k + σ²) I) with σ passed as ``t`` (seed §2.4): every built-in closed
  form (Gaussian, Gaussian mixture, point mixture perturbed by σ) is one parameter vector
  ``[k, d, w_1..w_k, m_1..m_k (k·d), v_1..v_k]`` (:func:`mixture_params`).
  ``mixture_logpdf`` writes log q_σ(x) into ``out[0]``.
- :func:`ula_rows` — x ← x + (α/2) s + √α z row by row (seed §2, the Langevin step).
- :func:`mala_rows` — the Metropolis–Hastings correction of a ULA proposal (MALA).
- :func:`fill_uniforms` — u[b, i] from stream i (:mod:`pdecheck.particles.rng`), for MALA.
- :func:`compiled_block` — a block of ULA or MALA steps with a compiled score, recording every
  ``thin``-th state from ``keep_from`` on.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pdecheck._jit.signature import FIELD_SIG
from pdecheck.particles.rng import uniform


@numba.njit(cache=True)
def _mixture_terms(t, x, d, p, out, want_score):
    k = int(p[0])
    w0 = 2
    m0 = w0 + k
    v0 = m0 + k * d
    # log-sum-exp over the components
    best = -math.inf
    for c in range(k):
        var = p[v0 + c] + t * t
        sq = 0.0
        for j in range(d):
            r = x[j] - p[m0 + c * d + j]
            sq += r * r
        lc = math.log(p[w0 + c]) - 0.5 * sq / var - 0.5 * d * math.log(2.0 * math.pi * var)
        best = max(best, lc)
    total = 0.0
    for j in range(d):
        out[j] = 0.0
    for c in range(k):
        var = p[v0 + c] + t * t
        sq = 0.0
        for j in range(d):
            r = x[j] - p[m0 + c * d + j]
            sq += r * r
        lc = math.log(p[w0 + c]) - 0.5 * sq / var - 0.5 * d * math.log(2.0 * math.pi * var)
        e = math.exp(lc - best)
        total += e
        if want_score:
            for j in range(d):
                out[j] += e * (p[m0 + c * d + j] - x[j]) / var
    if want_score:
        for j in range(d):
            out[j] /= total
    else:
        out[0] = best + math.log(total)


@numba.cfunc(FIELD_SIG, cache=True)
def mixture_score(t, xp, d, pp, op):
    """∇log q_σ(x) with σ = t (module docstring)."""
    k = int(pp[0])
    _mixture_terms(
        t,
        numba.carray(xp, (d,)),
        d,
        numba.carray(pp, (2 + k + k * d + k,)),
        numba.carray(op, (d,)),
        True,
    )


@numba.cfunc(FIELD_SIG, cache=True)
def mixture_logpdf(t, xp, d, pp, op):
    """log q_σ(x) into out[0], σ = t."""
    k = int(pp[0])
    _mixture_terms(
        t,
        numba.carray(xp, (d,)),
        d,
        numba.carray(pp, (2 + k + k * d + k,)),
        numba.carray(op, (d,)),
        False,
    )


def mixture_params(weights: np.ndarray, means: np.ndarray, variances: np.ndarray) -> np.ndarray:
    """The parameter vector of :func:`mixture_score` / :func:`mixture_logpdf`."""
    k, d = means.shape
    return np.concatenate([[float(k), float(d)], weights, means.reshape(-1), variances]).astype(
        float
    )


@numba.njit(cache=True)
def fill_uniforms(states, u):
    """u[b, i] = the next uniform in (0, 1] of stream i, for b in order."""
    for i in range(u.shape[1]):
        for b in range(u.shape[0]):
            u[b, i] = uniform(states[i])


@numba.njit(cache=True)
def ula_rows(x, s, z, alpha, out):
    """out = x + (α/2) s + √α z (seed §2), row by row (out may be x)."""
    root = math.sqrt(alpha)
    n, d = x.shape
    for i in range(n):
        for j in range(d):
            out[i, j] = x[i, j] + 0.5 * alpha * s[i, j] + root * z[i, j]


@numba.njit(cache=True)
def _log_q(y, x, sx, alpha):
    """log of the ULA proposal density q(y | x) = N(y; x + (α/2) s(x), α I), up to a constant."""
    acc = 0.0
    for j in range(y.shape[0]):
        r = y[j] - x[j] - 0.5 * alpha * sx[j]
        acc += r * r
    return -acc / (2.0 * alpha)


@numba.njit(cache=True)
def mala_rows(x, sx, lpx, y, sy, lpy, u, alpha):
    """Accept y_i with probability min(1, p(y)q(x|y) / (p(x)q(y|x))), in place on (x, sx, lpx).
    Returns the number of accepted moves; a non-finite proposal is rejected."""
    accepted = 0
    n, d = x.shape
    for i in range(n):
        log_ratio = (
            lpy[i] - lpx[i] + _log_q(x[i], y[i], sy[i], alpha) - _log_q(y[i], x[i], sx[i], alpha)
        )
        if math.isfinite(log_ratio) and math.log(u[i]) < log_ratio:
            accepted += 1
            lpx[i] = lpy[i]
            for j in range(d):
                x[i, j] = y[i, j]
                sx[i, j] = sy[i, j]
    return accepted


@numba.njit(cache=True)
def _eval_rows(kernel, params, t, x, out):
    bad = 0
    n, d = x.shape
    for i in range(n):
        kernel(t, x[i].ctypes, d, params.ctypes, out[i].ctypes)
        for j in range(d):
            if not math.isfinite(out[i, j]):
                bad += 1
                break
    return bad


@numba.njit(cache=True)
def compiled_block(
    score, sparams, logpdf, lparams, mala, sigma, alpha, x, z, u, record, step0, keep_from, thin
):
    """Steps step0 .. step0 + len(z) − 1 of ULA (``mala`` False) or MALA on q_σ, in place on x.

    State after global step k (1-based) goes to ``record[(k − keep_from) // thin]`` when
    k >= keep_from and (k − keep_from) % thin == 0. Returns (accepted, non-finite score rows).
    """
    n, d = x.shape
    sx = np.empty((n, d))
    y = np.empty((n, d))
    sy = np.empty((n, d))
    lpx = np.empty((n, 1))
    lpy = np.empty((n, 1))
    bad = _eval_rows(score, sparams, sigma, x, sx)
    if mala:
        _eval_rows(logpdf, lparams, sigma, x, lpx)
    accepted = 0
    for b in range(z.shape[0]):
        if mala:
            ula_rows(x, sx, z[b], alpha, y)
            bad += _eval_rows(score, sparams, sigma, y, sy)
            _eval_rows(logpdf, lparams, sigma, y, lpy)
            accepted += mala_rows(x, sx, lpx[:, 0], y, sy, lpy[:, 0], u[b], alpha)
        else:
            ula_rows(x, sx, z[b], alpha, x)
            bad += _eval_rows(score, sparams, sigma, x, sx)
        k = step0 + b + 1
        if k >= keep_from and (k - keep_from) % thin == 0:
            record[(k - keep_from) // thin] = x
    return accepted, bad
