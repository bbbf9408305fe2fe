"""Parsing a fetched page once and reading its visible text: the ground every page fact stands on.

Pure functions over decoded HTML (no network), run on every page of every site, so each parses
with lxml once; every function also accepts a tree from :func:`parse` so a caller asking several
questions of one page parses it only once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import lxml.html
from lxml import etree

Doc = str | bytes | lxml.html.HtmlElement


def words(text: str) -> frozenset[str]:
    """A word list written as one spaced string (keeps long constant lists readable)."""
    return frozenset(text.split())


_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)

# Text of these elements is never shown to a visitor.
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "title", "select"})
# Elements that break text into separate runs (so adjacent cells do not glue words together).
_BLOCK = words(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 h2 "
    "h3 h4 h5 h6 header hr li main nav ol option p pre section table tbody td tfoot th thead tr ul"
)

_WS = re.compile(r"\s+")

# ---------------------------------------------------------------- page chrome, in one table
#: The template around a page's content: elements with these tags, or whose class or id holds one
#: of these words (daohang 导航, topbar), are chrome. Used to read a page's own text (soft-404s), to
#: tell content links from navigation (columns) and to find an article list (list pages).
CHROME_TAGS = frozenset({"nav", "header", "footer"})
CHROME_WORDS = ("nav", "menu", "daohang", "foot", "header", "copyright", "bottom", "topbar")
#: Around a list, the link blocks are chrome too: top bars, 友情链接 (yqlj, friend), link lists.
LINK_BLOCK_WORDS = ("top", "link", "friend", "yqlj")
CHROME = re.compile("|".join(CHROME_WORDS), re.IGNORECASE)
CHROME_OR_LINK_BLOCK = re.compile("|".join(CHROME_WORDS + LINK_BLOCK_WORDS), re.IGNORECASE)


def class_and_id(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def is_chrome(el: etree._Element, pattern: re.Pattern[str] = CHROME) -> bool:
    """A chrome element: a nav/header/footer, or a class or id ``pattern`` finds (:data:`CHROME`)."""
    return el.tag in CHROME_TAGS or bool(pattern.search(class_and_id(el)))


_last_text: tuple[etree._Element | None, str] = (None, "")


# ---------------------------------------------------------------- parsing and text


def parse(html: Doc) -> lxml.html.HtmlElement:
    """The page's root element; a tree passed in is returned as is (parse once, ask many times).

    Text is decoded by the caller (bytes must be UTF-8); a stray encoding declaration is ignored.
    """
    if isinstance(html, etree._Element):
        return html
    data = html.encode("utf-8", "replace") if isinstance(html, str) else html
    root = etree.fromstring(data, _PARSER) if data.strip() else None
    if root is None:
        root = lxml.html.document_fromstring("<html><body></body></html>")
    return root


def collapse(text: str | None) -> str:
    """Whitespace runs (including full-width spaces and nbsp) become one space; ends stripped."""
    return _WS.sub(" ", text or "").strip()


def _text_runs(root: etree._Element, leave_out: Callable[[etree._Element], bool] | None = None) -> list[str]:
    """Text pieces in document order, invisible subtrees (and those ``leave_out`` names) skipped,
    blocks padded with spaces."""
    runs: list[str] = []
    add = runs.append
    walker = etree.iterwalk(root, events=("start", "end"))
    skip = walker.skip_subtree
    for event, el in walker:
        tag = el.tag  # the parser drops comments and PIs, so every tag is a str
        if event == "start":
            if tag in _BLOCK:
                add(" ")
            if tag in _INVISIBLE or (leave_out is not None and el is not root and leave_out(el)):
                skip()
            elif el.text:
                add(el.text)
        else:
            if tag in _BLOCK:
                add(" ")
            if el.tail and el is not root:
                add(el.tail)
    return runs


def visible_text(html: Doc) -> str:
    """Text a visitor sees (no scripts, styles or head), whitespace collapsed.

    The last tree's text is remembered: footer, soft-404 and anti-bot checks of one parsed page
    all need it (trees from :func:`parse` are treated as read-only).
    """
    global _last_text
    root = parse(html)
    if _last_text[0] is root:
        return _last_text[1]
    text = collapse("".join(_text_runs(root)))
    _last_text = (root, text)
    return text


def page_title(html: Doc) -> str:
    """The ``<title>`` text, collapsed ('' when absent)."""
    title = parse(html).find(".//title")
    return collapse(title.text_content()) if title is not None else ""
