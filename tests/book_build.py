"""Build the book (or a scratch book) the way `make book` does, and report what went wrong."""

from __future__ import annotations

import pathlib
import subprocess
import sys

JUPYTER_BOOK = pathlib.Path(sys.executable).with_name("jupyter-book")
BUILD_OPTIONS = ["-W", "-n", "--keep-going"]  # warnings are errors; nitpicky cross-references


def build(source: pathlib.Path, output: pathlib.Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run a full HTML build of the book in ``source`` into ``output``/_build, capturing its output."""
    command = [str(JUPYTER_BOOK), "build", str(source), "--path-output", str(output), *BUILD_OPTIONS]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
