"""convergence_study / Study: the Poisson study end to end, executors, table, JSON, plot."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from pdecheck.convergence import Study, check_order, convergence_study

from .poisson import poisson_midpoint

NS = [8, 16, 32, 64, 128]


def poisson_runner(n):
    f = poisson_midpoint(int(n))
    return {"error": abs(f - 1.0), "wall_time": 1e-3 * n, "functional": f}


def test_poisson_study_order_richardson_and_table():
    """Nominal order 2 accepted, OLS order 2.00248 (STATISTICS.md §4), Richardson on the
    functional extrapolates to 1 within the GCI band."""
    study = convergence_study(poisson_runner, "n", NS[::-1], nominal=2.0)
    assert isinstance(study, Study) and study.passed
    np.testing.assert_allclose(study.h, 1.0 / np.array(NS))  # sorted coarse to fine
    assert study.observed_order == pytest.approx(2.00248, abs=1e-5)
    assert study.ci[0] < 2.0 < study.ci[1]
    assert abs(study.richardson.extrapolated - 1.0) < study.richardson.gci_fine
    table = study.table()
    assert table.count("\n| ") == len(NS) and "PASS" in table and "Richardson" in table
    data = json.loads(json.dumps(study.to_dict()))
    assert data["passed"] is True and len(data["local_orders"]) == len(NS) - 1
    wall, _ = study.work_precision
    np.testing.assert_allclose(wall, 1e-3 * np.array(NS))


def test_a_wrong_nominal_order_fails():
    study = convergence_study(lambda n: (1.0 / n, 0.0), "n", [16, 32, 64, 128, 256], nominal=2.0)
    assert study.passed is False and "FAIL" in study.table()


def test_executor_gives_the_serial_result():
    serial = convergence_study(poisson_runner, "n", NS, nominal=2.0)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parallel = convergence_study(poisson_runner, "n", NS, nominal=2.0, executor=pool)
    assert serial.to_dict() == parallel.to_dict()


def test_step_parameter_and_custom_step():
    dt = [0.1, 0.05, 0.025, 0.0125]
    by_value = convergence_study(lambda v: (3 * v**1.5, 0.0), "dt", dt, nominal=1.5)
    assert by_value.observed_order == pytest.approx(1.5, rel=1e-12) and by_value.passed
    levels = [1, 2, 4, 8]
    custom = convergence_study(lambda v: (v**-2.0, 0.0), "level", levels, step=lambda v: 1 / v)
    assert custom.observed_order == pytest.approx(2.0, rel=1e-12) and custom.passed is None


def test_plot_has_labels_legend_and_slope_line():
    import matplotlib

    matplotlib.use("Agg")
    study = convergence_study(poisson_runner, "n", NS, nominal=2.0)
    ax = study.plot()
    assert ax.get_xlabel().startswith("h") and ax.get_ylabel() == "error"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("slope 2.00" in s for s in labels) and any("order 2" in s for s in labels)
    ax2 = study.plot_work_precision(label="FD2")
    assert ax2.get_xlabel() == "wall time [s]"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_bad_runner_output():
    with pytest.raises(TypeError, match="error, wall_time"):
        convergence_study(lambda n: 1.0, "n", [1, 2, 4])
    with pytest.raises(ValueError, match="missing"):
        convergence_study(lambda n: {"error": 1.0}, "n", [1, 2, 4])
    with pytest.raises(ValueError, match="non-positive"):
        convergence_study(lambda n: (0.0, 0.0), "n", [1, 2, 4])
    with pytest.raises(ValueError, match="at least 3"):
        convergence_study(lambda n: (1.0 / n, 0.0), "n", [1, 2])
    with pytest.raises(TypeError, match="callable"):
        convergence_study(None, "n", [1, 2, 4])


def test_a_count_parameter_takes_whole_numbers_before_any_run():
    """h = 1/n for a count: n = 16.7 cells is no level (a runner would solve on 16 and the fit
    use 1/16.7), so it is refused by name before the runner is called; dt is not a count."""
    calls = []

    def runner(v):
        calls.append(v)
        return (1.0 / v, 0.0)

    with pytest.raises(ValueError, match=r"values=.*not whole numbers.*parameter='n', a count"):
        convergence_study(runner, "n", [16.7, 33.3, 66.6])
    assert calls == []
    study = convergence_study(runner, "dt", [0.4, 0.2, 0.1])
    assert study.values.tolist() == [0.4, 0.2, 0.1]


def test_a_constant_functional_keeps_the_study():
    """A conserved functional (the mass) is the same on every grid: it gives no Richardson
    estimate (eps21 = eps32 = 0), which the study notes while still checking the order of the
    errors e = 1/n² (nominal 2)."""
    study = convergence_study(
        lambda n: {"error": 1 / n**2, "wall_time": 0.1, "functional": 1.0},
        "n",
        [10, 20, 40, 80],
        nominal=2,
    )
    assert study.richardson is None and "agree exactly" in study.richardson_note
    assert study.verdict == "pass" and study.observed_order == pytest.approx(2.0)
    table = study.table()
    assert "Richardson on the functional not computed" in table and "extrapolated" not in table
    data = json.loads(json.dumps(study.to_dict()))
    assert data["richardson"] is None and "agree exactly" in data["richardson_note"]


def test_a_diverging_functional_shows_no_extrapolated_value():
    """f = 1 + n/160 at n = 10 … 80 moves away from any limit: on the three finest levels
    |f2 − f1| = 0.25 > |f3 − f2| = 0.125 with ratio 2, so no positive order exists (the
    absolute value in Celik's fixed point would report p = 1 and an extrapolated value)."""
    study = convergence_study(
        lambda n: {"error": 1 / n**2, "wall_time": 0.1, "functional": 1 + n / 160},
        "n",
        [10, 20, 40, 80],
        nominal=2,
    )
    assert study.richardson is None and "not converging" in study.richardson_note
    table = study.table()
    assert "not converging" in table and "extrapolated" not in table
    assert study.to_dict()["richardson"] is None


def test_a_non_finite_functional_is_an_error():
    with pytest.raises(ValueError, match=r"functionals=.*non-finite"):
        convergence_study(
            lambda n: {"error": 1 / n**2, "wall_time": 0.1, "functional": float("nan")},
            "n",
            [10, 20, 40],
        )


def test_nominal_must_be_a_number_before_any_run():
    """nominal="2" is a slip, not an order: TypeError naming it, and no level is solved."""
    calls = []

    def runner(n):
        calls.append(n)
        return 1 / n**2, 0.0

    with pytest.raises(TypeError, match="nominal='2' must be a real number"):
        convergence_study(runner, "n", [10, 20, 40, 80], nominal="2")
    assert calls == []
    with pytest.raises(TypeError, match="nominal='2'"):
        Study("n", *(np.array([0.1, 0.05, 0.025]),) * 3, np.zeros(3), nominal="2")
    with pytest.raises(TypeError, match="nominal='2'"):
        check_order([0.1, 0.05, 0.025, 0.0125], [1e-2, 2.5e-3, 6.25e-4, 1.5625e-4], "2")
