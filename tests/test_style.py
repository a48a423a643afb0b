"""The code a learner reads is ruff clean (rules in pyproject.toml)."""

import pathlib
import subprocess
import sys

from notebooks import ROOT

RUFF = pathlib.Path(sys.executable).with_name("ruff")


def test_ruff_clean():
    result = subprocess.run([str(RUFF), "check", "lib", "tests", "scripts"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
