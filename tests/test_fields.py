"""pdecheck.fields: the field protocol (KernelField, field_kernel, evaluate)."""

from __future__ import annotations

import numpy as np
import pytest

from pdecheck.fields import compiled_form, evaluate, field_kernel


@field_kernel(dim=2, params=(2.0,), steady=True)
def scaled_rotation(t, x, params, out):
    out[0] = -params[0] * x[1]
    out[1] = params[0] * x[0]


def test_kernel_field_evaluates_rows_and_carries_steady() -> None:
    """f(x) = 2(−x₂, x₁) row by row; the compiled form says the field ignores t."""
    x = np.array([[1.0, 0.0], [0.5, -2.0]])
    expected = 2.0 * np.column_stack([-x[:, 1], x[:, 0]])
    assert np.array_equal(scaled_rotation(0.3, x), expected)
    form = compiled_form(scaled_rotation)
    assert form is not None
    assert form.steady and form.dim == 2 and np.array_equal(form.params, [2.0])


def test_field_kernel_defaults_to_time_dependent() -> None:
    @field_kernel(dim=1)
    def drift(t, x, params, out):
        out[0] = t * x[0]

    form = compiled_form(drift)
    assert form is not None and not form.steady
    assert np.array_equal(drift(2.0, np.array([[3.0]])), [[6.0]])


def test_bad_arguments_name_themselves() -> None:
    with pytest.raises(TypeError, match="steady=1"):
        field_kernel(dim=1, steady=1)(lambda t, x, params, out: None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dim=0"):
        field_kernel(dim=0)(lambda t, x, params, out: None)


def test_evaluate_checks_the_shape() -> None:
    with pytest.raises(ValueError, match=r"shape \(3,\) for x of shape \(3, 2\)"):
        evaluate(lambda t, x: x[:, 0], 0.0, np.zeros((3, 2)))
    assert evaluate(lambda t, x: x[:, 0], 0.0, np.ones((3, 1))).shape == (3, 1)


def test_evaluate_names_a_field_with_the_wrong_signature_or_values() -> None:
    """A field that cannot be called as f(t, x), or returns no numbers, is named with the
    rule; a TypeError raised inside a field's own body passes through unchanged."""
    x = np.zeros((3, 1))
    with pytest.raises(TypeError, match=r"drift=.* must be callable as f\(t, x\)"):
        evaluate(lambda x: x, 0.0, x, name="drift")
    with pytest.raises(ValueError, match=r"field returned 'a' at t=0\.5; the rule is an array"):
        evaluate(lambda t, x: "a", 0.5, x)

    def broken(t, x):
        return x + None

    with pytest.raises(TypeError, match="unsupported operand"):
        evaluate(broken, 0.0, x)


def test_evaluate_refuses_complex_values_and_writes_into_x() -> None:
    """NumPy would drop imaginary parts with only a warning, and a field writing into x would
    change the caller's cached points: both raise, naming the field."""
    x = np.linspace(-1.0, 1.0, 5).reshape(-1, 1)
    before = x.copy()
    with pytest.raises(TypeError, match=r"field returned .*j.* the rule is an array of real"):
        evaluate(lambda t, x: 1j * x, 0.0, x)

    def doubling(t, x):
        x *= 2.0
        return x

    with pytest.raises(ValueError, match=r"drift=.* writes into its argument x at t=0\.0"):
        evaluate(doubling, 0.0, x, name="drift")
    np.testing.assert_array_equal(x, before)
    # returning x itself is fine, and the caller gets an array it may change
    out = evaluate(lambda t, x: x, 0.0, x)
    out += 1.0
    np.testing.assert_array_equal(x, before)


def test_a_kernel_with_the_wrong_parameters_is_refused_when_declared() -> None:
    """The rule kernel(t, x, params, out) is checked at decoration, before any compile."""

    def three(t, x, out):
        out[0] = 1.0

    with pytest.raises(TypeError, match=r"'three' has the signature \(t, x, out\); the rule"):
        field_kernel(dim=1)(three)
    with pytest.raises(TypeError, match="kernel=3 is not callable"):
        field_kernel(dim=1)(3)


def test_a_kernel_numba_cannot_compile_raises_a_type_error_naming_it() -> None:
    """No raw Numba traceback: the error names the kernel, the types it is compiled for and
    Numba's cause, without terminal colour codes."""

    @field_kernel(dim=2, params=[1.0])
    def writes_text(t, x, params, out):
        out[0] = "a"

    with pytest.raises(TypeError, match=r"'writes_text' does not compile") as caught:
        writes_text.compiled()
    message = str(caught.value)
    assert "float64[2], params: float64[1]" in message and "setitem" in message
    assert "\x1b[" not in message and caught.value.__cause__ is None


# Numba prints the kernel's ZeroDivisionError as an unraisable exception: expected here
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_kernel_that_raises_leaves_nan_which_the_solver_reports() -> None:
    # a cfunc cannot pass an exception on: Numba prints it and returns, and the wrapper's NaN
    # in out makes the grid solver stop with its non-finite error instead of reading garbage
    import pdecheck as pc
    from pdecheck.grid import Grid, solve_continuity

    @field_kernel(dim=1)
    def inverse(t, x, params, out):
        out[0] = 1.0 / x[0]  # ZeroDivisionError at the face x = 0

    assert np.isnan(inverse(0.0, [[0.0]])).all()
    with pytest.raises(ValueError, match="non-finite"):
        solve_continuity(inverse, pc.Gaussian(0.0, 1.0), Grid(-8.0, 8.0, 64), (0.0, 1.0))


def test_calling_a_kernel_field_checks_t_and_the_shape_of_x():
    """Two 3-D points were read as three 2-D ones ((2, 3) reshaped to (3, 2)) and t = nan went
    into the kernel: both are refused by name; a right call still rotates."""

    @field_kernel(dim=2)
    def rotation(t, x, params, out):
        out[0] = -x[1]
        out[1] = x[0]

    np.testing.assert_array_equal(rotation(0.0, np.array([[1.0, 2.0]])), [[-2.0, 1.0]])
    with pytest.raises(ValueError, match=r"x has shape \(2, 3\); it must be \(n, 2\)"):
        rotation(0.0, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"t=nan .* must be finite"):
        rotation(float("nan"), np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"t='a' must be a real number"):
        rotation("a", np.ones((1, 2)))
