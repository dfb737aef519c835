"""Grid geometry, exact cell averages and box sizing (pdecheck.grid.mesh)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import erf

from pdecheck.densities import Density, Gaussian, Uniform
from pdecheck.grid import Grid


def test_geometry_1d_and_3d():
    g = Grid(0.0, 2.0, 4)
    assert g.dim == 1 and g.shape == (4,)
    np.testing.assert_allclose(g.edges[0], [0, 0.5, 1, 1.5, 2])
    np.testing.assert_allclose(g.centers[0], [0.25, 0.75, 1.25, 1.75])
    assert g.cell_volume == 0.5 and g.points().shape == (4, 1)
    g3 = Grid([0, 0, 0], [1, 2, 4], [2, 4, 8])
    np.testing.assert_allclose(g3.h, [0.5, 0.5, 0.5])
    assert g3.points().shape == (64, 3) and g3.cell_volume == 0.125


def test_cell_averages_are_exact_cdf_differences():
    """1-D Gaussian cell averages equal (Φ(b) − Φ(a)) / h, written here with erf."""
    g = Grid(-3.0, 3.0, 12)
    e = g.edges[0]
    cdf = 0.5 * (1 + erf(e / np.sqrt(2)))
    np.testing.assert_allclose(
        g.cell_averages(Gaussian(0.0, 1.0)), np.diff(cdf) / g.h[0], rtol=1e-12
    )


def test_quadrature_fallback_matches_exact():
    """A density without box_probability gets 4-point Gauss–Legendre cell averages, O(h^8)."""

    class PdfOnly(Density):
        dim = 2

        def pdf(self, x):
            return Gaussian([0.1, -0.2], 0.7).pdf(x)

    g = Grid([-3, -3], [3, 3], 24)
    exact = g.cell_averages(Gaussian([0.1, -0.2], 0.7))
    np.testing.assert_allclose(g.cell_averages(PdfOnly()), exact, atol=1e-7)


def test_for_density_holds_mass_and_check_names_the_loss():
    g = Grid.for_density([Gaussian(0.0, 1.0), Gaussian(2.0, 0.5)], 50, tol=1e-10)
    assert g.outside_mass(Gaussian(0.0, 1.0)) <= 1e-10 + 1e-15  # 1 − P(inside): eps round-off
    small = Grid(-1.0, 1.0, 10)
    with pytest.raises(ValueError, match=r"mass 3\.17\de-01 outside"):
        small.check_holds(Gaussian(0.0, 1.0))
    assert Grid.for_density(Uniform(0, 2), 8).outside_mass(Uniform(0, 2)) == 0


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0.0, 0.0, 4), "must exceed"),
        ((0.0, 1.0, 1), "at least 2"),
        (([0, 0, 0, 0], [1, 1, 1, 1], 4), "length 1, 2 or 3"),
        ((0.0, 1.0, 2.5), "integer"),
        # h = 2e308 / 4 overflows to inf
        ((-1e308, 1e308, 4), "finite width"),
        # one ulp split in 4: the edges coincide
        ((1.0, float(np.nextafter(1.0, 2.0)), 4), "at least 1e-12 of the largest"),
        # widths 5e-121 are fine alone, their product underflows to 0
        (([0, 0, 0], [1e-120] * 3, 2), "volume above 0"),
    ],
)
def test_bad_grids(args, match):
    with pytest.raises(ValueError, match=match):
        Grid(*args)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"tol": "x"}, ValueError, r"tol='x' must be a probability in the open interval"),
        ({"tol": 2.0}, ValueError, r"tol=2\.0 must be a probability"),
        ({"pad": "x"}, ValueError, r"pad='x' must be a real number"),
        ({"pad": -1}, ValueError, r"pad=-1\.0 must be finite and >= 0"),
        ({"pad": np.inf}, ValueError, r"pad=inf must be finite and >= 0"),
        ({"density": "A5"}, TypeError, r"density='A5' must be a Density or a list of them"),
    ],
)
def test_for_density_names_a_bad_argument(kwargs, error, match):
    args = {"density": Gaussian(0.0, 1.0), "n": 16, **kwargs}
    with pytest.raises(error, match=match):
        Grid.for_density(**args)
