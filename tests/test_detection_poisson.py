"""Detection (issue 9 item 5): the Poisson field needs its extra dimension (seed
score-sde-and-poisson-flow §7.3–7.4).

Data: k = 100 charges drawn uniformly over the unit disc, so |y|² ~ U(0, 1). Particles start
from a law at the far end and follow field lines back; the statistic is the KS distance of
the landed radii from the charges' radius law F_data(r) = Σ w_i 1{|y_i| <= r}.

- With z (PFGM): start from the exact p_{z_max} (P1) and integrate dx/dz = E_x/E_z (P2) from
  z_max = 20 down to z_min = 1e-4 by RK4 in log z. P2 carries p_{z_max} to p_{z_min} exactly, and
  a draw of p_{z_min} lies within δ of its charge except with probability
  P(|X − y| > δ) = tail(δ) of the 2-D Poisson kernel (P3). So the KS distance is at most
  DKW(n, α) + tail(δ) + ω(δ), ω(δ) = sup_r F_data(r + δ) − F_data(r − δ) (a radius moved by
  <= δ moves the CDF by at most that), δ widened by the RK4 error (checked: halving the step
  moves no landed point by 1e-4 or more).
- Without z (field in R² with exponent 2): the flow dx/dt = −E from the uniform law on a circle
  of radius R (§7.2: far away the field is that of a unit charge at the centre) for the time
  the forward flow takes to carry the centre of mass out to R. Inside a uniform disc Gauss's
  law gives E = x/(2π), so every line runs radially toward the centre and stops where the
  time runs out: in the continuum all radii would land on the ring r = e^{−1/4} ≈ 0.78; the
  discrete charges capture part of the lines on the way, so the landed radii crowd into
  [0.6, 1] (quartiles printed) instead of spreading as |y|² ~ U(0, 1): KS distance 0.25
  against the same threshold 0.16 (which the run with z meets at 0.03).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import stats

import pdecheck as pc
from pdecheck.densities import PoissonKernel

ALPHA = 1e-3  # false-alarm rate of the passing test (DKW)
N = 1000  # particles
DELTA = 0.01
ODE_TOL = 1e-4  # integration error allowed on a landed point; it widens the radius window
Z_MIN, Z_MAX = 1e-4, 20.0


def _disc_data(k=100, seed=1):
    rng = np.random.default_rng(seed)
    r, th = np.sqrt(rng.random(k)), 2 * np.pi * rng.random(k)
    return pc.PointMixture(np.c_[r * np.cos(th), r * np.sin(th)])


def _ks_to_data(radii, data):
    """sup_r |F_landed(r) − F_data(r)| for two step functions (evaluated at all jumps)."""
    ref = np.sort(np.linalg.norm(data.points, axis=1))
    x = np.sort(radii)
    grid = np.concatenate([x, ref])
    f_landed = np.searchsorted(x, grid, side="right") / x.size
    f_data = np.searchsorted(ref, grid, side="right") / ref.size
    f_landed_left = np.searchsorted(x, grid, side="left") / x.size
    f_data_left = np.searchsorted(ref, grid, side="left") / ref.size
    return max(np.max(np.abs(f_landed - f_data)), np.max(np.abs(f_landed_left - f_data_left)))


def _modulus(data, delta):
    """ω(δ) = sup_r F_data(r + δ) − F_data(r − δ): the largest data mass in a radius window 2δ."""
    ref = np.sort(np.linalg.norm(data.points, axis=1))
    upper = np.searchsorted(ref, ref + 2 * delta, side="right")
    return float(np.max(upper - np.arange(ref.size)) / ref.size)


def _threshold(data):
    dkw = np.sqrt(np.log(2 / ALPHA) / (2 * N))
    tail = float(PoissonKernel(Z_MIN, 2).tail_probability(DELTA))
    return dkw + tail + _modulus(data, DELTA + ODE_TOL)


def _land_with_z(field, x, steps):
    """RK4 in s = log z for dx/ds = z E_x/E_z from Z_MAX down to Z_MIN."""
    s = np.linspace(np.log(Z_MAX), np.log(Z_MIN), steps + 1)

    def rhs(si, xi):
        z = np.exp(si)
        return z * field.velocity(z, xi)

    for a, b in itertools.pairwise(s):
        h = b - a
        k1 = rhs(a, x)
        k2 = rhs(a + h / 2, x + h / 2 * k1)
        k3 = rhs(a + h / 2, x + h / 2 * k2)
        k4 = rhs(b, x + h * k3)
        x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x


def test_poisson_field_with_the_extra_dimension_lands_on_the_data():
    data = _disc_data()
    field = pc.PoissonField(data)
    start = field.hyperplane_density(Z_MAX).sample(N, np.random.default_rng(2)).reshape(N, 2)
    landed = _land_with_z(field, start, 160)
    finer = _land_with_z(field, start, 320)
    assert np.max(np.abs(landed - finer)) < ODE_TOL  # RK4: the halved step's change bounds it
    stat, thr = _ks_to_data(np.linalg.norm(landed, axis=1), data), _threshold(data)
    print(f"with z: KS {stat:.3f} <= {thr:.3f}")
    assert stat <= thr


def test_poisson_field_without_the_extra_dimension_collapses():
    data = _disc_data()
    flat = pc.PoissonField(data, augmented=False)
    radius = 6.0
    phi = 2 * np.pi * np.random.default_rng(2).random(N)
    x = radius * np.c_[np.cos(phi), np.sin(phi)]
    # far field E = x/(2π|x|²): d|x|²/dt = 1/π, so the centre of mass (E|y|² = ½) needs
    # T = π(R² − ½) to reach the circle; run the flow back that long
    steps = 250
    h = np.pi * (radius**2 - 0.5) / steps
    for _ in range(steps):
        k1 = -flat.field(x)
        k2 = -flat.field(x + h / 2 * k1)
        k3 = -flat.field(x + h / 2 * k2)
        k4 = -flat.field(x + h * k3)
        x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    radii = np.linalg.norm(x, axis=1)
    stat, thr = _ks_to_data(radii, data), _threshold(data)
    quartiles = np.percentile(radii, [25, 50, 75])
    print(f"without z: KS {stat:.3f} > {thr:.3f}; radii quartiles {quartiles}")
    assert stat > thr
    # the landed |x|² is far from U(0, 1): most radii crowd together instead of spreading
    assert stats.kstest(np.minimum(radii, 1.0) ** 2, "uniform").statistic > thr
