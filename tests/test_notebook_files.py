"""Each chapter's .md and .ipynb agree, and the .ipynb holds real executed outputs for nbval to check."""

import re

import pytest
from notebooks import ROOT, execution_problems, notebook_chapters, sync_problem

CHAPTERS = notebook_chapters()


def test_there_are_chapters():
    assert CHAPTERS, "no MyST notebook found under book/"


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_md_and_ipynb_in_sync(md):
    problem = sync_problem(md)
    assert problem is None, problem


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_reference_outputs_are_executed(md):
    problems = execution_problems(md.with_suffix(".ipynb"))
    assert not problems, f"{md.with_suffix('.ipynb').name}: " + "; ".join(problems)


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_reference_outputs_name_no_machine_paths(md):
    text = md.with_suffix(".ipynb").read_text(encoding="utf-8")
    found = sorted(set(re.findall(r"(?:/tmp|/work|/root|/home|/usr|/opt)/[\w./-]+", text)))
    assert str(ROOT) not in text and not found, f"machine paths in stored outputs: {found[:5]}"
