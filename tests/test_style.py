"""The code a learner reads is ruff clean (rules in pyproject.toml), and the chapters' code fits the page.

The rendered book's text column holds about 88 monospace characters at desktop width, so the chapters are
checked with ruff at a line length of 88 (lib, tests and scripts use 120).
"""

import pathlib
import subprocess
import sys

from notebooks import ROOT

RUFF = pathlib.Path(sys.executable).with_name("ruff")


def test_ruff_clean():
    result = subprocess.run([str(RUFF), "check", "lib", "tests", "scripts"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_chapters_ruff_clean_within_88_columns():
    result = subprocess.run([str(RUFF), "check", "--line-length", "88", "book"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
