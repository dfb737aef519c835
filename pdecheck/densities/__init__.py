"""Probability densities used as data p_0 and priors p_T.

Public names: :class:`Density` (the interface), :class:`Gaussian` (isotropic or diagonal),
:class:`Uniform` (a box), :class:`PointMixture` (weighted point masses — atomic: it has no pdf),
:class:`GaussianMixture` and :class:`PoissonKernel` (the multivariate Cauchy prior of the
Poisson-field flow, CATALOGUE P1).

The verbs follow scipy.stats: ``pdf``, ``logpdf``, ``score`` (∇ log p), ``cdf`` (1-D only),
``sample(n, rng)`` with ``rng`` a ``numpy.random.Generator`` or an integer seed, plus
``box_probability(lower, upper)`` — the exact mass of axis-aligned boxes, which is what grid
cell averages and binned statistical tests compare against — and ``bounds(tol)``, a box that
holds all but ``tol`` of the mass.

Points are ``(n, d)`` arrays; in 1-D a flat ``(n,)`` array is accepted and answers are flat.

Modules: ``base`` (Density), ``gaussian``, ``uniform``, ``mixtures``, ``cauchy``.
"""

from __future__ import annotations

from pdecheck.densities.base import Density
from pdecheck.densities.cauchy import PoissonKernel
from pdecheck.densities.gaussian import Gaussian
from pdecheck.densities.mixtures import GaussianMixture, PointMixture
from pdecheck.densities.uniform import Uniform

__all__ = ["Density", "Gaussian", "GaussianMixture", "PointMixture", "PoissonKernel", "Uniform"]
