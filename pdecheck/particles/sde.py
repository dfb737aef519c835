"""Particles pushed through dx = f_t(x) dt + g dW: :func:`integrate_sde`.

Schemes (:mod:`.steppers`): ``euler_maruyama`` (additive g_t, or multiplicative g(t, x) acting
elementwise) and ``weak2`` (additive noise, weak order 2). Time grids may decrease: a
reverse-time SDE (DESIGN.md; CATALOGUE F2) is just its drift field — e.g.
f_t − ½(g_t² + s_t²)∇log p_t — integrated from T down to ε; the noise always has variance
g²|h| per step.

The diffusion argument is one of: a number (constant g), a function g(t) of time alone
(additive noise; evaluated in Python on the grid beforehand: g(t_k) for Euler–Maruyama, g at
mid-steps for weak2), or a field g(t, x) of shape (n, d) (multiplicative, elementwise; a field
with a compiled kernel keeps the fast path). A plain callable is told apart by the number of
its required positional parameters (1: g(t), 2: g(t, x)).

Kernels (``ParticleSolution.path``): a drift that advertises ``linear_coefficients(t, dim)``
(:class:`pdecheck.sde.ScoreDriftField`: every built-in linear SDE's drift, f_t x, and its
one-component score forms) with additive noise and seeded noise runs in ``"linear"``
(:mod:`._linear_kernel`: A_t, B_t tabulated on the grid, no field calls, the general kernel's
numbers); a compiled field in ``"compiled"`` (:mod:`._sde_kernel`); anything else in
``"numpy"`` (batched).

Randomness: particle i's increments are √|h_k|·Z with Z the normal stream of (seed, i)
(:mod:`.rng`; :func:`.rng.brownian_increments` returns them), or are given explicitly as
``brownian`` (N, steps, d) — the way to couple runs on nested grids (strong order, multilevel
differences).
"""

from __future__ import annotations

import inspect
import numbers
import time
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import check_finite, scalar_of_time
from pdecheck.fields import compiled_form, evaluate
from pdecheck.particles._checks import check_domain, check_points, check_times, save_indices
from pdecheck.particles._driver import (
    BatchState,
    Outputs,
    run_ranges,
    save_slots,
    timed_launch,
)
from pdecheck.particles.rng import _as_seed, fill_normals, init_states
from pdecheck.particles.solution import ParticleSolution
from pdecheck.particles.steppers import SDEScheme, sde_method

__all__ = ["integrate_sde"]

Array = NDArray[np.float64]


def integrate_sde(
    drift: Any,
    diffusion: Any,
    x0: ArrayLike,
    times: ArrayLike,
    *,
    seed: int | None = None,
    method: str = "euler_maruyama",
    save_at: ArrayLike | None = None,
    domain: tuple[ArrayLike, ArrayLike] | None = None,
    brownian: ArrayLike | None = None,
) -> ParticleSolution:
    """Integrate dx = drift(t, x) dt + diffusion dW for every row of ``x0`` over ``times``.

    ``seed`` (a non-negative integer) fixes every particle's noise; it may be None only when
    ``brownian`` gives the increments. Other arguments as in :func:`integrate_ode`.
    """
    scheme = sde_method(method)
    t = check_times(times)
    x, _ = check_points(x0)
    n, d = x.shape
    save = save_indices(save_at, t)
    box = check_domain(domain, d)
    dW = _check_brownian(brownian, seed, (n, t.size - 1, d))
    seed_u = np.uint64(0) if seed is None else _as_seed(seed)
    noise = _diffusion(diffusion, t, scheme)
    multiplicative = not isinstance(noise, tuple)
    noise_cf = compiled_form(noise) if multiplicative else None
    # a linear drift first: its table needs no field kernel (nothing more to compile)
    table = None if multiplicative or dW.shape[0] else _linear_table(drift, scheme, t, d)
    cf = None if table is not None else compiled_form(drift)
    if cf is not None:
        check_points(x, cf.dim)
    if table is not None:
        g = noise[0] if scheme.code == 0 else noise[1]
        out, wall, comp = _linear(table, g, scheme, x, t, seed_u, save, box)
        path = "linear"
    elif cf is not None and (not multiplicative or noise_cf is not None):
        g_left, g_mid = noise if isinstance(noise, tuple) else (np.zeros(1), np.zeros(1))
        out, wall, comp = _fast(cf, noise_cf, scheme, x, t, g_left, g_mid, seed_u, dW, save, box)
        path = "compiled"
    else:
        out, wall, comp = _batched(drift, noise, scheme, x, t, seed_u, dW, save, box)
        path = "numpy"
    return ParticleSolution(
        times=t[save],
        samples=out.samples,
        failed_step=out.failed,
        left_domain=out.outside,
        method=scheme.name,
        wall_time=wall,
        compile_time=comp,
        path=path,
    )


