"""Adaptive numerical derivatives for user-supplied functions of time."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["derivative"]

Array = NDArray[np.float64]


def derivative(fn: Callable[[Array], Array], t: Array, T: float) -> tuple[Array, Array]:
    """d fn/dt on [0, T] and an error estimate, by ``scipy.differentiate.derivative``
    (adaptive central differences with Richardson extrapolation), one-sided within two initial
    steps (T/100) of either end so that fn is never evaluated outside [0, T]."""
    from scipy.differentiate import derivative

    tt = np.atleast_1d(np.asarray(t, dtype=float))
    step0 = 1e-2 * T
    direction = np.where(tt < 2 * step0, 1, np.where(tt > T - 2 * step0, -1, 0))
    res = derivative(
        fn, tt, initial_step=step0, step_direction=direction, tolerances={"rtol": 1e-12}
    )
    df = np.asarray(res.df, dtype=float).reshape(np.shape(t))
    err = np.asarray(res.error, dtype=float).reshape(np.shape(t))
    return df, err
