"""The ``pdecheck`` command: the README's main job works, unknown cases exit 2."""

from __future__ import annotations

from pdecheck.cli import main


def test_list_prints_every_case(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for case_id in ("H1", "A5", "G2", "L4", "M1"):
        assert f"\n{case_id} " in out


def test_show_a5_evaluates_the_seed_example(capsys):
    assert main(["show", "A5", "--times", "1.0", "0.1"]) == 0
    out = capsys.readouterr().out
    # at t = 1, p_1 = U[0, 2]: density 1/2, F(x) = x/2, f(x) = x − 0.975 (CATALOGUE A5)
    assert "0.25000     0.50000000    -0.72500000     0.12500000" in out
    assert "undefined" in out  # t = 0.1 has support gaps
    assert out.count("mass by quadrature: 1.000000000000") == 2


def test_unknown_case_lists_known_ids_and_exits_2(capsys):
    assert main(["show", "Z9"]) == 2
    err = capsys.readouterr().err
    assert "Z9" in err and "A5" in err
