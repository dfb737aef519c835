"""``import pdecheck`` compiles nothing and loads no heavy dependency (issue 3: the import is
cheap because Numba, SciPy and matplotlib load only when a public name that needs them is
first used), and every public name resolves."""

from __future__ import annotations

import subprocess
import sys


def test_import_loads_no_numba_scipy_or_matplotlib():
    code = (
        "import sys, pdecheck; "
        "print(sorted(m for m in ('numba', 'scipy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves():
    import pdecheck

    for name in pdecheck.__all__:
        assert getattr(pdecheck, name) is not None, name
