"""Look at the built HTML book in a real browser, as a reader would, and report what is wrong.

Usage (from the repository root, inside the project's environment, after ``make book``)::

    python tests/site_check.py                     # the book in _build/html
    python tests/site_check.py path/to/_build/html

The book is served from a local HTTP server and opened in headless Chromium, driven by Playwright. Every
request that does not go to that server is blocked, so what is checked is what a reader sees offline. For each
page of the table of contents it records console errors, local links and anchors that do not resolve, images that
do not load, math left as raw TeX, and the code blocks (cells and their outputs) that scroll sideways at desktop
width. It also checks what a reader does with the page: opening the navigation on a phone, opening a solution,
moving the animation's slider, and searching. Screenshots of a few key pages, at desktop and phone width, are
saved beside the book (``<html>/../browser-screenshots``).

The browser is Chromium: the one Playwright installs (``playwright install chromium``), or a system Chromium
(Debian: ``apt-get install chromium``), found on the PATH or named by the ``BOOK_CHROMIUM`` variable.
"""

from __future__ import annotations

import functools
import http.server
import os
import pathlib
import re
import shutil
import socketserver
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # browser() reports it as NoBrowserError, before anything below is reached
    PlaywrightError = PlaywrightTimeout = None

DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOT_PAGES = ("book/index", "book/part3/comparison", "book/part4/as-printed", "book/references")
CODE_BLOCKS = "div.cell_input pre, div.cell_output pre"


class NoBrowserError(RuntimeError):
    """No Chromium could be started; the message says how to get one."""


@dataclass
class SiteReport:
    """What the browser saw. Each list names the page (and the item) where something is wrong."""

    pages: int = 0
    console_errors: list[str] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    raw_tex_pages: list[str] = field(default_factory=list)
    code_blocks: int = 0
    overflowing_blocks: list[str] = field(default_factory=list)
    figures: int = 0
    uncaptioned_figures: list[str] = field(default_factory=list)
    chapters_without_notebook_download: list[str] = field(default_factory=list)
    phone_navigation_opens: bool = False
    phone_page_contents_opens: bool = False
    solution_opens: bool = False
    slider_moves: bool = False
    search_finds_adam: bool = False
    search_snippets: int = 0
    raw_tex_search_snippets: list[str] = field(default_factory=list)
    screenshots: list[pathlib.Path] = field(default_factory=list)

    @property
    def overflow_share(self) -> float:
        return len(self.overflowing_blocks) / max(self.code_blocks, 1)

    def summary(self) -> str:
        lines = [
            f"pages: {self.pages}",
            f"console errors: {len(self.console_errors)}",
            f"broken links: {len(self.broken_links)}",
            f"broken images: {len(self.broken_images)}",
            f"pages with raw TeX: {len(self.raw_tex_pages)}",
            f"code blocks that scroll sideways at {DESKTOP['width']} px: {len(self.overflowing_blocks)} of "
            f"{self.code_blocks} ({100 * self.overflow_share:.1f}%)",
            f"figures in cell outputs without a numbered caption: {len(self.uncaptioned_figures)} of "
            f"{self.figures}",
            f"chapters without a working .ipynb download: {len(self.chapters_without_notebook_download)}",
            f"phone: navigation opens from the visible button: {self.phone_navigation_opens}",
            f"phone: page contents open from the visible button: {self.phone_page_contents_opens}",
            f"a solution dropdown opens: {self.solution_opens}",
            f"the animation's slider moves the frame: {self.slider_moves}",
            f"search finds 'Adam': {self.search_finds_adam}",
            f"search snippets with raw TeX: {len(self.raw_tex_search_snippets)} of {self.search_snippets}",
        ]
        for title, items in [("console errors", self.console_errors), ("broken links", self.broken_links),
                             ("broken images", self.broken_images), ("raw TeX", self.raw_tex_pages),
                             ("overflowing blocks", self.overflowing_blocks),
                             ("figures without a numbered caption", self.uncaptioned_figures),
                             ("search snippets with raw TeX", self.raw_tex_search_snippets)]:
            if items:
                lines.append(f"{title}:")
                lines.extend(f"  {item}" for item in items[:40])
                if len(items) > 40:
                    lines.append(f"  ... and {len(items) - 40} more")
        return "\n".join(lines)


