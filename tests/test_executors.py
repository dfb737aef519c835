"""Executors: a study on a Dask cluster or a process pool gives the serial study's numbers bit
for bit (runners are pure functions of their inputs: seeded particles, deterministic grids)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pdecheck as pc
from pdecheck.executors import SerialExecutor, make_executor

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

LEVELS = [1 / 4, 1 / 8, 1 / 16, 1 / 32]


def _study(executor):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return pc.convergence_study(
            "H2", "dt", LEVELS, method="euler_maruyama", n_particles=500, executor=executor
        )


def _same(a, b):
    assert np.array_equal(a.errors, b.errors)
    assert np.array_equal(a.standard_errors, b.standard_errors)
    assert a.observed_order == b.observed_order


def test_dask_local_cluster_is_bit_identical_to_serial():
    import distributed

    serial = _study(None)
    with distributed.LocalCluster(
        n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        with make_executor(scheduler=cluster.scheduler_address) as executor:
            remote = _study(executor)
    _same(serial, remote)


def test_process_pool_is_bit_identical_to_serial():
    serial = _study(SerialExecutor())
    with make_executor(jobs=2) as pool:
        _same(serial, _study(pool))


@pytest.mark.parametrize(
    "kwargs, word", [({"jobs": 0}, "jobs=0"), ({"jobs": 2, "scheduler": "tcp://x:1"}, "not both")]
)
def test_bad_executor_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        with make_executor(**kwargs):
            pass


def test_a_malformed_scheduler_address_is_refused_naming_it():
    pytest.importorskip("distributed")
    from pdecheck.executors import SchedulerError

    with pytest.raises(SchedulerError, match=r"scheduler='bogus' cannot be used .*missing port"):
        with make_executor(scheduler="bogus"):
            pass
