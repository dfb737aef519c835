"""pdecheck.grid.boundaries: boundary specs to (dim, 2) codes, and the messages for bad ones."""

from __future__ import annotations

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.grid import Grid, solve_heat
from pdecheck.grid.boundaries import OUTFLOW, PERIODIC, ZERO_FLUX, boundary_codes


def test_names_dicts_and_pairs_give_codes_per_side() -> None:
    assert boundary_codes("outflow", 2).tolist() == [[OUTFLOW] * 2] * 2
    codes = boundary_codes({1: ("outflow", "zero-flux"), np.int64(0): "periodic"}, 2)
    assert codes.tolist() == [[PERIODIC, PERIODIC], [OUTFLOW, ZERO_FLUX]]
    assert boundary_codes({0: ["zero-flux", "outflow"]}, 1).tolist() == [[ZERO_FLUX, OUTFLOW]]


@pytest.mark.parametrize(
    ("boundary", "error", "message"),
    [
        ("", ValueError, r"boundary='' is not known; the known ones are"),
        (["periodic"], TypeError, r"boundary=\['periodic'\] must be a name or a dict"),
        ({0: 5}, ValueError, r"boundary\[0\]=5 must be a name or a pair \(low, high\)"),
        ({0: None}, ValueError, r"boundary\[0\]=None must be a name or a pair"),
        ({0: ("outflow",)}, ValueError, r"boundary\[0\]=\('outflow',\) must be a name or a pair"),
        ({0: [["outflow"], "outflow"]}, ValueError, r"boundary\[0\]=\['outflow'\] is not known"),
        ({True: "outflow"}, ValueError, r"boundary has axis True; axes are the integers 0\.\.1"),
        ({2: "outflow"}, ValueError, r"boundary has axis 2; axes are the integers 0\.\.1"),
        ({0: ("periodic", "outflow")}, ValueError, r"boundary\[0\]: periodic on one side only"),
    ],
)
def test_a_bad_spec_is_named_with_the_rule(boundary, error, message) -> None:
    with pytest.raises(error, match=message):
        boundary_codes(boundary, 2)


def test_an_empty_name_is_not_taken_for_the_default() -> None:
    grid = Grid(-8.0, 8.0, 32)
    with pytest.raises(ValueError, match="boundary='' is not known"):
        solve_heat(1.0, pc.Gaussian(0.0, 1.0), grid, (0.0, 0.1), boundary="")