def _check_brownian(brownian: ArrayLike | None, seed: Any, shape: tuple[int, int, int]) -> Array:
    if brownian is None:
        if seed is None:
            raise TypeError(
                "seed=None: pass a non-negative integer seed (or explicit `brownian` increments)"
            )
        _as_seed(seed)
        return np.zeros((0, 1, 1))
    dW = np.ascontiguousarray(check_finite("brownian", brownian), dtype=float)
    if dW.ndim == 2 and shape[2] == 1:
        dW = dW.reshape(*dW.shape, 1)
    if dW.shape != shape:
        raise ValueError(
            f"brownian has shape {dW.shape}; it must be (N, len(times) - 1, d) = {shape}"
        )
    return dW


def _diffusion(diffusion: Any, t: Array, scheme: SDEScheme) -> Any:
    """(g at step times, g at mid-steps) for additive noise, or the field g(t, x)."""
    if isinstance(diffusion, numbers.Real) and not isinstance(diffusion, bool):
        g = check_finite("diffusion", float(diffusion))
        return np.full(t.size - 1, float(g)), np.full(t.size - 1, float(g))
    if not callable(diffusion):
        raise TypeError(
            f"diffusion={diffusion!r} must be a number, a function g(t) or a field g(t, x)"
        )
    if compiled_form(diffusion) is None and _arity(diffusion) == 1:
        mids = 0.5 * (t[:-1] + t[1:])
        return _on_grid(diffusion, t[:-1]), _on_grid(diffusion, mids)
    if not scheme.multiplicative:
        raise ValueError(
            f"method={scheme.name!r} needs additive noise g(t); diffusion={diffusion!r} "
            "depends on x (use method='euler_maruyama')"
        )
    return diffusion


def _arity(func: Any) -> int:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return 2
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in kinds and p.default is inspect.Parameter.empty)


def _on_grid(g: Any, times: Array) -> Array:
    g_t = scalar_of_time(g, "diffusion")
    values = np.array([g_t(float(s)) for s in times])
    if not np.all(np.isfinite(values)):
        k = int(np.argmin(np.isfinite(values)))
        raise ValueError(
            f"diffusion g(t) is not finite at t={float(times[k])!r} ({float(values[k])!r}); "
            "it must be finite"
        )
    return values


def _linear_table(drift: Any, scheme: SDEScheme, t: Array, d: int) -> tuple[Array, Array] | None:
    """(A (2, steps), B (2, steps, d)): the drift A x + B at t_k (row 0) and, for weak2, at
    t_k + h_k (row 1; EM repeats row 0), when the drift advertises linear coefficients
    (``linear_coefficients(t, dim)``) and they are finite; else None."""
    coefficients = getattr(drift, "linear_coefficients", None)
    if coefficients is None:
        return None
    left = t[:-1]
    rows = [coefficients(left, d)]
    if scheme.code != 0:
        rows.append(coefficients(left + np.diff(t), d))  # the bits of t + h in the kernels
    if any(r is None for r in rows):
        return None
    A = np.stack([rows[0][0], rows[-1][0]])
    B = np.stack([rows[0][1], rows[-1][1]])
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        return None  # e.g. point data at b_t = 0: the general kernel flags the NaN
    return A, B


