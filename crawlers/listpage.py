"""Find the dated entries of a CMS list page (a column) or of a homepage's news blocks.

A government page carries navigation, footers, "today is ..." widgets and side lists around the
one list that says when the column was last updated. :func:`extract_list` prepares the page (the
Hanweb datastore unpacked, scripts and comments dropped) and asks :mod:`crawlers.listscan` for the
repeating unit; it answers what the page shows: the dated entries and their count (whether the
column is empty is the column rules' judgment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawlers.datastore import unpack_datastores
from crawlers.listscan import ListScanner
from crawlers.models import DatedItem
from crawlers.pagewords import PageWords, load_page_words

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HOME_PATHS = re.compile(r"^/?(?:(?:index|default|home|main)\.[a-z]{2,5})?$", re.I)


@dataclass
class ListResult:
    """What a list page shows: its dated entries and how many entries it has. Whether the column is
    empty (no entry, or only a placeholder such as 暂无信息) is the column rules' judgment."""

    items: list[DatedItem]  # dated entries, in page order
    item_count: int  # all list entries found, dated or not
    newest: DatedItem | None = None  # max(date) over items -- never simply the first item


def newest_item(items: list[DatedItem]) -> DatedItem | None:
    """max(date) over all items; a pinned (置顶) item counts by its own date, not its position."""
    if not items:
        return None
    return max(items, key=lambda i: i.date)  # max keeps the first of equal dates: page order


def extract_list(
    html: str,
    base_url: str,
    now: datetime,
    words: PageWords | None = None,
    *,
    homepage: bool | None = None,
) -> ListResult:
    """The list entries of a column page, or with ``homepage`` those of every news block.

    ``homepage=None`` decides from the URL: a page at the site root is a homepage. ``words``: the
    page vocabulary (pinned markers), the office's when it overrides them.
    """
    vocab = words or load_page_words()
    if homepage is None:
        homepage = bool(_HOME_PATHS.match(urlsplit(base_url).path or "/"))
    html, stores, zero_stores = unpack_datastores(html)
    doc = _parse(html)
    if doc is None:
        return ListResult(items=[], item_count=0)
    extractor = ListScanner(doc, base_url, now, vocab.pinned_markers)
    if homepage:
        items = extractor.homepage_items()
        return ListResult(items, len(items), newest_item(items))
    if stores and stores == zero_stores:
        return ListResult([], 0)
    items, count = extractor.column_items(only_datastores=stores > zero_stores)
    return ListResult(items, count, newest_item(items))


def _parse(html: str) -> Any | None:
    html = _XML_DECL.sub("", html or "")
    if not html.strip():
        return None
    try:
        doc = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    etree.strip_elements(doc, "script", "style", "noscript", "template", etree.Comment, with_tail=False)
    return doc
