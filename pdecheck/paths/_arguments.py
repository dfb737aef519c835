"""Argument checks shared by the affine and characteristic paths: the user's μ values, the σ
schedule, the prior, the data and one point x_0, each raising an error that names the argument,
its value and the rule."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pdecheck._validate import _short, as_floats, check_finite
from pdecheck.densities import Density, PointMixture
from pdecheck.schedules import Schedule

__all__ = ["check_dim", "check_prior", "one_point", "point_data", "returned", "sigma_schedule"]

Array = NDArray[np.float64]


def returned(label: str, t: float, raw: ArrayLike, shape: tuple[int, ...]) -> Array:
    """The value of a user's ``mu``/``dmu`` at points x0 of shape (k, d): a real array of shape
    (k, d) ((k,) also in 1-D); any other shape raises ``ValueError`` naming it and the rule."""
    out = as_floats(f"{label}(t={t!r}, x0)", raw)
    if out.shape != shape and not (shape[1] == 1 and out.shape == shape[:1]):
        raise ValueError(
            f"{label}(t={t!r}, x0) returned {_short(raw)} of shape {out.shape} for x0 of shape "
            f"{shape}; the rule is an array of shape (k, d) = {shape}, one row per point of x0"
        )
    return out.reshape(shape)


def sigma_schedule(sigma: Any) -> Schedule:
    if isinstance(sigma, Schedule):
        return sigma
    if isinstance(sigma, tuple) and len(sigma) == 2 and callable(sigma[0]):
        return Schedule.from_functions(
            lambda t: 1.0 - np.asarray(t), sigma[0], None, sigma[1], name="sigma"
        )
    raise TypeError(
        f"sigma={sigma!r} must be a Schedule or a pair (sigma, dsigma) of functions of t"
    )


def check_prior(prior: Any) -> Density:
    if not isinstance(prior, Density) or not prior.has_pdf:
        raise TypeError(
            f"prior={prior!r} must be a pdecheck Density with a pdf (Gaussian, Uniform, ...)"
        )
    return prior


def check_dim(data: Density, path: Any) -> None:
    if data.dim != path.dim:
        raise ValueError(
            f"data={data!r} has dim={data.dim}; the rule is the prior's dim={path.dim}"
        )


def point_data(data: Any, path: Any) -> PointMixture:
    if not isinstance(data, PointMixture):
        raise TypeError(
            f"data={data!r} must be a PointMixture (or, for AffinePath with a Gaussian prior, a "
            "GaussianMixture)"
        )
    check_dim(data, path)
    return data


def one_point(x0: ArrayLike, dim: int) -> Array:
    arr = np.asarray(check_finite("x0", x0), dtype=float).reshape(-1)
    if arr.shape != (dim,):
        raise ValueError(
            f"x0={_short(x0)} has {arr.size} entries; the rule is one point of dim={dim}"
        )
    return arr.reshape(1, dim)
