"""verify_transport: the seed's worked example (issue 6 item 7), reports, and bad input (item 8)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

import pdecheck as pc

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _quiet(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return pc.verify_transport(*args, **kw)


@pytest.fixture(scope="module")
def seed_example():
    """CATALOGUE A5: prior U[0, 2], data {0.5, 0.5, 1.2, 1.7}, x_t = (1 − t) x_0 + t x_1, run
    from the prior at t = 1 down to t = 10⁻³."""
    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Uniform(0.0, 2.0))
    data = pc.PointMixture([0.5, 0.5, 1.2, 1.7])
    return _quiet(path, data, t_span=(1.0, 1e-3))


def test_seed_example_passes(seed_example):
    v = seed_example
    assert v.passed, v.summary()
    methods = {c.method for c in v.checks}
    assert {
        "particles vs exact",
        "grid vs exact",
        "grid vs particles",
        "particles vs data",
    } <= methods


def test_seed_example_reports_the_zero_density_gaps(seed_example):
    """Gaps close at t = 0.2 (between the 1.2- and 1.7-boxes, width 0.5 − 2.5t) and t = 7/27
    (between the 0.5- and 1.2-boxes, width 0.7 − 2.7t). The probe lattice has spacing
    2.4/2000 = 1.2e-3 on the box, so a gap is seen until its width drops below that: the
    closing times are found to within 1.2e-3/2.5 < 1e-3."""
    gaps = sorted((f.t, f.value) for f in seed_example.flags if f.code == "undefined-field")
    assert len(gaps) == 2
    (t1, before1), (t2, before2) = gaps
    assert abs(t1 - 0.2) < 1e-3 and before1 == 2
    assert abs(t2 - 7 / 27) < 1e-3 and before2 == 1


def test_seed_example_particles_end_at_the_data_in_proportion(seed_example):
    """Particles from U[0, 2] at t = 1 end next to 0.5, 1.2, 1.7 in shares ½, ¼, ¼ within the
    Hoeffding interval of the check (false-alarm rate α/m)."""
    (check,) = [c for c in seed_example.checks if c.method == "particles vs data"]
    assert check.passed and check.t == pytest.approx(1e-3)
    assert check.threshold < 0.1  # the interval is narrow enough to tell ½ from ¼
    assert "0.500" in check.detail and "0.250" in check.detail


def test_report_of_seed_example(seed_example, tmp_path):
    paths = seed_example.write_report(tmp_path)
    data = json.loads(paths["json"].read_text())
    assert data["passed"] is True and any(f["code"] == "undefined-field" for f in data["flags"])
    assert "zero-density gap" in paths["md"].read_text()


def test_user_path_without_marginal_is_checked_at_the_prior():
    """No marginal: the particles and the grid are compared with each other and, at t = T, with
    the declared prior. f = −x scales N(0, 1) to N(0, e^{−2}) at t = 1 (CATALOGUE L4); a prior
    N(0, 0.5²) is then wrong and fails."""
    claim = pc.Claim(
        lambda t, x: -x, data=pc.Gaussian(0.0, 1.0), prior=pc.Gaussian(0.0, math.exp(-1.0))
    )
    v = _quiet(claim, t_span=(0.0, 1.0), n_times=2)
    assert v.passed, v.summary()
    assert {c.method for c in v.checks} == {
        "particles vs exact",
        "grid vs exact",
        "grid vs particles",
    }
    assert {c.t for c in v.checks if c.method != "grid vs particles"} == {1.0}  # only the prior
    wrong = pc.Claim(lambda t, x: -x, data=pc.Gaussian(0.0, 1.0), prior=pc.Gaussian(0.0, 0.5))
    assert not _quiet(wrong, t_span=(0.0, 1.0), n_times=2).passed


# -- bad input (issue 6, item 8) ---------------------------------------------------------------
def _claim(**kw):
    base = {"data": pc.Gaussian(0.0, 1.0), "prior": pc.Gaussian(0.0, 1.0)}
    return pc.Claim(lambda t, x: np.zeros_like(x), **{**base, **kw})


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 2.0, float("nan")])
def test_alpha_outside_unit_interval(alpha):
    with pytest.raises(
        ValueError, match=r"alpha=.* must be a probability in the open interval \(0, 1\)"
    ):
        pc.verify_transport(_claim(), alpha=alpha)


def test_n_too_small_names_the_minimum():
    with pytest.raises(ValueError, match=r"n=10 is too small .* needs n >= \d+"):
        pc.verify_transport(_claim(), n=10)


def test_path_that_is_not_a_path():
    """The claimed marginal at T is N(5, 0.1²) but the prior is N(0, 1): W2 >= 5 > 0.1 + 1."""
    claim = _claim(marginal=lambda t: pc.Gaussian(5.0 * t, 1.0 - 0.9 * t))
    with pytest.raises(ValueError, match="not a path to its prior"):
        pc.verify_transport(claim)


def test_data_outside_the_grid():
    claim = pc.Claim(
        sde=(lambda t, x: np.zeros_like(x), lambda t: 1.0),
        data=pc.PointMixture([0.0, 3.0]),
        prior=pc.Gaussian(1.5, 1.0),
        domain=(-1.0, 1.0),
    )
    with pytest.raises(ValueError, match="outside the grid box"):
        pc.verify_transport(claim)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"t_span": (0.0, 2.0)}, "t_span"),
        ({"t_span": (0.5, 0.5)}, "t_span"),
        ({"methods": ("exact", "magic")}, "methods"),
        ({"n_times": 0}, "n_times"),
        ({"seed": -1}, "seed"),
        ({"grid": 30}, "grid=30"),
    ],
)
def test_bad_arguments(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        pc.verify_transport(_claim(), **kw)


def test_no_density_at_start():
    with pytest.raises(ValueError, match=r"t_span\[0\]=0.5 is not known"):
        pc.verify_transport(_claim(), t_span=(0.5, 1.0))


def _ou_claim(field=None, marginal=None):
    g = pc.Gaussian

    def density(t):
        return g(0.0, np.exp(-t))

    drift = field or (lambda t, x: -x)
    return pc.Claim(drift, data=g(0.0, 1.0), prior=density(1.0), marginal=marginal or density)


def test_a_pdf_only_marginal_cannot_start_a_run():
    """A marginal given as p(t, x) can be compared with but not sampled: starting inside
    (0, T) from it raised a bare NotImplementedError."""

    def pdf(t, x):
        return np.exp(-0.5 * (x[:, 0] * np.exp(t)) ** 2) * np.exp(t) / np.sqrt(2 * np.pi)

    with pytest.raises(ValueError, match=r"t_span\[0\]=0.5 is only as a pdf.*start at 0"):
        pc.verify_transport(_ou_claim(marginal=pdf), t_span=(0.5, 1.0), n=500)


def test_a_field_of_the_wrong_shape_and_a_grid_of_the_wrong_dimension_are_named():
    wrong_shape = r"field returned shape \(\) .*the rule is f\(t, x\) of shape"
    with pytest.raises(ValueError, match=wrong_shape):
        pc.verify_transport(_ou_claim(field=lambda t, x: 1.0), n=500)
    grid = pc.grid.Grid(np.array([-3.0, -3.0]), np.array([3.0, 3.0]), 16)
    with pytest.raises(ValueError, match=r"grid=.* has dim=2; the rule is the claim's dim=1"):
        pc.verify_transport(_ou_claim(), methods=("exact", "grid"), grid=grid)


# -- the Poisson field with z as time (issue 6, item 6; CATALOGUE P1–P5) -------------------------
def _poisson_claim(data, velocity, box, pdf_only=False):
    pf = pc.PoissonField(data)
    marginal = (lambda z, x: pf.hyperplane_density(z).pdf(x)) if pdf_only else pf.hyperplane_density
    return pc.Claim(
        velocity or pf.velocity,
        data=data,
        prior=pf.hyperplane_density(1.0),
        marginal=marginal,
        T=1.0,
        domain=box,
    )


def test_poisson_field_1d_carries_the_data_and_reports_the_tails():
    """dx/dz = E_x/E_z transports p_z = Σ w_i Cauchy(y_i, z) (P1, P2) from z = 1 down to 0.05;
    the Cauchy tails beyond the box [−30, 30] are reported (P3: about (2/π) z/R of the mass)."""
    data = pc.PointMixture([-1.0, 0.5, 1.0], [0.5, 0.25, 0.25])
    v = _quiet(_poisson_claim(data, None, (-30.0, 30.0)), t_span=(1.0, 0.05))
    assert v.passed, v.summary()
    tails = [f for f in v.flags if f.code == "tail-mass"]
    assert tails and all(0 < f.value < 0.05 for f in tails)
    assert {"particles vs exact", "grid vs exact", "grid vs particles", "particles vs data"} <= {
        c.method for c in v.checks
    }


def test_poisson_field_1d_wrong_velocity_fails():
    data = pc.PointMixture([-1.0, 0.5, 1.0], [0.5, 0.25, 0.25])
    pf = pc.PoissonField(data)

    def too_fast(z, x):
        return 1.5 * pf.velocity(z, x)

    v = _quiet(_poisson_claim(data, too_fast, (-30.0, 30.0)), t_span=(1.0, 0.05))
    assert not v.passed and v.failed


def test_poisson_field_2d():
    """d = 2: the marginal is given as a pdf (the 2-D Cauchy has no closed-form box mass), so
    the comparisons are binned L1 with the cubature error as budget."""
    data = pc.PointMixture([[-1.0, 0.0], [1.0, 0.5]], [0.5, 0.5])
    claim = _poisson_claim(data, None, ([-8.0, -8.0], [8.0, 8.0]), pdf_only=True)
    v = _quiet(claim, t_span=(1.0, 0.25), n_times=2, grid=64)
    assert v.passed, v.summary()
    assert {"particles vs exact", "grid vs exact", "grid vs particles"} <= {
        c.method for c in v.checks
    }
    assert any(f.code == "tail-mass" for f in v.flags)


@pytest.mark.parametrize("case_id", ["A4", "F2", "M1", "P3"])
def test_built_in_cases_pass(case_id):
    """Built-in cases are consistent claims over their own span: Gaussian-mixture data on a
    cosine path (A4), the reverse SDE (F2), a periodic torus (M1: particles wrapped, explicit
    Fokker–Planck steps) and a 2-D point charge whose Cauchy marginal has only a pdf (P3)."""
    v = _quiet(case_id)
    assert v.passed, v.summary()
    assert v.subject == f"case {case_id}"


def test_pdecheck_sde_object_with_data():
    """A pdecheck linear SDE is a consistent claim: its closed-form marginal N(a_t m, a_t² V + b_t²)
    is what grid and particles produce (CATALOGUE S1)."""
    from pdecheck.sde import OU

    v = _quiet(OU(), pc.GaussianMixture([-1.0, 1.0], 0.3))
    assert v.passed, v.summary()
    assert not [f for f in v.flags if f.code == "tail-mass"]  # 1e-16 of tail mass is not news


def test_verdict_false_alarm_rate_is_at_most_alpha():
    """A correct claim (f = −x carries N(0, 1) to N(0, e^{−2t}), CATALOGUE L4) verified with 100
    seeds at α = 0.2, particles only (n = 300; two checks at α/2 each, Bonferroni): a correct
    claim fails with probability <= α, so the number of failed verdicts is stochastically below
    Bin(100, 0.2); exceeding its 0.999 quantile has probability < 1e-3."""
    from scipy import stats

    claim = pc.Claim(
        lambda t, x: -x,
        data=pc.Gaussian(0.0, 1.0),
        prior=pc.Gaussian(0.0, math.exp(-1.0)),
        marginal=lambda t: pc.Gaussian(0.0, math.exp(-t)),
    )
    kw = {"methods": ("exact", "particles"), "alpha": 0.2, "n": 300, "n_times": 2}
    alarms = sum(not _quiet(claim, seed=s, **kw).passed for s in range(100))
    assert alarms <= stats.binom.ppf(0.999, 100, 0.2)
    # the same machinery rejects a prior that is 15 % too wide every time
    wrong = pc.Claim(
        lambda t, x: -x,
        data=pc.Gaussian(0.0, 1.0),
        prior=pc.Gaussian(0.0, 1.15 * math.exp(-1.0)),
        marginal=lambda t: pc.Gaussian(0.0, 1.15**t * math.exp(-t)),
    )
    assert sum(not _quiet(wrong, seed=s, **{**kw, "n": 3000}).passed for s in range(5)) == 5


def test_a_bad_grid_is_refused_before_the_particles_run(monkeypatch):
    from pdecheck.verify import _checks

    def ran(*args, **kwargs):
        raise AssertionError("the particles ran before grid was checked")

    monkeypatch.setattr(_checks, "particles", ran)
    with pytest.raises(ValueError, match=r"grid=10 must give a number of cells per axis >= 8"):
        pc.verify_transport("L6", grid=10)


def _blowing_up(dim: int, threshold: float) -> pc.Claim:
    """dx/dt = −x from N(0, I) with the claimed marginals N(0, e^{−2t} I), except that the field
    is 10³(1 + x²) where every coordinate exceeds ``threshold``: those particles blow up (like
    tan(10³t)) long before t = 1; the field itself is finite everywhere, so no undefined region
    is found."""
    zero, one = np.zeros(dim), np.ones(dim)

    def field(t, x):
        return np.where(np.all(x > threshold, axis=1, keepdims=True), 1e3 * (1.0 + x**2), -x)

    return pc.Claim(
        field,
        data=pc.Gaussian(zero, one),
        prior=pc.Gaussian(zero, math.exp(-1.0) * one),
        marginal=lambda t: pc.Gaussian(zero, math.exp(-t) * one),
    )


def test_nonfinite_particles_fail_the_verdict_with_count_and_share():
    """17 % of the particles (those above 0.95) blow up. The finite ones still meet their KS
    checks (the share left out is in the budget), but the verdict fails on the error flag, which
    the summary and the JSON show with the count and the share. Seed 0 (the default): each
    verdict's checks have a false-alarm rate of at most α = 1e-3."""
    kw = {"methods": ("exact", "particles"), "n": 1000, "n_times": 1}
    v = _quiet(_blowing_up(1, 0.95), **kw)
    (flag,) = [f for f in v.flags if f.code == "nonfinite"]
    share = v.info["particles"]["nonfinite_share"]
    assert 0.12 < share < 0.22 and flag.value == v.info["particles"]["nonfinite"] == 1000 * share
    assert flag.severity == "error" and not v.passed and v.checks and not v.failed
    assert f"{share:.1%}" in flag.message and "[error] nonfinite" in v.summary()
    d = json.loads(json.dumps(v.to_dict(), allow_nan=False))
    assert d["passed"] is False and d["flags"][0]["severity"] == "error"
    assert _quiet(_blowing_up(1, 50.0), **kw).passed  # no particle above 50: the claim holds


