"""The whole book builds with warnings as errors, and every page of the TOC is produced.

The build renders the stored outputs of chapters whose code is unchanged (``book_build.seed_cache``); nbval
executes each of them in the same test run.
"""

import re

import yaml
from book_build import build
from notebooks import ROOT


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return files


def test_toc_lists_only_existing_pages():
    missing = [f for f in toc_files() if not (ROOT / f"{f}.md").exists()]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"


def test_book_builds_without_warnings(tmp_path):
    result = build(ROOT, tmp_path)
    log = result.stdout + result.stderr
    warnings = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL):", line)]
    assert result.returncode == 0 and not warnings, "book build failed:\n" + "\n".join(warnings or [log[-4000:]])
    html = tmp_path / "_build" / "html"
    missing = [f for f in toc_files() if not (html / f"{f}.html").exists()]
    assert not missing, f"pages missing from the built book: {missing}"
