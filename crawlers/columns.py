"""Columns (栏目): find them in a site's navigation or 网站地图, with their names as shown.

Which category a column is (news, notice/policy, other, exempt) and whether it is empty or stale is
the column rules' judgment (``pipelines/rules/``), made from the names recorded here under the
indicator file in force. Navigation entries that are not columns (首页, 无障碍, ...) and the site-map
link texts are page vocabulary (:mod:`crawlers.pagewords`); pass the office's words to honour its
override.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawlers.html import Doc, class_and_id, collapse, is_chrome, parse
from crawlers.links import (
    ATTACHMENT_EXT,
    IMAGE_EXT,
    ColumnRef,
    _link_text,
    absolute,
    extension,
    is_internal,
    page_base,
)
from crawlers.pagewords import PageWords, load_page_words

_ARTICLE = re.compile(
    r"(?:^|/)(?:t\d{8}_\d+|art_\d+_\d+|content_\d+|post_\d+)[^/]*$|/art/\d{4}[/-]", re.IGNORECASE
)
_HOME_PATH = re.compile(r"^/?(?:(?:index|default|home|main)\.(?:s?html?|jsp|php|aspx?))?$", re.IGNORECASE)
_NAV_ATTR = re.compile(r"nav|menu|daohang|lanmu", re.IGNORECASE)
_MAP_ATTR = re.compile(r"map|wzdt", re.IGNORECASE)
_HEADING_ATTR = re.compile(r"tit|hd\b|head", re.IGNORECASE)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "dt", "th", "strong", "b"})
_INDEX_TAIL = re.compile(r"/(?:index|default)\.(?:s?html?|jsp|php|aspx?)$", re.IGNORECASE)


# ---------------------------------------------------------------- discovery


def _dedup_key(url: str) -> str:
    parts = urlsplit(url)
    path = _INDEX_TAIL.sub("/", parts.path).rstrip("/")
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}{path}?{parts.query}"


def _is_column_url(url: str, base_url: str) -> bool:
    if not is_internal(url, base_url):
        return False
    parts = urlsplit(url)
    if not parts.query and _HOME_PATH.match(parts.path):
        return False
    if _dedup_key(url) == _dedup_key(base_url):
        return False
    if _ARTICLE.search(parts.path):
        return False
    return extension(url) not in IMAGE_EXT | ATTACHMENT_EXT


def _li_level(a: HtmlElement, stop: HtmlElement) -> int:
    """Menu depth from list nesting: a sub-list item, or a later link in an item, is level 2."""
    items = []
    for anc in a.iterancestors():
        if anc is stop:
            break
        if anc.tag == "dd":
            return 2
        if anc.tag == "li":
            items.append(anc)
    if len(items) >= 2:
        return 2
    if items and items[0].find(".//a[@href]") is not a:
        return 2
    return 1


def _nav_containers(root: HtmlElement) -> list[HtmlElement]:
    """Outermost navigation blocks; ``<header>`` blocks when the page names none."""
    found = [
        el
        for el in root.iter("nav", "ul", "div", "header", "section", "table", "td", "dl")
        if el.tag == "nav" or _NAV_ATTR.search(class_and_id(el))
    ]
    if not found:
        found = list(root.iter("header"))
    chosen = set(found)
    return [el for el in found if not any(anc in chosen for anc in el.iterancestors())]


def _heading_link(a: HtmlElement) -> bool:
    """The link is (inside) a heading that wraps this one link only."""
    el: HtmlElement | None = a
    for _ in range(4):
        if el is None:
            return False
        if el is not a and len(el.findall(".//a[@href]")) > 1:
            return False
        if el.tag in _HEADING_TAGS or _HEADING_ATTR.search(class_and_id(el)):
            return True
        el = el.getparent()
    return False


def _in_chrome(a: HtmlElement) -> bool:
    for anc in a.iterancestors():
        if _MAP_ATTR.search(class_and_id(anc)):
            return False
        if is_chrome(anc):
            return True
    return False


def _has_headings(root: HtmlElement, map_words: tuple[str, ...]) -> bool:
    """The map groups its links under headings (a title like 网站地图 itself does not count)."""
    for el in root.iter(*_HEADING_TAGS, "div", "span", "p"):
        if el.tag in _HEADING_TAGS or _HEADING_ATTR.search(class_and_id(el)):
            text = collapse(el.text_content())
            if text and not any(w in text for w in map_words) and not _in_chrome(el):
                return True
    return False


def _sitemap_levels(root: HtmlElement, words: PageWords) -> list[tuple[HtmlElement, int]]:
    links = [a for a in root.iter("a") if a.get("href")]
    content = [a for a in links if not _in_chrome(a)] or links
    headed = _has_headings(root, words.sitemap_link_texts)
    out = []
    for a in content:
        if _heading_link(a):
            level = 1
        else:
            level = _li_level(a, root)
            if level == 1 and headed:
                item = next((anc for anc in a.iterancestors() if anc.tag == "li"), None)
                parent_item = item is not None and item.find(".//ul") is not None
                level = 1 if parent_item else 2
        out.append((a, level))
    return out


def find_columns(
    root: HtmlElement, base_url: str, *, from_sitemap: bool = False, words: PageWords | None = None
) -> list[ColumnRef]:
    """Columns from a parsed homepage (navigation) or 网站地图 page; see :func:`discover_columns`."""
    vocab = words or load_page_words()
    base = page_base(root, base_url)
    if from_sitemap:
        candidates = _sitemap_levels(root, vocab)
        source = "sitemap"
    else:
        candidates = [(a, _li_level(a, box)) for box in _nav_containers(root) for a in box.iter("a")]
        source = "nav"
    seen: set[str] = set()
    columns: list[ColumnRef] = []
    for a, level in candidates:
        url = absolute(a.get("href"), base)
        name = _link_text(a)
        if url is None or not name or vocab.skips_nav_entry(name):
            continue
        if not _is_column_url(url, base_url):
            continue
        key = _dedup_key(url)
        if key in seen:
            continue
        seen.add(key)
        columns.append(ColumnRef(url=url, name=name, level=level, source=source))
    return columns


def discover_columns(
    html: Doc, base_url: str, *, from_sitemap: bool = False, words: PageWords | None = None
) -> list[ColumnRef]:
    """The site's columns from its navigation or (``from_sitemap``) its 网站地图 page."""
    return find_columns(parse(html), base_url, from_sitemap=from_sitemap, words=words)


def find_sitemap_url(html: Doc, base_url: str, words: PageWords | None = None) -> str | None:
    """URL of the 网站地图 page linked from this page (exact link text first, then containing it)."""
    texts = (words or load_page_words()).sitemap_link_texts
    root = parse(html)
    base = page_base(root, base_url)
    partial: str | None = None
    for a in root.iter("a"):
        label = "".join(_link_text(a).split())
        if not any(t in label for t in texts):
            continue
        url = absolute(a.get("href"), base)
        if url is None:
            continue
        if label in texts:
            return url
        partial = partial or url
    return partial