def chromium_executable() -> str | None:
    """A system Chromium to use, or None to use Playwright's own browser."""
    named = os.environ.get("BOOK_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def serve(html: pathlib.Path) -> Iterator[str]:
    """Serve ``html`` on a free local port; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html))
    with _QuietServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()


class _QuietServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the browser closed a connection early (a page it left): not a defect of the book


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@contextmanager
def browser() -> Iterator[object]:
    """A headless Chromium, or NoBrowserError saying how to get one."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise NoBrowserError("Playwright is not installed: pip install -r requirements.txt") from error
    executable = chromium_executable()
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        except PlaywrightError as error:
            raise NoBrowserError(
                "no Chromium could be started for the browser test. Install one: `playwright install chromium` "
                "(needs the internet), or Debian's `apt-get install chromium`, or name one with BOOK_CHROMIUM="
                f"/path/to/chromium. Playwright said: {str(error).splitlines()[0]}"
            ) from error
        try:
            yield chromium
        finally:
            chromium.close()


def _offline_context(chromium: object, base: str, viewport: dict[str, int]) -> object:
    """A browser context that can reach the local server only."""
    context = chromium.new_context(viewport=viewport, device_scale_factor=1)
    host = urllib.parse.urlsplit(base).netloc

    def route(request_route: object) -> None:
        if urllib.parse.urlsplit(request_route.request.url).netloc == host:
            request_route.continue_()
        else:
            request_route.abort()

    context.route("**/*", route)
    return context


_WAIT_FOR_MATH = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
}"""

_RAW_TEX = r"""() => {
  const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest('pre, code, script, style, mjx-container, .highlight')) continue;
    const text = node.textContent;
    const match = text.match(/\\\(|\\\[|\$\$|\\frac|\\mathbb|\\theta|\$[^$\s][^$]*\$/);
    if (match) found.push(text.trim().slice(0, 80));
  }
  return found;
}"""

_LINKS = """() => Array.from(document.querySelectorAll('main a[href]')).map(a => a.href)"""

_NOTEBOOK_DOWNLOADS = """() => Array.from(document.querySelectorAll('.dropdown-download-buttons a[href$=".ipynb"]'))
  .map(a => a.href)"""

_IMAGES = """() => Array.from(document.querySelectorAll('main img'))
  .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"""

# A figure drawn by a cell (an image, or the animation's frame) sits in a <figure> with a numbered caption.
_FIGURES = """() => Array.from(document.querySelectorAll('main .cell_output img'))
  .map(img => {
    const figure = img.closest('figure');
    const number = figure && figure.querySelector('figcaption .caption-number');
    return {captioned: Boolean(number), where: (img.closest('.cell') || img).id || img.src.split('/').pop()};
  })"""

_OVERFLOW = """(selector) => {
  const blocks = Array.from(document.querySelectorAll(selector)).filter(b => b.offsetParent !== null);
  return {count: blocks.length,
          wide: blocks.filter(b => b.scrollWidth > b.clientWidth + 1)
                      .map(b => b.textContent.split('\\n').reduce((a, l) => l.length > a.length ? l : a, '')
                                 .slice(0, 60))};
}"""


def toc_pages(root: pathlib.Path) -> list[str]:
    """The pages of ``_toc.yml``, as paths without suffix."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            pages.append(chapter["file"])
            pages.extend(section["file"] for section in chapter.get("sections", []))
    return pages


