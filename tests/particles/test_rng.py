"""The per-particle streams: reproducibility, thread-count independence and the law of the
ziggurat normals.

Statistical assertions use alpha = 1e-5 each (suite budget 1e-3 over about 100 stochastic
assertions, STATISTICS.md); fixed seeds make them deterministic.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from pdecheck.particles import brownian_increments, integrate_sde
from pdecheck.particles.rng import normals

ALPHA = 1e-5
Z = stats.norm.isf(ALPHA / 2)


def _dkw(n: int, alpha: float = ALPHA) -> float:
    """DKW–Massart threshold sqrt(ln(2/alpha) / (2N)) (STATISTICS.md §1)."""
    return float(np.sqrt(np.log(2 / alpha) / (2 * n)))


def _ks(z: np.ndarray) -> float:
    u = np.sort(stats.norm.cdf(z))
    i = np.arange(1, u.size + 1)
    return float(max(np.max(i / u.size - u), np.max(u - (i - 1) / u.size)))


def test_same_seed_same_numbers_different_seed_different():
    a, b, c = normals(7, 50, 20), normals(7, 50, 20), normals(8, 50, 20)
    assert np.array_equal(a, b)
    assert not np.any(a == c)
    # a stream depends on (seed, particle) only: particle 3 of a bigger batch is the same
    assert np.array_equal(normals(7, 200, 20)[3], a[3])


@pytest.mark.parametrize("layout", ["along_streams", "across_streams"])
def test_normals_ks_against_dkw(layout):
    """KS distance of 1e6 normals to Φ below the DKW bound: one long stream per particle
    (first 1000 of 1000 streams) and one number from each of 1e6 streams (seeding quality)."""
    z = (
        normals(20261123, 1000, 1000).ravel()
        if layout == "along_streams"
        else normals(5, 10**6, 1)[:, 0]
    )
    d_n = _ks(z)
    assert d_n < _dkw(z.size), f"KS D_N={d_n:.3g} above DKW eps={_dkw(z.size):.3g}"


def test_normal_moments_and_tail():
    """Mean, variance (exact chi-square law), fourth moment (CLT with Var Z^4 = 96) and the
    share beyond the ziggurat's base r = 3.654 (drawn by the tail sampler) at N = 2e6."""
    z = normals(11, 2000, 1000).ravel()
    n = z.size
    assert abs(z.mean()) <= Z / np.sqrt(n)
    lo, hi = stats.chi2.ppf([ALPHA / 2, 1 - ALPHA / 2], n - 1) / (n - 1)
    assert lo <= z.var(ddof=1) <= hi
    assert abs(np.mean(z**4) - 3.0) <= Z * np.sqrt(96.0 / n)
    p_tail = 2 * stats.norm.sf(3.6541528853610088)
    k = int(np.count_nonzero(np.abs(z) > 3.6541528853610088))
    assert abs(k - n * p_tail) <= Z * np.sqrt(n * p_tail * (1 - p_tail)), (k, n * p_tail)


def test_brownian_increments_are_scaled_stream_normals():
    t = np.array([0.0, 0.25, 0.5, 1.0])
    dw = brownian_increments(3, 4, t, dim=2)
    z = normals(3, 4, 6).reshape(4, 3, 2)
    assert dw.shape == (4, 3, 2)
    np.testing.assert_array_equal(dw, z * np.sqrt(np.diff(t))[None, :, None])


_SCRIPT = """
import hashlib, numpy as np
from pdecheck.particles import integrate_sde
from pdecheck.particles.rng import normals
from pdecheck.fields import field_kernel
@field_kernel(dim=2, params=[-1.0])
def ou(t, x, p, out):
    out[0] = p[0] * x[0]
    out[1] = p[0] * x[1] + x[0]
x0 = np.zeros((4001, 2))
s = integrate_sde(ou, 0.7, x0, np.linspace(0.0, 1.0, 21), seed=99, method="weak2")
from pdecheck.sde import VPSDE
lin = [integrate_sde(VPSDE().drift, 0.7, x0, np.linspace(0.0, 1.0, 21), seed=99, method=m)
       for m in ("euler_maruyama", "weak2")]
assert [r.path for r in lin] == ["linear", "linear"]
h = hashlib.sha256(
    s.samples.tobytes() + normals(4, 5003, 3).tobytes() + b"".join(r.samples.tobytes() for r in lin)
).hexdigest()
import numba
print(numba.get_num_threads(), h)
"""


def test_bit_identical_for_one_and_two_threads():
    """The same seed gives the same bits whatever NUMBA_NUM_THREADS is (1 or 2): the general
    kernel (a user's compiled field) and the tabulated linear-drift kernel (VP drift)."""
    out = {}
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        res = subprocess.run(
            [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        used, digest = res.stdout.split()
        assert used == threads
        out[threads] = digest
    assert out["1"] == out["2"]
    assert len(out["1"]) == len(hashlib.sha256().hexdigest())


def test_seed_must_be_a_nonnegative_integer():
    for bad in (1.5, -1, "3", True):
        with pytest.raises(TypeError, match="seed"):
            normals(bad, 2, 2)
    with pytest.raises(ValueError, match="n=0"):
        normals(1, 0, 2)
    with pytest.raises(TypeError, match="seed"):
        integrate_sde(lambda t, x: -x, 1.0, np.zeros(3), [0.0, 1.0], seed=2.0)
