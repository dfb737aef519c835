"""pdecheck._validate: the argument checks every entry point shares."""

from __future__ import annotations

import numpy as np
import pytest

from pdecheck import Gaussian
from pdecheck._validate import _short, as_floats, as_real, check_real
from pdecheck.grid import Grid, solve_heat


@pytest.mark.parametrize("value", [1.0 + 2.0j, np.complex128(1.0), [1.0, 2.0j], np.ones(3) * 1j])
def test_complex_values_are_refused_not_cast(value) -> None:
    """NumPy casts complex to float with only a ComplexWarning, dropping the imaginary part;
    a real argument given complex values is an error naming it (np.complex128(1.0) too: its
    dtype says the caller computed in complex)."""
    with pytest.raises(TypeError, match=r"^z=.* must be a real number"):
        (as_real if np.ndim(value) == 0 else as_floats)("z", value)


def test_a_solver_names_a_complex_density() -> None:
    grid = Grid(-3.0, 3.0, 30)
    with pytest.raises(TypeError, match=r"p0=.*j.* must be a real number or a \(rectangular\)"):
        solve_heat(0.5, np.full(30, 1.0 + 0.5j), grid, (0.0, 1.0))
    with pytest.raises(TypeError, match=r"x=.* must be a real number"):
        Gaussian(0.0, 1.0).pdf(np.array([1.0 + 1.0j]))


def test_short_is_one_line() -> None:
    assert "\n" not in _short(np.zeros((5, 2)))


@pytest.mark.parametrize("value", [2, 2.5, np.float64(2.5), np.int64(3)])
def test_check_real_takes_numbers(value) -> None:
    assert check_real("order", value) == float(value)


@pytest.mark.parametrize(
    ("value", "kind"), [("2", "str"), (None, "NoneType"), (True, "bool"), ([2.0], "list")]
)
def test_check_real_refuses_what_is_not_a_number_naming_it(value, kind) -> None:
    with pytest.raises(TypeError, match=rf"order=.* must be a real number .*not {kind}"):
        check_real("order", value)
