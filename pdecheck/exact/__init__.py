"""Closed-form marginals, fields and Green's functions of the CATALOGUE.md cases.

One module per family (heat, affine paths, general paths, linear SDEs, same-marginal family,
Poisson field, other exact solutions). Importing this package imports every submodule, and each
registers its cases in :mod:`pdecheck.cases`.
"""

from __future__ import annotations

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")
