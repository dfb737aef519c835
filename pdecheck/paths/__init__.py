"""Probability paths and their fields (DESIGN.md "Path designs"; seed eq. 6, 8, 12, 14).

- :class:`AffinePath` — x_t = α_t x_0 + σ_t x_1 from a schedule (CATALOGUE A1–A5);
- :class:`GeneralAffinePath` — x_t = μ_t(x_0) + σ_t x_1 (CATALOGUE G1);
- :class:`CharacteristicPath` — a trajectory family φ_t(x_t|x_0) = x_T (CATALOGUE G2);
- :class:`MarginalField` — the field object they return (eq. 14), with ``defined``,
  ``divergence``, ``score`` and ``compiled``;
- :class:`EndpointMismatch` — how far p_T misses the prior.

Modules: ``affine`` (affine paths), ``characteristic`` (trajectory families), ``_field`` (the
shared mixture-field engine), ``_densities`` (scaled/shifted densities and mixtures).
"""

from __future__ import annotations

from pdecheck.paths._densities import Mixture, ScaledShifted
from pdecheck.paths._field import MarginalField, ScoreField
from pdecheck.paths.affine import AffinePath, EndpointMismatch, GeneralAffinePath
from pdecheck.paths.characteristic import CharacteristicPath

__all__ = [
    "AffinePath",
    "CharacteristicPath",
    "EndpointMismatch",
    "GeneralAffinePath",
    "MarginalField",
    "Mixture",
    "ScaledShifted",
    "ScoreField",
]
