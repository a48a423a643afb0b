"""Re-execute chapters and store their outputs as the reference that nbval checks.

Usage (from the repository root, inside the project's environment)::

    python scripts/refresh.py book/part1/vectorization.md   # one chapter
    python scripts/refresh.py                               # every chapter under book/

For each MyST notebook (``.md`` with a jupytext header) this reads the ``.md``, which is where the book's
text and code live, runs it top to bottom in a fresh kernel with one BLAS thread, and writes the paired
``.ipynb`` with the outputs. It also rewrites the ``.md`` in jupytext's canonical form, so the two files
agree exactly (``tests/test_sync.py`` checks that). A cell that raises fails the refresh unless the cell is
tagged ``raises-exception``.

Timing metadata is not recorded, so re-running an unchanged chapter changes nothing but the outputs
that truly vary (wall-clock times, which those cells tag ``nbval-ignore-output``).

Then it checks, with ``scripts/portability.py``, that the new outputs also hold under OpenBLAS's generic
kernel and under its AVX2 kernel with two BLAS threads, and names every cell that would print something else
on another CPU (``--no-portability`` skips this).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import sys
import sysconfig
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _name in THREAD_VARIABLES:
    os.environ[_name] = "1"

import jupytext  # noqa: E402
import nbclient  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent


def chapters(paths: list[str]) -> list[pathlib.Path]:
    """The MyST notebooks named on the command line, or every one under book/."""
    if paths:
        found = [pathlib.Path(p).resolve() for p in paths]
    else:
        found = sorted((ROOT / "book").rglob("*.md"))
    selected = []
    for md in found:
        if md.suffix != ".md" or not md.exists():
            raise SystemExit(f"refresh: {md} is not an existing .md file")
        if "_build" in md.parts or ".ipynb_checkpoints" in md.parts:
            continue
        if "jupytext:" in md.read_text(encoding="utf-8")[:400]:
            selected.append(md)
        elif paths:
            raise SystemExit(f"refresh: {md} has no jupytext header, so it is not a notebook chapter")
    return selected


def _without_machine_paths(line: str) -> str:
    """Replace the machine's absolute paths in a traceback line by paths relative to the project."""
    line = line.replace(sysconfig.get_paths()["purelib"] + os.sep, "<site-packages>/")  # first: .venv is in ROOT
    line = line.replace(str(ROOT) + os.sep, "")
    return re.sub(r"/tmp/ipykernel_\d+/\d+\.py", "<kernel-cell>", line)


def strip_machine_paths(notebook) -> None:
    """Make stored tracebacks name no machine paths (nbval does not compare tracebacks, only the error)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [_without_machine_paths(line) for line in output["traceback"]]


def keep_cell_ids(notebook, ipynb: pathlib.Path) -> None:
    """Give cells the ids they had in the stored ``.ipynb`` (jupytext draws new random ones on every read).

    A cell keeps the id of the stored cell at the same position and of the same type, so a refresh's diff
    shows changed sources and outputs, not a new id on every cell.
    """
    if not ipynb.exists():
        return
    stored = jupytext.read(ipynb).cells
    for cell, old in zip(notebook.cells, stored, strict=False):
        if cell.cell_type == old.cell_type and "id" in old:
            cell["id"] = old["id"]


def refresh(md: pathlib.Path, timeout: int = 120) -> float:
    """Execute one chapter and write its .ipynb; return the seconds it took."""
    notebook = jupytext.read(md)
    keep_cell_ids(notebook, md.with_suffix(".ipynb"))
    start = time.perf_counter()
    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(md.parent)}},
        record_timing=False,
    )
    client.execute()
    elapsed = time.perf_counter() - start
    strip_machine_paths(notebook)
    jupytext.write(notebook, md.with_suffix(".ipynb"), fmt="ipynb")
    jupytext.write(notebook, md, fmt="md:myst")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help=".md files (default: every chapter under book/)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell")
    parser.add_argument("--no-portability", action="store_true",
                        help="do not check the new outputs under other BLAS kernels and thread counts")
    args = parser.parse_args()
    failed = False
    refreshed = []
    for md in chapters(args.chapters):
        name = md.relative_to(ROOT) if md.is_relative_to(ROOT) else md
        try:
            seconds = refresh(md, args.timeout)
        except nbclient.exceptions.CellExecutionError as error:
            failed = True
            print(f"FAILED {name}: a cell raised and is not tagged raises-exception\n{error}", file=sys.stderr)
            continue
        print(f"refreshed {name} in {seconds:.1f} s")
        refreshed.append(md.with_suffix(".ipynb"))
    if refreshed and not args.no_portability and not check_portability(refreshed):
        failed = True
    return 1 if failed else 0


def check_portability(notebooks: list[pathlib.Path]) -> bool:
    """Run the refreshed notebooks under the other configurations; report each cell whose output changes."""
    import portability  # scripts/portability.py, beside this file

    print(f"checking that the outputs hold on other CPUs ({len(notebooks)} notebook(s)) ...")
    holds = True
    for configuration in portability.configurations():
        reason = portability.not_applicable(configuration)
        if reason:
            print(f"  not checked: {reason}")
            continue
        result = portability.run(configuration, notebooks, workers=min(2, len(notebooks)))
        if result.passed:
            print(f"  ok under the {configuration.name}")
            continue
        holds = False
        print(f"  NOT PORTABLE under the {configuration.name}: these cells print something else there. Print "
              f"such numbers against a tolerance (DESIGN.md, Portability):\n{result.report}", file=sys.stderr)
    return holds


if __name__ == "__main__":
    sys.exit(main())
