"""pdecheck — does this velocity field (or SDE) really carry p_0 to p_T?

Three independent answers (closed form, grid, particles) that must agree; see DESIGN.md.
``import pdecheck`` compiles nothing and imports neither Numba nor matplotlib: the submodules
that need them load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from pdecheck import densities, schedules
from pdecheck.densities import Gaussian, GaussianMixture, PointMixture, PoissonKernel, Uniform
from pdecheck.fields import CompiledField, KernelField, field_kernel

__version__ = "0.1.0"

# public name -> module that defines it (loaded lazily, PEP 562)
_LAZY: dict[str, str] = {
    "AffinePath": "pdecheck.paths",
    "GeneralAffinePath": "pdecheck.paths",
    "CharacteristicPath": "pdecheck.paths",
    "SDE": "pdecheck.sde",
    "PoissonField": "pdecheck.poisson",
    "cases": "pdecheck.cases",
    "exact": "pdecheck.exact",
    "grid": "pdecheck.grid",
    "particles": "pdecheck.particles",
    "compare": "pdecheck.compare",
    "Claim": "pdecheck.verify",
    "Verdict": "pdecheck.verify",
    "verify_transport": "pdecheck.verify",
    "check_green_function": "pdecheck.verify",
    "verify_stationary": "pdecheck.stationary",
    "check_training_target": "pdecheck.training",
    "convergence_study": "pdecheck.studies",
    "Study": "pdecheck.convergence",
}

__all__ = [
    "CompiledField",
    "Gaussian",
    "GaussianMixture",
    "KernelField",
    "PointMixture",
    "PoissonKernel",
    "Uniform",
    "densities",
    "field_kernel",
    "schedules",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'pdecheck' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
    globals()[name] = value
    return value