def _check_link(html: pathlib.Path, base: str, url: str, ids: dict[str, set[str]]) -> str | None:
    """Why a link from a page does not resolve, or None."""
    if not url.startswith(base):
        return None  # an external link: not followed offline
    parts = urllib.parse.urlsplit(url[len(base):])
    target = html / urllib.parse.unquote(parts.path or "index.html")
    if target.is_dir():
        target = target / "index.html"
    if not target.exists():
        return f"missing file {target.relative_to(html)}"
    if parts.fragment and target.suffix == ".html":
        if target not in ids:
            from html.parser import HTMLParser

            found: set[str] = set()

            class Ids(HTMLParser):
                def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                    found.update(value for name, value in attrs if name in ("id", "name") and value)

            Ids().feed(target.read_text(encoding="utf-8"))
            ids[target] = found
        if urllib.parse.unquote(parts.fragment) not in ids[target]:
            return f"missing anchor #{parts.fragment} in {target.relative_to(html)}"
    return None


def inspect_site(html: pathlib.Path, root: pathlib.Path, screenshots: pathlib.Path | None = None) -> SiteReport:
    """Open every page of the book built in ``html`` (sources in ``root``) and report what a reader would see."""
    report = SiteReport()
    screenshots = screenshots or html.parent / "browser-screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    ids: dict[pathlib.Path, set[str]] = {}
    with serve(html) as base, browser() as chromium:
        context = _offline_context(chromium, base, DESKTOP)
        page = context.new_page()
        current = {"name": ""}
        page.on("console", lambda message: message.type == "error" and report.console_errors.append(
            f"{current['name']}: {message.text[:200]}"))
        page.on("pageerror", lambda error: report.console_errors.append(f"{current['name']}: {error}"))
        page.on("requestfailed", lambda request: report.console_errors.append(
            f"{current['name']}: request failed (offline or missing): {request.url[:120]}"))
        for name in toc_pages(root):
            current["name"] = name
            _open(page, base + name + ".html")
            report.pages += 1
            raw = page.evaluate(_RAW_TEX)
            if raw:
                report.raw_tex_pages.append(f"{name}: {raw[0]!r} ({len(raw)} places)")
            for url in page.evaluate(_LINKS):
                problem = _check_link(html, base, url, ids)
                if problem:
                    report.broken_links.append(f"{name}: {problem}")
            report.broken_images.extend(f"{name}: {src}" for src in page.evaluate(_IMAGES))
            if (root / f"{name}.ipynb").exists():
                downloads = page.evaluate(_NOTEBOOK_DOWNLOADS)
                if not downloads or any(_check_link(html, base, url, ids) for url in downloads):
                    report.chapters_without_notebook_download.append(name)
            blocks = page.evaluate(_OVERFLOW, CODE_BLOCKS)
            report.code_blocks += blocks["count"]
            report.overflowing_blocks.extend(f"{name}: {line!r}" for line in blocks["wide"])
            figures = page.evaluate(_FIGURES)
            report.figures += len(figures)
            report.uncaptioned_figures.extend(f"{name}: {f['where']}" for f in figures if not f["captioned"])
            if name in SCREENSHOT_PAGES:
                path = screenshots / f"{name.replace('/', '-')}-desktop.png"
                page.screenshot(path=str(path))
                report.screenshots.append(path)
        report.solution_opens = _solution_opens(page, base)
        report.slider_moves = _slider_moves(page, base)
        report.search_finds_adam = bool(_search(page, base, "Adam"))
        snippets = [snippet for snippet in _search(page, base, SNIPPET_QUERY) if snippet is not None]
        report.search_snippets = len(snippets)
        report.raw_tex_search_snippets = [snippet[:100] for snippet in snippets if _TEX_IN_TEXT.search(snippet)]
        context.close()

        phone = _offline_context(chromium, base, PHONE)
        page = phone.new_page()
        page.on("pageerror", lambda error: report.console_errors.append(f"phone: {error}"))
        for name in SCREENSHOT_PAGES:
            _open(page, base + name + ".html")
            path = screenshots / f"{name.replace('/', '-')}-phone.png"
            page.screenshot(path=str(path))
            report.screenshots.append(path)
        report.phone_navigation_opens = _opens_from_visible_button(page, base, ".primary-toggle",
                                                                  "#pst-primary-sidebar-modal")
        report.phone_page_contents_opens = _opens_from_visible_button(page, base, ".secondary-toggle",
                                                                     "#pst-secondary-sidebar-modal")
        phone.close()
    return report