@pytest.mark.parametrize("dim", [1, 2])
def test_all_particles_nonfinite_is_a_failed_verdict_saying_so(dim):
    v = _quiet(_blowing_up(dim, -np.inf), methods=("exact", "particles"), n=200, n_times=1)
    assert not v.passed and not v.checks
    (flag,) = [f for f in v.flags if f.code == "nonfinite"]
    assert flag.severity == "error" and "all 200 particles met NaN/inf" in flag.message
    assert not [f for f in v.flags if f.code == "untestable"]


def test_nonfinite_particles_where_the_field_is_undefined_are_reported_only(seed_example):
    """The seed example's field is 0/0 in the zero-density gaps (flag undefined-field): the
    particles whose Runge–Kutta stages step into a gap are a warning, not a failure."""
    (flag,) = [f for f in seed_example.flags if f.code == "nonfinite"]
    assert flag.severity == "warning" and "undefined" in flag.message
    assert seed_example.passed


def test_a_field_too_fast_for_the_grid_skips_it_with_a_flag_instead_of_running_for_hours():
    """The blowing-up field moves at up to 10³(1 + x²) ≈ 6.5e4 in a box of width ≈ 16: the MUSCL
    step at C = ½ on 256 cells is ≈ 5e-7, some 2e6 Python steps (tens of minutes). The grid
    method is skipped with the projected count; with no other method the verdict has no check
    and fails."""
    v = _quiet(_blowing_up(1, 0.95), methods=("exact", "grid"), n_times=1)
    (flag,) = [f for f in v.flags if f.code == "grid-skipped"]
    assert flag.value > 2e5 and "too fast for the box" in flag.message
    assert not v.checks and not v.passed


