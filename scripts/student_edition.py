"""Build the student edition of the book: every chapter with its exercises but without their solutions.

Usage (from the repository root, inside the project's environment; ``make student`` runs it)::

    python scripts/student_edition.py            # sources in _build/student-src, HTML in _build/student-src/_build/html

Instructors who hand the book to a class usually want the exercises without the worked solutions. Each
solution in a chapter sits between a ``solution-start`` and a ``solution-end`` directive (the form that lets
its code cells execute), so removing everything from one marker to the other, both included, removes the
solution and nothing else. sphinx-exercise's own ``hide_solutions`` option cannot do this for the
start/end form in the version the book pins.

The script copies the book's sources (configuration, table of contents, bibliography, the ``.md`` chapters and
the benchmark script one chapter runs)
into a scratch folder, strips the solutions there, and builds that copy with the same options as ``make book``.
The repository itself is never modified.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "_build" / "student-src"

# From the opening fence of solution-start to the closing fence of solution-end, both included.
SOLUTION = re.compile(r"^```\{solution-start\}.*?^```\{solution-end\}\n```\n\n?", re.DOTALL | re.MULTILINE)


def strip_solutions(text: str) -> str:
    """Return a chapter's MyST text with every solution-start ... solution-end block removed."""
    return SOLUTION.sub("", text)


def make_sources(output: pathlib.Path) -> list[pathlib.Path]:
    """Copy the book's sources into ``output`` with the solutions stripped; return the chapters changed."""
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml", "references.bib"):
        shutil.copy(ROOT / name, output / name)
    shutil.copytree(ROOT / "benchmarks", output / "benchmarks")  # a chapter runs the benchmark script
    for folder in ("_ext", "_static"):  # the local Sphinx extension and static files _config.yml names
        shutil.copytree(ROOT / folder, output / folder)
    changed = []
    for md in sorted((ROOT / "book").rglob("*.md")):
        if "_build" in md.parts or ".ipynb_checkpoints" in md.parts:
            continue
        target = output / md.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = md.read_text(encoding="utf-8")
        student_text = strip_solutions(text)
        target.write_text(student_text, encoding="utf-8")
        if student_text != text:
            changed.append(md.relative_to(ROOT))
    return changed


def main() -> int:
    changed = make_sources(DEFAULT_OUTPUT)
    print(f"solutions removed from {len(changed)} chapters; sources in {DEFAULT_OUTPUT.relative_to(ROOT)}")
    jupyter_book = pathlib.Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(DEFAULT_OUTPUT), "-W", "-n", "--keep-going"]
    result = subprocess.run(command, check=False)
    if result.returncode == 0:
        html = (DEFAULT_OUTPUT / "_build" / "html" / "index.html").relative_to(ROOT)
        print(f"The student edition is at {html}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