def _open(page: object, url: str) -> None:
    """Load ``url`` and wait until its scripts are idle and its math is typeset."""
    page.goto(url, wait_until="networkidle")
    for _ in range(3):
        try:
            page.evaluate(_WAIT_FOR_MATH)
            return
        except PlaywrightError as error:  # a script navigated or reloaded the page: wait, try again
            if "context was destroyed" not in str(error):
                raise
            print(f"note: {url} navigated to {page.url} while loading", file=sys.stderr)
            page.wait_for_load_state("networkidle")
    page.evaluate(_WAIT_FOR_MATH)


def _opens_from_visible_button(page: object, base: str, button: str, dialog: str) -> bool:
    """Whether clicking the visible ``button`` on a chapter opens ``dialog`` with links in it."""
    page.goto(base + "book/part3/adam.html", wait_until="load")
    visible = [b for b in page.query_selector_all(button) if b.is_visible()]
    if not visible:
        return False
    visible[0].click()
    try:
        page.wait_for_selector(f"{dialog}[open] a", state="visible", timeout=3000)
    except PlaywrightTimeout:  # the dialog did not open
        return False
    return True


def _solution_opens(page: object, base: str) -> bool:
    page.goto(base + "book/part3/adam.html", wait_until="load")
    solution = page.query_selector("div.solution.dropdown")
    if solution is None:
        return False
    body = solution.query_selector("section, div.solution-content, p:not(.admonition-title)")
    hidden_before = body is not None and not body.is_visible()
    solution.query_selector(".admonition-title").click()
    page.wait_for_timeout(500)
    return hidden_before and body.is_visible()


def _slider_moves(page: object, base: str) -> bool:
    page.goto(base + "book/part3/comparison.html", wait_until="load")
    slider = page.query_selector("input.anim-slider")
    if slider is None:
        return False
    frame = page.query_selector("div.animation img")
    before = frame.get_attribute("src") if frame else None
    slider.evaluate("(s) => { s.value = Math.floor(s.max / 2); s.dispatchEvent(new Event('input')); }")
    page.wait_for_timeout(300)
    after = frame.get_attribute("src") if frame else None
    return before is not None and before != after


# A word that many pages use next to their math, so that its search results show math in their snippets.
SNIPPET_QUERY = "Hessian"
_TEX_IN_TEXT = re.compile(r"\\\(|\\\[|\$\$|\\[A-Za-z]+")
_SEARCH_FINISHED = """() => /finished/i.test(document.querySelector('#search-results .search-summary')?.textContent
  || '')"""
_SEARCH_RESULTS = """() => Array.from(document.querySelectorAll('#search-results li'))
  .map(li => li.querySelector('p.context')?.textContent ?? null)"""


def _search(page: object, base: str, word: str) -> list[str | None]:
    """One entry per result of the search page for ``word``: the text of its snippet (None for an API entry,
    which has none), once the search has finished and fetched the pages it quotes; [] if it never finishes."""
    page.goto(base + f"search.html?q={word}", wait_until="load")
    try:
        page.wait_for_function(_SEARCH_FINISHED, timeout=20000)
    except PlaywrightTimeout:
        return []
    page.wait_for_load_state("networkidle")  # each snippet is filled in when its page has been fetched
    return page.evaluate(_SEARCH_RESULTS)


if __name__ == "__main__":
    ROOT = pathlib.Path(__file__).resolve().parent.parent
    built = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html"
    result = inspect_site(built, ROOT)
    print(result.summary())
    print("screenshots:", *result.screenshots, sep="\n  ")
