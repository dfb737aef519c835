"""pdecheck — does this velocity field (or SDE) really carry p_0 to p_T?

Three independent answers (closed form, grid, particles) that must agree; see DESIGN.md.
``import pdecheck`` compiles nothing and imports neither Numba, SciPy nor matplotlib: every
public name below loads its module on first use (PEP 562), so the pytest plugin, which pytest
imports in every run, costs next to nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers and IDEs; at run time they load lazily
    from pdecheck import densities, schedules
    from pdecheck.convergence import Study
    from pdecheck.densities import Gaussian, GaussianMixture, PointMixture, PoissonKernel, Uniform
    from pdecheck.fields import CompiledField, KernelField, field_kernel
    from pdecheck.paths import AffinePath, CharacteristicPath, GeneralAffinePath
    from pdecheck.poisson import PoissonField
    from pdecheck.sde import SDE
    from pdecheck.stationary import verify_stationary
    from pdecheck.studies import convergence_study
    from pdecheck.training import check_training_target
    from pdecheck.verify import Claim, Verdict, check_green_function, verify_transport

__version__ = "0.1.0"

# public name -> module that defines it (loaded lazily, PEP 562)
_LAZY: dict[str, str] = {
    "densities": "pdecheck.densities",
    "schedules": "pdecheck.schedules",
    "Gaussian": "pdecheck.densities",
    "GaussianMixture": "pdecheck.densities",
    "PointMixture": "pdecheck.densities",
    "PoissonKernel": "pdecheck.densities",
    "Uniform": "pdecheck.densities",
    "CompiledField": "pdecheck.fields",
    "KernelField": "pdecheck.fields",
    "field_kernel": "pdecheck.fields",
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
    "SDE",
    "AffinePath",
    "CharacteristicPath",
    "Claim",
    "CompiledField",
    "Gaussian",
    "GaussianMixture",
    "GeneralAffinePath",
    "KernelField",
    "PointMixture",
    "PoissonField",
    "PoissonKernel",
    "Study",
    "Uniform",
    "Verdict",
    "cases",
    "check_green_function",
    "check_training_target",
    "compare",
    "convergence_study",
    "densities",
    "exact",
    "field_kernel",
    "grid",
    "particles",
    "schedules",
    "verify_stationary",
    "verify_transport",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'pdecheck' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
    globals()[name] = value
    return value
