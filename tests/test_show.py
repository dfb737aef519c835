"""pdecheck._show: ``pdecheck show`` evaluates a closed-form case at a few times."""

from __future__ import annotations

import numpy as np
import pytest

from pdecheck.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_show_a5_evaluates_the_seed_example(capsys):
    assert main(["show", "A5", "--times", "1.0", "0.1"]) == 0
    out = capsys.readouterr().out
    # at t = 1, p_1 = U[0, 2]: density 1/2, F(x) = x/2, f(x) = x − 0.975 (CATALOGUE A5)
    assert "0.25000     0.50000000    -0.72500000     0.12500000" in out
    assert "undefined" in out  # t = 0.1 has support gaps
    assert out.count("mass in the box: 1.000000000000") == 2


def test_show_gives_the_mass_of_a_narrow_mixture_peak(capsys):
    """S3 near t = 0 is a peak of width ~0.01 in a box of width ~650: quadrature between the
    box edges alone misses it; the mass in the box is 1 (the box is sized to hold it)."""
    assert main(["show", "S3", "--times", "0.01", "0.1"]) == 0
    assert capsys.readouterr().out.count("mass in the box: 1.000000000000") == 2


def test_show_handles_heavy_tails_and_refuses_no_points(capsys):
    """P1's marginals are Poisson-kernel mixtures: Cauchy tails, no mean to print."""
    assert main(["show", "P1", "--times", "0.5"]) == 0
    assert "mean undefined (heavy tails)" in capsys.readouterr().out
    assert main(["show", "A5", "--points", "0"]) == 2
    assert "--points=0 must be a positive integer" in capsys.readouterr().err


def test_show_summarises_a_density_without_closed_form_moments_by_monte_carlo(capsys):
    """G2's marginal is N(0, I) labels pushed through x = e^{t/2} y_1, then y = y_2 + t x² −
    x sin t (CATALOGUE G2): E x = 0 and E y = t e^t E y_1² = t e^t, with no closed form in the
    code. The printed Monte Carlo mean must agree within 4 of its printed standard errors
    (false-alarm rate 6e-5 per coordinate; the seed is fixed, so the run is deterministic)."""
    t = 0.5
    assert main(["show", "G2", "--times", str(t)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert "Monte Carlo: no closed-form moments; N=100000" in line
    numbers = line.replace("[", " ").replace("]", " ").replace(",", " ").split()
    mean = [float(v) for v in numbers[1:3]]
    se = [float(v) for v in numbers[4:6]]
    exact = [0.0, t * np.exp(t)]
    assert all(abs(m - e) < 4 * s for m, e, s in zip(mean, exact, se, strict=True))


@pytest.mark.parametrize(
    "value, rule",
    [
        ("5", "the rule is 0 <= t <= T = 1"),
        ("-1", "the rule is 0 <= t <= T = 1"),
        ("nan", "must be a finite time"),
        ("inf", "must be a finite time"),
        ("0", "atomic there"),  # the data: point masses, no pdf
    ],
)
def test_show_refuses_times_where_the_case_has_no_density(value, rule, capsys):
    """A5's path runs over [0, 1] from point masses at t = 0; its t_span is [0.05, 1]."""
    assert main(["show", "A5", "--times", "1.0", value]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"pdecheck: --times={float(value):g}")
    assert rule in captured.err and "t_span [0.05, 1]" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""  # refused before any time was shown
