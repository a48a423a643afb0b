"""Where the book's chapters are, and the two checks every chapter's files must pass.

A chapter is a MyST notebook: a ``.md`` file with a jupytext header, whose text and code are the source,
paired with an ``.ipynb`` holding the executed reference outputs that nbval compares against.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import sys
import types

import jupytext

ROOT = pathlib.Path(__file__).resolve().parent.parent
FORMAT = "md:myst"


def load_script(name: str) -> types.ModuleType:
    """Import ``scripts/<name>.py`` (the authors' tools, which are not part of lib) as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def is_notebook_chapter(md: pathlib.Path) -> bool:
    """True if ``md`` is a MyST notebook (it has a jupytext header)."""
    head = md.read_text(encoding="utf-8")[:400]
    return head.startswith("---") and "jupytext:" in head


def notebook_chapters(book: pathlib.Path = ROOT / "book") -> list[pathlib.Path]:
    """Every MyST notebook under ``book``, sorted."""
    found = (p for p in book.rglob("*.md") if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts)
    return sorted(p for p in found if is_notebook_chapter(p))


def sync_problem(md: pathlib.Path) -> str | None:
    """Why ``md`` and its paired ``.ipynb`` disagree, or None if they agree exactly.

    They agree when jupytext, writing the ``.ipynb`` as MyST Markdown, produces the ``.md`` byte for byte:
    the same cells, sources, tags and metadata. This is what ``jupytext --sync`` keeps true, checked
    without trusting file times (which mean nothing after a ``git clone``).
    """
    ipynb = md.with_suffix(".ipynb")
    if not ipynb.exists():
        return f"{ipynb.name} is missing: run `make refresh NB={md.relative_to(ROOT)}`"
    expected = jupytext.writes(jupytext.read(ipynb), fmt=FORMAT)
    actual = md.read_text(encoding="utf-8")
    if expected == actual:
        return None
    expected_lines, actual_lines = expected.splitlines(), actual.splitlines()
    differing = [i for i, (want, got) in enumerate(zip(expected_lines, actual_lines, strict=False)) if want != got]
    number = differing[0] + 1 if differing else min(len(expected_lines), len(actual_lines)) + 1
    return (
        f"{md.relative_to(ROOT)} and {ipynb.name} disagree from line {number} of the .md; "
        f"after editing the .md run `make refresh NB={md.relative_to(ROOT)}`"
    )


def execution_problems(ipynb: pathlib.Path) -> list[str]:
    """Reasons nbval would check less than it should in ``ipynb``.

    A code cell with no execution count was never run, so nbval compares nothing there; a stored error in a
    cell not tagged ``raises-exception`` means the reference itself is broken.
    """
    notebook = json.loads(ipynb.read_text(encoding="utf-8"))
    problems = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("execution_count") is None:
            problems.append(f"cell {index} was never executed")
        for output in cell.get("outputs", []):
            if output["output_type"] == "error" and "raises-exception" not in tags:
                problems.append(f"cell {index} stores a {output['ename']} but is not tagged raises-exception")
    return problems
