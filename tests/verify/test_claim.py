"""Claim: normal form of a user's field/SDE, data, prior and marginals; bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.verify.claim import Claim, PdfDensity


def _field(t, x):
    return -x


def test_claim_holds_field_or_sde():
    c = Claim(_field, data=pc.Gaussian(0.0, 1.0), prior=pc.Gaussian(0.0, 1.0))
    assert (
        not c.is_sde and c.dim == 1 and c.density_at(0.0) is c.data and c.density_at(1.0) is c.prior
    )
    s = Claim(sde=(_field, lambda t: 1.0), data=pc.Gaussian(0.0, 1.0), prior=pc.Gaussian(0.0, 1.0))
    assert s.is_sde and s.diffusion(0.3) == 1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "exactly one"),
        ({"field": _field, "sde": (_field, abs)}, "exactly one"),
        ({"field": _field, "data": 1.0}, "data=1.0 must be a pdecheck Density"),
        ({"field": _field, "prior": pc.Gaussian(np.zeros(2), 1.0)}, "dim"),
        ({"sde": (_field,)}, "pair"),
        ({"field": _field, "T": -1.0}, "T=-1.0 must be > 0"),
        ({"field": _field, "marginal": 3.0}, "marginal=3.0"),
    ],
)
def test_bad_claims_name_the_argument(kwargs, match):
    base = {"data": pc.Gaussian(0.0, 1.0), "prior": pc.Gaussian(0.0, 1.0)}
    with pytest.raises((ValueError, TypeError), match=match):
        Claim(**{**base, **kwargs})


def test_density_valued_marginal_is_checked():
    c = Claim(
        _field, data=pc.Gaussian(0.0, 1.0), prior=pc.Gaussian(0.0, 1.0), marginal=lambda t: 1.0
    )
    with pytest.raises(TypeError, match="must return a pdecheck Density"):
        c.density_at(0.5)


def test_pdf_marginal_cubature_matches_gaussian_cdf():
    """A pdf p(t, x) is wrapped; its cell probabilities are Gauss–Legendre cubature, accurate to
    O(h^8) for a smooth pdf, and the reported error bounds the true error."""

    def pdf(t, x):
        return np.exp(-0.5 * x[:, 0] ** 2 / t) / math.sqrt(2 * math.pi * t)

    c = Claim(_field, data=pc.Gaussian(0.0, 1.0), prior=pc.Gaussian(0.0, 1.0), marginal=pdf)
    dens = c.density_at(0.5)
    assert isinstance(dens, PdfDensity)
    edges = np.linspace(-3, 3, 13)
    p, err = dens.box_probability_with_error(edges[:-1], edges[1:])
    exact = pc.Gaussian(0.0, math.sqrt(0.5)).box_probability(edges[:-1], edges[1:])
    assert np.all(np.abs(p - exact) <= err + 1e-15)
    assert np.max(np.abs(p - exact)) < 1e-7


def test_pdf_marginal_error_estimate_sees_a_jump():
    """A discontinuous pdf (uniform box): the error estimate stays ~0 in a cell without the
    jump and bounds the true error in cells across it (the halved rule errs by at most half a
    sub-cell's node spacing, the plain rule by more)."""

    def pdf(t, x):
        return ((x[:, 0] >= 0) & (x[:, 0] <= 1)).astype(float)

    dens = PdfDensity(pdf, 0.5, 1)
    lo = np.array([0.2, -0.2, -0.1, -0.3, -0.45])
    p, err = dens.box_probability_with_error(lo, lo + 0.7)
    exact = np.clip(lo + 0.7, 0, 1) - np.clip(lo, 0, 1)
    assert abs(p[0] - exact[0]) < 1e-14 and err[0] < 1e-14
    assert np.all(np.abs(p[1:] - exact[1:]) <= err[1:])


def test_marginal_with_default_argument_is_density_valued():
    """``lambda t, s=0.5: ...`` has one required parameter: a density-valued marginal, not a pdf."""
    c = Claim(
        _field,
        data=pc.Gaussian(0.0, 1.0),
        prior=pc.Gaussian(0.0, 1.0),
        marginal=lambda t, s=0.5: pc.Gaussian(0.0, s + t),
    )
    assert isinstance(c.density_at(0.5), pc.Gaussian)
