"""Every example in README.md runs: each ```python block in a fresh interpreter, and each
`pdecheck ...` command line of the examples section through the CLI's entry point (the set-up
commands are what CI itself runs, so they are left to .ci/run)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)
COMMANDS = [
    line.split("#", 1)[0].strip()
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    for line in block.splitlines()
    if line.startswith("pdecheck verify")
]


def test_readme_has_examples():
    assert len(PYTHON_BLOCKS) >= 2 and COMMANDS


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_python_example_runs(index: int, tmp_path: Path):
    script = tmp_path / f"readme_{index}.py"
    script.write_text(PYTHON_BLOCKS[index], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_example_passes(command: str):
    from pdecheck.cli import main

    argv = shlex.split(command)[1:]
    assert main([(str(ROOT / a) if a.endswith(".py") else a) for a in argv]) == 0