def _linear(
    table: tuple[Array, Array],
    g: Array,
    scheme: SDEScheme,
    x: Array,
    t: Array,
    seed: np.uint64,
    save,
    box,
) -> tuple[Outputs, float, float]:
    from pdecheck.particles._linear_kernel import LANES, linear_paths

    A, B = table
    h = np.diff(t)
    root = np.sqrt(np.abs(h))

    def launch(warm: bool) -> Outputs:
        xs, steps, ss = (x[:1], 1, np.array([1], dtype=np.int64)) if warm else (x, h.size, save)
        out = Outputs.allocate(ss.size, xs.shape[0], xs.shape[1], False)
        # contiguous copies: the warm-up call must compile the types of the real one
        tab = (
            np.ascontiguousarray(A[:, :steps]),
            np.ascontiguousarray(B[:, :steps]),
            g[:steps],
            root[:steps],
            h[:steps],
        )
        args = (
            scheme.code,
            xs,
            tab,
            seed,
            save_slots(ss),
            box,
            (out.samples, out.failed, out.outside),
        )
        run_ranges(linear_paths, xs.shape[0], args, LANES)
        return out

    return timed_launch(linear_paths, launch)


def _fast(
    cf,
    noise_cf,
    scheme: SDEScheme,
    x: Array,
    t: Array,
    g_left: Array,
    g_mid: Array,
    seed: np.uint64,
    dW: Array,
    save,
    box,
) -> tuple[Outputs, float, float]:
    from pdecheck.particles._sde_kernel import sde_paths

    diff_kernel, diff_params = (
        (noise_cf.kernel, noise_cf.params) if noise_cf is not None else (cf.kernel, cf.params)
    )
    lower, upper, has_domain = box

    def launch(warm: bool) -> Outputs:
        xs, ts, ss = (x[:1], t[:2], np.array([1], dtype=np.int64)) if warm else (x, t, save)
        dws = dW[:1, :1] if warm and dW.shape[0] else dW
        out = Outputs.allocate(ss.size, xs.shape[0], xs.shape[1], False)
        sde_paths(
            cf.kernel,
            cf.params,
            diff_kernel,
            diff_params,
            noise_cf is not None,
            scheme.code,
            xs,
            ts,
            g_left,
            g_mid,
            seed,
            dws,
            save_slots(ss),
            lower,
            upper,
            has_domain,
            out.samples,
            out.failed,
            out.outside,
        )
        return out

    return timed_launch(sde_paths, launch)


def _batched(
    drift: Any,
    noise: Any,
    scheme: SDEScheme,
    x: Array,
    t: Array,
    seed: np.uint64,
    dW: Array,
    save,
    box,
) -> tuple[Outputs, float, float]:
    start = time.perf_counter()
    n, d = x.shape
    state = BatchState(x, save, False, box)
    states = init_states(int(seed), n) if dW.shape[0] == 0 else None
    z = np.empty((n, d))
    with np.errstate(invalid="ignore", over="ignore"):
        for step in range(t.size - 1):
            h = t[step + 1] - t[step]
            if states is not None:
                # every stream advances, failed ones too: streams stay aligned
                fill_normals(states, z)
                dw = np.sqrt(abs(h)) * (z if state.active.size == n else z[state.active])
            else:
                dw = dW[state.active, step]
            xk = state.x
            f = evaluate(drift, t[step], xk, name="drift")
            if scheme.code == 0:
                g = (
                    noise[0][step]
                    if isinstance(noise, tuple)
                    else evaluate(noise, t[step], xk, name="diffusion")
                )
                x_new = xk + f * h + g * dw
            else:
                g = noise[1][step]
                fb = evaluate(drift, t[step] + h, xk + f * h + g * dw, name="drift")
                x_new = xk + 0.5 * (f + fb) * h + g * dw
            state.finish_step(step, x_new)
            if state.active.size == 0:
                break
    return state.out, time.perf_counter() - start, 0.0
