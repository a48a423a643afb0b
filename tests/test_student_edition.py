"""The student edition removes every worked solution and nothing else."""

import importlib.util

import jupytext
import pytest
from notebooks import ROOT, notebook_chapters

_spec = importlib.util.spec_from_file_location("student_edition", ROOT / "scripts" / "student_edition.py")
student_edition = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student_edition)

CHAPTERS = [md for md in notebook_chapters() if "{solution-start}" in md.read_text(encoding="utf-8")]


def test_some_chapters_have_solutions():
    assert len(CHAPTERS) >= 10


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_solutions_removed_exercises_and_text_kept(md):
    text = md.read_text(encoding="utf-8")
    student = student_edition.strip_solutions(text)
    assert "{solution-start}" not in student and "{solution-end}" not in student
    assert student.count("{exercise}") == text.count("{exercise}") > 0
    # Everything before the first solution is untouched, and the result is still a notebook jupytext can read.
    first = text.index("```{solution-start}")
    assert student[:first] == text[:first]
    notebook = jupytext.reads(student, fmt="md:myst")
    assert len(notebook.cells) < len(jupytext.reads(text, fmt="md:myst").cells)


def test_strip_solutions_on_a_small_example():
    text = (
        "```{exercise}\n:label: ex-a\n\nDo it.\n```\n\n"
        "```{solution-start} ex-a\n:class: dropdown\n```\n\nWorked.\n\n"
        "```{code-cell} ipython3\nprint(1)\n```\n\n```{solution-end}\n```\n\nAfter.\n"
    )
    assert student_edition.strip_solutions(text) == "```{exercise}\n:label: ex-a\n\nDo it.\n```\n\nAfter.\n"
