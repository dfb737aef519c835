"""pdecheck.particles re-exports the Langevin samplers (DESIGN.md: ``pc.particles.Langevin``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import pdecheck as pc
from pdecheck.particles import langevin

NAMES = ["Langevin", "MALA", "AnnealedLangevin", "LangevinRun", "geometric_sigmas"]


@pytest.mark.parametrize("name", NAMES)
def test_langevin_names_are_the_langevin_module_objects(name):
    assert getattr(pc.particles, name) is getattr(langevin, name)
    assert name in pc.particles.__all__


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Langevinn'"):
        pc.particles.Langevinn  # noqa: B018


def test_importing_particles_does_not_load_the_samplers():
    """The samplers load on first use: importing pdecheck.particles leaves .langevin unloaded."""
    code = "import sys, pdecheck.particles; print('pdecheck.particles.langevin' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
