"""A path design to check with ``pdecheck verify examples/my_path.py``.

The file defines, at module level, ``path`` (a pdecheck path, or ``sde`` for an SDE, or a
whole ``claim``) and ``data`` (p_0); ``t_span`` is optional (default (0, T)). Here: the linear
schedule α_t = 1 − t, σ_t = t with a standard Gaussian prior, carrying two-point data to
N(0, 1) — run from the prior at t = 1 down to t = 0.05, as a generator would.
"""

import pdecheck as pc

path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(0.0, 1.0))
data = pc.PointMixture([-1.0, 1.5], weights=[0.4, 0.6])
t_span = (1.0, 0.05)
