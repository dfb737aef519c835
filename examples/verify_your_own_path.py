"""Verify your own path: does x_t = α_t x_0 + σ_t x_1 really carry the data to the prior?"""

import pdecheck as pc

# the design: the straight line α_t = 1 − t, σ_t = t, a uniform prior on [0, 2], four data points
path = pc.AffinePath(pc.schedules.Linear(), prior=pc.Uniform(0.0, 2.0))
data = pc.PointMixture([0.5, 0.5, 1.2, 1.7])  # ½ at 0.5, ¼ at 1.2, ¼ at 1.7
verdict = pc.verify_transport(path, data, t_span=(1.0, 1e-3))  # generate: prior → data
print(verdict.summary())  # per method and time: distance, threshold, verdict; then the flags
assert verdict.passed  # in pytest: pdecheck.testing.assert_transports(path, data, t_span=...)
