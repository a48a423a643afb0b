"""The checks can fail: each one is shown catching the defect it exists for, on a scratch chapter.

These tests guard the guards. If a change to the configuration made nbval lax, made the build ignore a
failing cell, or made the sync check blind, the book's own tests would still pass; these would not.
"""

import json
import shutil
import subprocess
import sys

import jupytext
import pytest
from book_build import build
from notebooks import ROOT, execution_problems, load_script, sync_problem

refresh = load_script("refresh")
portability = load_script("portability")

HEADER = """---
jupytext:
  formats: ipynb,md:myst
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---

# Scratch chapter

"""


def code_cell(source, tags=()):
    options = f":tags: [{', '.join(tags)}]\n" if tags else ""
    return f"```{{code-cell}} ipython3\n{options}{source}\n```\n\n"


def write_chapter(folder, name, cells):
    """Write a scratch MyST notebook and store its executed .ipynb with the book's own refresh command."""
    md = folder / f"{name}.md"
    md.write_text(HEADER + "".join(cells), encoding="utf-8")
    refresh.refresh(md)
    return md


def run_nbval(ipynb):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), str(ipynb)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ipynb.parent, timeout=300)


@pytest.fixture
def chapter(tmp_path):
    return write_chapter(tmp_path, "scratch", [code_cell("total = 2 + 2\nprint(f'total = {total}')")])


def test_nbval_passes_an_unchanged_chapter(chapter):
    result = run_nbval(chapter.with_suffix(".ipynb"))
    assert result.returncode == 0, result.stdout[-3000:]


def test_nbval_fails_when_a_printed_number_changes(chapter):
    ipynb = chapter.with_suffix(".ipynb")
    ipynb.write_text(ipynb.read_text(encoding="utf-8").replace("total = 4", "total = 5"), encoding="utf-8")
    result = run_nbval(ipynb)
    assert result.returncode != 0
    assert "total = 5" in result.stdout and "total = 4" in result.stdout


def test_nbval_fails_on_a_cell_that_raises_untagged(tmp_path):
    md = write_chapter(tmp_path, "raising", [code_cell("print('fine')", ["raises-exception"])])
    text = md.read_text(encoding="utf-8").replace(":tags: [raises-exception]\n", "")
    md.write_text(text.replace("print('fine')", "1 / 0"), encoding="utf-8")
    jupytext.write(jupytext.read(md), md.with_suffix(".ipynb"), fmt="ipynb")
    result = run_nbval(md.with_suffix(".ipynb"))
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout


def test_nbval_accepts_a_tagged_raising_cell_and_checks_its_error(tmp_path):
    md = write_chapter(tmp_path, "tagged", [code_cell("raise ValueError('bad shape (3,)')", ["raises-exception"])])
    assert execution_problems(md.with_suffix(".ipynb")) == []
    assert run_nbval(md.with_suffix(".ipynb")).returncode == 0
    ipynb = md.with_suffix(".ipynb")
    notebook = json.loads(ipynb.read_text(encoding="utf-8"))
    error = notebook["cells"][1]["outputs"][0]
    assert (error["ename"], error["evalue"]) == ("ValueError", "bad shape (3,)")
    error["evalue"] = "bad shape (4,)"  # the stored message, not the code, changes
    ipynb.write_text(json.dumps(notebook), encoding="utf-8")
    result = run_nbval(ipynb)
    assert result.returncode != 0, "nbval did not compare the stored error message"


def test_unexecuted_notebook_is_reported(chapter):
    jupytext.write(jupytext.read(chapter), chapter.with_suffix(".ipynb"), fmt="ipynb")  # converted, not executed
    assert execution_problems(chapter.with_suffix(".ipynb")) == ["cell 1 was never executed"]  # cell 0 is the title


def test_sync_check_catches_an_md_edited_without_refresh(chapter, monkeypatch):
    monkeypatch.setattr("notebooks.ROOT", chapter.parent)
    assert sync_problem(chapter) is None
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("2 + 2", "2 + 3"), encoding="utf-8")
    assert "disagree" in sync_problem(chapter)


def test_build_fails_on_a_cell_that_raises_untagged(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copy(ROOT / "references.bib", book / "references.bib")
    shutil.copytree(ROOT / "_ext", book / "_ext")  # the local extension and static files _config.yml names
    shutil.copytree(ROOT / "_static", book / "_static")
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\n", encoding="utf-8")
    (book / "index.md").write_text(HEADER + code_cell("1 / 0"), encoding="utf-8")
    result = build(book, tmp_path / "out", timeout=300)
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout + result.stderr


def test_refresh_stores_tracebacks_without_machine_paths(tmp_path):
    cell = code_cell("import lib.rng\nlib.rng.make_rng(None)", ["raises-exception"])
    md = write_chapter(tmp_path, "lib_error", [cell])
    text = md.with_suffix(".ipynb").read_text(encoding="utf-8")
    assert "InvalidParameterError" in text and "lib/rng.py" in text
    assert str(ROOT) not in text and "/tmp/ipykernel_" not in text


BLAS_REPORT = """from threadpoolctl import threadpool_info
import numpy as np
blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"][0]
print(blas["architecture"], blas["num_threads"])"""


@pytest.mark.parametrize("name", ["generic kernel", "AVX2 kernel with 2 BLAS threads"])
def test_portability_check_names_a_cell_whose_output_depends_on_the_cpu(tmp_path, name):
    configuration = {c.name: c for c in portability.configurations()}[name]
    reason = portability.not_applicable(configuration)
    if reason:
        pytest.skip(f"portability check not applicable here: {reason}")
    md = write_chapter(tmp_path, "blas", [code_cell(BLAS_REPORT)])
    result = portability.run(configuration, [md.with_suffix(".ipynb")])
    assert not result.passed
    assert [cell.split("::")[1] for cell in result.failed_cells] == ["Cell 0"]


def test_refresh_names_a_cell_that_would_not_hold_on_another_cpu(tmp_path):
    md = tmp_path / "blas.md"
    md.write_text(HEADER + code_cell(BLAS_REPORT), encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "refresh.py"), str(md)],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NOT PORTABLE under the AVX2 kernel with 2 BLAS threads" in result.stderr
    assert "::Cell 0" in result.stderr and md.with_suffix(".ipynb").exists()