def test_a_2d_run_towards_the_data_that_stops_early_is_not_held_to_the_weights():
    """Cosine path, prior N(0, I), data 0.8 δ(−½, 0) + 0.2 δ(½, 0), run from t = 1 to t = 0.4.
    The share of p_0.4 nearest to the second point is 0.8 Φ̄(½α/σ) + 0.2 Φ(½α/σ) ≈ 0.347
    (α = cos 0.2π, σ = sin 0.2π), not its weight 0.2: the weights are the shares only at t = 0,
    and in d >= 2 the Voronoi masses of p_t have no closed form, so no share check is made (a
    correct path failed it with 0.652 against 0.800). The run is still checked against the
    exact p_t at every time."""
    path = pc.AffinePath(pc.schedules.Cosine(), prior=pc.Gaussian(np.zeros(2), np.ones(2)))
    data = pc.PointMixture([[-0.5, 0.0], [0.5, 0.0]], [0.8, 0.2])
    v = _quiet(path, data, t_span=(1.0, 0.4), methods=("exact", "particles"), n=4000)
    assert v.passed, v.summary()
    assert not any(c.method == "particles vs data" for c in v.checks)
    assert sum(c.method == "particles vs exact" for c in v.checks) >= 4


def test_expected_shares_are_the_weights_at_0_and_the_marginal_masses_in_1d():
    """1-D, Linear path, prior N(0, 1), data 0.3 δ(−1) + 0.7 δ(1): p_t = 0.3 N(−(1−t), t²) +
    0.7 N(1−t, t²), so the share of x > 0 is 0.3 Φ(−(1−t)/t) + 0.7 Φ((1−t)/t) (closed form); at
    t = 0 the shares are the weights; in 2-D at t > 0 they are unknown (None)."""
    from scipy.stats import norm

    from pdecheck.verify._shares import expected_shares
    from pdecheck.verify.claim import as_claim

    path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(0.0, 1.0))
    claim = as_claim(path, pc.PointMixture([-1.0, 1.0], [0.3, 0.7]))
    np.testing.assert_array_equal(expected_shares(claim, 0.0), [0.3, 0.7])
    t = 0.6
    right = 0.3 * norm.cdf(-(1 - t) / t) + 0.7 * norm.cdf((1 - t) / t)
    np.testing.assert_allclose(expected_shares(claim, t), [1 - right, right], rtol=1e-12)
    path2 = pc.AffinePath(pc.schedules.Linear(), prior=pc.Gaussian(np.zeros(2), 1.0))
    claim2 = as_claim(path2, pc.PointMixture([[-1.0, 0.0], [1.0, 0.0]]))
    assert expected_shares(claim2, t) is None
    np.testing.assert_array_equal(expected_shares(claim2, 0.0), [0.5, 0.5])


