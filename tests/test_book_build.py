"""The whole book builds with warnings as errors, every page of the TOC is produced, and it reads well in a browser.

The build renders the stored outputs of chapters whose code is unchanged (``book_build.seed_cache``); nbval
executes each of them in the same test run. The built book is then opened in headless Chromium, offline
(``site_check.py``): what a reader sees at desktop and phone width. Its screenshots are kept in
``_build/browser-screenshots`` for authors to look at. Without a browser the test fails and says how to get one.
"""

import re
import shutil

import pytest
from book_build import build
from notebooks import ROOT
from site_check import NoBrowserError, SiteReport, inspect_site, toc_pages

SCREENSHOTS = ROOT / "_build" / "browser-screenshots"
MAX_OVERFLOW_SHARE = 0.05  # at most 5% of code blocks and outputs may scroll sideways at 1400 px


@pytest.fixture(scope="module")
def built_book(tmp_path_factory):
    output = tmp_path_factory.mktemp("book")
    result = build(ROOT, output)
    return output / "_build" / "html", result


@pytest.fixture(scope="module")
def site(built_book) -> SiteReport:
    html, result = built_book
    if result.returncode != 0:
        pytest.fail("the book did not build (see test_book_builds_without_warnings)")
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    try:
        return inspect_site(html, ROOT, screenshots=SCREENSHOTS)
    except NoBrowserError as error:
        pytest.fail(str(error))


def test_toc_lists_only_existing_pages():
    missing = [f for f in toc_pages(ROOT) if not (ROOT / f"{f}.md").exists()]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"


def test_book_builds_without_warnings(built_book):
    html, result = built_book
    log = result.stdout + result.stderr
    warnings = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL):", line)]
    assert result.returncode == 0 and not warnings, "book build failed:\n" + "\n".join(warnings or [log[-4000:]])
    missing = [f for f in toc_pages(ROOT) if not (html / f"{f}.html").exists()]
    assert not missing, f"pages missing from the built book: {missing}"


def test_every_page_opens_without_console_errors_or_network(site):
    assert site.pages == len(toc_pages(ROOT))
    assert not site.console_errors, site.summary()


def test_every_local_link_anchor_and_image_resolves(site):
    assert not site.broken_links and not site.broken_images, site.summary()


def test_math_is_typeset_offline(site):
    assert not site.raw_tex_pages, site.summary()


def test_code_and_outputs_fit_the_column(site):
    assert site.code_blocks > 500
    assert site.overflow_share <= MAX_OVERFLOW_SHARE, site.summary()


def test_every_figure_is_numbered_and_captioned(site):
    assert site.figures > 80
    assert not site.uncaptioned_figures, site.summary()


def test_every_chapter_offers_its_notebook(site):
    assert not site.chapters_without_notebook_download, site.summary()


def test_phone_navigation_opens_from_the_visible_buttons(site):
    assert site.phone_navigation_opens and site.phone_page_contents_opens, site.summary()


def test_reader_interactions_work(site):
    assert site.solution_opens and site.slider_moves and site.search_finds_adam, site.summary()


def test_search_snippets_read_as_text(site):
    # Without _static/book.js's rewriting, 14 of the 18 snippets for "Hessian" showed TeX such as \(\eta = 1/L\).
    assert site.search_snippets > 5
    assert not site.raw_tex_search_snippets, site.summary()


def test_screenshots_are_saved(site):
    assert len(site.screenshots) == 8 and all(path.stat().st_size > 10_000 for path in site.screenshots)


def test_site_check_finds_each_kind_of_defect(tmp_path):
    """The browser check itself can fail: a page with one defect of each kind is reported on each count."""
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: page\n", encoding="utf-8")
    html = tmp_path / "html"
    html.mkdir()
    wide = "x = " + "1 + " * 60 + "1"
    (html / "page.html").write_text(
        "<html><body><main>"
        f'<div class="cell_input"><pre>{wide}</pre></div>'
        '<div class="cell_output"><pre>short</pre></div>'
        r"<p>raw math \(x^2\) left untypeset</p>"
        '<a href="missing.html">a broken link</a> <a href="page.html#nowhere">a broken anchor</a>'
        '<img src="missing.png">'
        '<div class="cell_output"><img src="plot.png"></div>'
        '<div class="cell_output"><figure><img src="plot.png">'
        '<figcaption><span class="caption-number">Fig. 1 </span>A caption</figcaption></figure></div>'
        "<script>not_defined()</script>"
        "</main></body></html>",
        encoding="utf-8",
    )
    report = inspect_site(html, tmp_path, screenshots=tmp_path / "shots")
    assert report.pages == 1 and report.code_blocks == 2
    assert len(report.overflowing_blocks) == 1 and report.overflow_share == 0.5
    assert [link.split(": ", 1)[1] for link in report.broken_links] == [
        "missing file missing.html", "missing anchor #nowhere in page.html"]
    assert len(report.broken_images) == 3 and len(report.raw_tex_pages) == 1
    assert report.figures == 2 and report.uncaptioned_figures == ["page: plot.png"]
    assert any("not_defined" in error for error in report.console_errors)
    assert not (report.phone_navigation_opens or report.solution_opens or report.search_finds_adam)
