"""Small fixes to the HTML pages of the book, loaded by ``_config.yml`` (``sphinx: local_extensions``).

- sphinx-thebe adds its configuration script once per read of the sources, so a page could carry
  ``const THEBE_JS_URL = ...`` twice and the browser reported "Identifier 'THEBE_JS_URL' has already been
  declared" on every page. Each script is kept once.
- Matplotlib's JavaScript animations link Font Awesome 4 from a CDN for their buttons' icons. The link is
  dropped: the theme ships Font Awesome itself, so the page needs no network.
- A traceback of an error a chapter raises on purpose is shown short: the reader's own cell, then the error
  and its message. The frames inside libraries (scikit-learn, lib) are replaced by a line that counts them;
  the notebook itself keeps the whole traceback.
- Each chapter offers its notebook for download: the download menu lists the paired ``.ipynb``, with the
  outputs the tests check, beside the ``.md`` source (sphinx-book-theme shows the entry when the page context
  names ``ipynb_source``; nothing else sets it for a MyST notebook).
- The bibliography's labels read like the citations in the text ("Kingma and Ba 2015"), not [1] to [67]:
  the pybtex style ``book`` below.
"""

from __future__ import annotations

import pathlib
import re
import shutil
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx


def _script_key(script: Any) -> tuple[str, str]:
    filename = getattr(script, "filename", script) or ""  # an inline script's filename is None or ""
    attributes = getattr(script, "attributes", {}) or {}
    return str(filename), str(attributes.get("body", ""))


def keep_each_script_once(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Remove repeated entries from the page's list of scripts, keeping the first."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, str]] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique




# ---------------------------------------------------------------------------------------------------------------
# Bibliography labels in the style of the text's citations (author and year), not numbers.

def _register_author_year_style() -> None:
    """Register the pybtex style ``book`` (``bibtex_default_style: book``): labels such as "Kingma and Ba 2015"."""
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.labels import BaseLabelStyle

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):  # noqa: ANN001, ANN201 (pybtex's interface)
            for entry in sorted_entries:
                yield _author_year_label(entry)

    class BookStyle(PlainStyle):
        default_label_style = AuthorYearLabels

    register_plugin("pybtex.style.formatting", "book", BookStyle, force=True)


def _author_year_label(entry: Any) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(person.last_names).replace("{", "").replace("}", "") for person in persons]
    if not names:
        names = [entry.fields.get("organization", entry.fields.get("title", entry.key)).split(",")[0]]
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who} {entry.fields.get('year', 'n.d.')}"


_CDN_STYLESHEET = re.compile(r'<link[^>]+href="https://[^"]*font-awesome[^"]*"[^>]*>\s*')


def drop_cdn_stylesheets(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Remove links to stylesheets on a CDN from the HTML outputs of notebook cells."""
    for raw in list(doctree.findall(nodes.raw)):
        if raw.get("format") == "html" and _CDN_STYLESHEET.search(raw.astext()):
            text = _CDN_STYLESHEET.sub("", raw.astext())
            raw.replace_self(nodes.raw(text, text, format="html"))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FRAME = re.compile(r"^(Cell In\[|File |Input In \[)")


def short_traceback(text: str) -> str:
    """The header, the first frame (the cell that raised) and the error message of an IPython traceback."""
    lines = text.split("\n")
    plain = [_ANSI.sub("", line) for line in lines]
    starts = [i for i, line in enumerate(plain) if _FRAME.match(line)]
    if len(starts) < 2:
        return text
    last = starts[-1]
    end_of_last = next((i for i in range(last, len(plain)) if not plain[i].strip()), len(plain))
    message = [line for line, bare in zip(lines[end_of_last:], plain[end_of_last:], strict=True) if bare.strip()]
    first_frame = lines[starts[0]:starts[1]]
    while first_frame and not _ANSI.sub("", first_frame[-1]).strip():
        first_frame.pop()
    omitted = len(starts) - 1
    note = f"[... {omitted} frame{'s' if omitted > 1 else ''} inside the library omitted; the notebook shows them]"
    return "\n".join([*lines[: starts[0]], *first_frame, "", note, "", *message])


def shorten_tracebacks(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each stored traceback in a page by its short form (see ``short_traceback``)."""
    for block in list(doctree.findall(nodes.literal_block)):
        if "traceback" in block.get("classes", []):
            text = short_traceback(block.astext())
            if text != block.astext():
                new = nodes.literal_block(text, text, **{k: v for k, v in block.attributes.items()
                                                          if k not in ("ids", "backrefs", "dupnames", "names")})
                block.replace_self(new)


def offer_notebook_download(app: Sphinx, pagename: str, templatename: str, context: dict,
                            doctree: Any) -> None:
    """Copy a chapter's paired ``.ipynb`` into ``_sources`` and name it in the page context."""
    if doctree is None:
        return
    notebook = pathlib.Path(app.srcdir, pagename + ".ipynb")
    if not notebook.exists():
        return
    target = pathlib.Path(app.outdir, "_sources", pagename + ".ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, target)
    context["ipynb_source"] = pagename + ".ipynb"


def setup(app: Sphinx) -> dict[str, Any]:
    _register_author_year_style()
    app.connect("html-page-context", offer_notebook_download, priority=100)
    app.connect("doctree-resolved", shorten_tracebacks)
    app.connect("doctree-resolved", drop_cdn_stylesheets)
    # Early: Sphinx stops calling html-page-context handlers at the first one that returns a template name.
    app.connect("html-page-context", keep_each_script_once, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