def test_unresolved_particle_steps_are_flagged_not_silently_passed():
    """A field f = −x + 6 sin 8x (Lipschitz ~50) with 8 steps: the coupled runs h, h/2 differ by
    so much that the step-size budget is ~90 % of the KS threshold, and a field that does not
    carry N(0, e^{−2t}) passed with no flag. Now each such check carries a 'step-bias' warning
    (STEP_BIAS_SHARE); the resolved OU field −x (budget ~1 % of the threshold) carries none."""
    from pdecheck.verify._checks import STEP_BIAS_SHARE

    g = pc.Gaussian

    def marginal(t):
        return g(0.0, np.exp(-t))

    def wrong(t, x):
        return -x + 6 * np.sin(8 * x)

    fast = pc.Claim(wrong, data=g(0.0, 1.0), prior=marginal(1.0), marginal=marginal)
    v = _quiet(fast, n=2000, methods=("exact", "particles"), steps=8)
    flagged = [f for f in v.flags if f.code == "step-bias"]
    assert len(flagged) == len(v.checks) == 4
    for f, c in zip(flagged, v.checks, strict=True):
        assert f.value == c.budget > STEP_BIAS_SHARE * c.threshold and f.t == c.t
        assert "raise steps" in f.message
    ou = pc.Claim(lambda t, x: -x, data=g(0.0, 1.0), prior=marginal(1.0), marginal=marginal)
    v = _quiet(ou, n=2000, methods=("exact", "particles"))
    assert v.passed and not any(f.code == "step-bias" for f in v.flags)
