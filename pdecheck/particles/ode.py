"""Particles pushed through dx/dt = f_t(x): :func:`integrate_ode`.

Explicit Runge–Kutta schemes (``euler``, ``heun``, ``rk4``; :mod:`.steppers`) on any strictly
monotone time grid — increasing, or decreasing for a generation run from T down to ε. With
``log_density=True`` the instantaneous change of variables (seed eq. 12, CATALOGUE H3)

    d/dt log p_t(X_t) = −∇·f_t(X_t)

is integrated alongside by the same scheme, so log p_t(X_t) = log p_{t0}(X_{t0}) + ℓ_t with
ℓ_t = −∫ ∇·f. The divergence is, in order of preference: the field's compiled divergence
(``field.compiled_divergence()`` returning a CompiledField that writes ∇·f into out[0]), its
exact vectorised ``field.divergence(t, x)`` (shape (n,)), or central differences of the field
with step ε^(1/3)·max(1, |x_j|) (error about 1e-10 relative for smooth fields; 2d extra field
evaluations per stage).

Fast path: a field with a compiled kernel (:func:`pdecheck.fields.compiled_form`) runs in one
parallel Numba loop over chunks of particles, stage by stage, calling the field's block kernel
once per chunk and stage when it has one (the built-in marginal fields with an isotropic
Gaussian prior), else its per-point kernel once per particle. Slow path: any vectorised
callable, evaluated on all active particles at once per stage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import as_floats
from pdecheck.fields import compiled_form, evaluate
from pdecheck.particles._checks import check_domain, check_points, check_times, save_indices
from pdecheck.particles._driver import BatchState, Outputs, save_slots, timed_launch
from pdecheck.particles._kernels import FD_STEP
from pdecheck.particles.solution import ParticleSolution
from pdecheck.particles.steppers import Tableau, ode_method

__all__ = ["integrate_ode"]

Array = NDArray[np.float64]
Divergence = Callable[[float, Array], Array]


def integrate_ode(
    field: Any,
    x0: ArrayLike,
    times: ArrayLike,
    *,
    method: str = "rk4",
    save_at: ArrayLike | None = None,
    log_density: bool = False,
    domain: tuple[ArrayLike, ArrayLike] | None = None,
) -> ParticleSolution:
    """Integrate dx/dt = field(t, x) for every row of ``x0`` over the grid ``times``.

    Parameters: ``x0`` (N, d) (or (N,) in 1-D); ``times`` the step times (strictly monotone);
    ``save_at`` grid times to keep (default: first and last); ``log_density`` also integrate
    −∇·f (see the module docstring); ``domain`` a box (lower, upper) whose exits are counted.
    """
    tableau = ode_method(method)
    t = check_times(times)
    cf = compiled_form(field)
    x, _ = check_points(x0, cf.dim if cf is not None else None)
    save = save_indices(save_at, t)
    box = check_domain(domain, x.shape[1])
    compiled_div = getattr(field, "compiled_divergence", None) if log_density else None
    exact_div = getattr(field, "divergence", None) if log_density else None
    if cf is not None and (compiled_div is not None or exact_div is None):
        out, wall, comp = _fast(
            cf, compiled_div() if compiled_div else None, log_density, tableau, x, t, save, box
        )
        path = "compiled"
    else:
        div = (exact_div or _fd_divergence(field)) if log_density else None
        out, wall, comp = _batched(field, div, tableau, x, t, save, box)
        path = "numpy"
    return ParticleSolution(
        times=t[save],
        samples=out.samples,
        failed_step=out.failed,
        left_domain=out.outside,
        method=tableau.name,
        wall_time=wall,
        compile_time=comp,
        path=path,
        delta_log_density=out.dlogp if log_density else None,
    )


def _fast(
    cf, cdiv, log_density, tab: Tableau, x: Array, t: Array, save, box
) -> tuple[Outputs, float, float]:
    from pdecheck._jit.signature import no_block
    from pdecheck.particles._ode_kernel import ode_paths

    div_mode = 0 if not log_density else (2 if cdiv is not None else 1)
    div_kernel, div_params = (
        (cdiv.kernel, cdiv.params) if cdiv is not None else (cf.kernel, cf.params)
    )
    lower, upper, has_domain = box
    block = cf.block() if cf.block is not None else no_block()

    def launch(warm: bool) -> Outputs:
        xs, ts, ss = (x[:1], t[:2], np.array([1], dtype=np.int64)) if warm else (x, t, save)
        out = Outputs.allocate(ss.size, xs.shape[0], xs.shape[1], div_mode != 0)
        ode_paths(
            cf.kernel,
            block,
            cf.block is not None,
            cf.params,
            div_kernel,
            div_params,
            div_mode,
            xs,
            ts,
            tab.A,
            tab.b,
            tab.c,
            save_slots(ss),
            lower,
            upper,
            has_domain,
            out.samples,
            out.dlogp,
            out.failed,
            out.outside,
        )
        return out

    return timed_launch(ode_paths, launch)


def _batched(
    field: Any, div: Divergence | None, tab: Tableau, x: Array, t: Array, save, box
) -> tuple[Outputs, float, float]:
    import time

    start = time.perf_counter()
    state = BatchState(x, save, div is not None, box)
    with np.errstate(invalid="ignore", over="ignore"):
        for step in range(t.size - 1):
            h = t[step + 1] - t[step]
            k: list[Array] = []
            dl = np.zeros(state.x.shape[0])
            for s in range(tab.stages):
                xs = state.x + h * _stage_sum(tab.A[s, :s], k)
                ts = t[step] + tab.c[s] * h
                k.append(evaluate(field, ts, xs))
                if div is not None:
                    dl -= h * tab.b[s] * _divergence_values(div, ts, xs)
            x_new = state.x + h * sum(tab.b[s] * k[s] for s in range(tab.stages))
            state.finish_step(step, x_new, state.ell + dl if div is not None else None)
            if state.active.size == 0:
                break
    return state.out, time.perf_counter() - start, 0.0


def _divergence_values(div: Divergence, t: float, x: Array) -> Array:
    """∇·f(t, x) as shape (n,) (an (n, 1) answer is accepted), or an error naming the rule."""
    raw = div(t, x)
    out = as_floats("divergence", raw)
    if out.shape not in ((x.shape[0],), (x.shape[0], 1)):
        raise ValueError(
            f"divergence returned shape {out.shape} at t={float(t)!r} for x of shape "
            f"{x.shape}; the rule is one value per point, shape ({x.shape[0]},)"
        )
    return out.reshape(-1)


def _stage_sum(weights: Array, k: list[Array]) -> Array | float:
    """Σ_m a_m k_m accumulated from 0.0 in the order of the compiled kernel; the terms with
    a_m = 0 are skipped (adding ±0 changes nothing), so no zero array is built or scaled."""
    acc: Array | float = 0.0
    for a, km in zip(weights, k, strict=False):
        if a != 0.0:
            acc = acc + a * km
    return acc


def _fd_divergence(field: Any) -> Divergence:
    """∇·f by central differences on a batch (the rule of the compiled FD_STEP)."""

    def divergence(t: float, x: Array) -> Array:
        div = np.zeros(x.shape[0])
        for j in range(x.shape[1]):
            delta = FD_STEP * np.maximum(1.0, np.abs(x[:, j]))
            xp, xm = x.copy(), x.copy()
            xp[:, j] += delta
            xm[:, j] -= delta
            fp = evaluate(field, t, xp)[:, j]
            fm = evaluate(field, t, xm)[:, j]
            div += (fp - fm) / (xp[:, j] - xm[:, j])
        return div

    return divergence
