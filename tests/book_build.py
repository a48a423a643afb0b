"""Build the book (or a scratch book) the way `make book` does, and report what went wrong.

The build's execution cache is first filled with the committed ``.ipynb`` files. jupyter-cache keys a notebook
by its code cells (sources and metadata), so a chapter whose ``.md`` and ``.ipynb`` agree is rendered from its
stored outputs, which nbval has just checked by executing it, and a chapter whose code differs is executed as in
a cold build. This keeps the build test from executing every chapter a second time; the cold build itself, all
chapters executed, is what ``make book`` does on a fresh clone.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

JUPYTER_BOOK = pathlib.Path(sys.executable).with_name("jupyter-book")
BUILD_OPTIONS = ["-W", "-n", "--keep-going"]  # warnings are errors; nitpicky cross-references


def seed_cache(source: pathlib.Path, output: pathlib.Path) -> int:
    """Put every ``.ipynb`` under ``source``/book into the execution cache of a build into ``output``."""
    from jupyter_cache import get_cache

    cache = get_cache(output / "_build" / ".jupyter_cache")
    notebooks = sorted((source / "book").rglob("*.ipynb"))
    for notebook in notebooks:
        cache.cache_notebook_file(path=notebook, check_validity=False, overwrite=True)
    return len(notebooks)


def build(source: pathlib.Path, output: pathlib.Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run a full HTML build of the book in ``source`` into ``output``/_build, capturing its output.

    The execution cache is seeded with the stored notebooks first (see the module docstring).
    """
    seed_cache(source, output)
    command = [str(JUPYTER_BOOK), "build", str(source), "--path-output", str(output), *BUILD_OPTIONS]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
