"""Finding the one list on a page: the repeating unit of small link-plus-date entries.

Rather than take every link, the scanner looks for the element whose children are small entries
of a title link and a date, most of them dated, away from page chrome. Each text node is read for
dates once, and every link and date is credited to each of its ancestors' children, so scoring all
candidate containers costs one pass over the tree. :mod:`crawlers.listpage` is its caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawlers.datastore import DATASTORE_CLASS
from crawlers.dates import date_from_url, find_dates
from crawlers.entrylinks import carries_script_url, script_url
from crawlers.html import CHROME_OR_LINK_BLOCK, is_chrome
from crawlers.models import DatedItem

# Structural limits of one list entry (not indicator thresholds): a title link, maybe a category
# link and an attachment; a publication date, maybe a written date and an update time.
MAX_ENTRY_LINKS = 4
MAX_ENTRY_DATES = 2
MIN_TITLE_CHARS = 5  # shorter link texts are navigation ("首页", "更多", "设为首页")
MIN_UNDATED_TITLE_CHARS = 8  # an undated list counts only if its links read like article titles
MIN_UNDATED_ENTRIES = 3
MIN_HOMEPAGE_BLOCK = 2  # dated entries a homepage block needs besides the best one

_SKIP_HREF = re.compile(r"^\s*(?:javascript:|mailto:|tel:|#|$)", re.I)
_CHROME_HOSTS = re.compile(r"(?:^|\.)(?:beian\.miit\.gov\.cn|beian\.gov\.cn|conac\.cn)$", re.I)
_CHROME_TEXT = re.compile(r"ICP备|ICP证|公网安备|网站标识码")
_LABELS = re.compile(
    r"发布时间|发布日期|更新时间|更新日期|发文日期|成文日期|时间|日期|发布于|发布|[\s:：|\[\]()【】（）〔〕<>·-]"
)
_WIDGET = re.compile(r"今天是|今日是|星期[一二三四五六日天]|周[一二三四五六日]")
_PINNED_CLASS = re.compile(r"zhiding|settop|istop|is-top|pinned", re.I)


@dataclass
class _Hit:
    """A date found in one text node."""

    seq: int
    date: datetime
    raw: str  # the matched substring
    text: str  # the whole stripped text node
    date_only: bool  # the node says nothing but the date (and a label such as 发布时间)


@dataclass
class _Bucket:
    """What one child of a candidate container holds."""

    anchors: list[Any] = field(default_factory=list)
    dates: list[_Hit] = field(default_factory=list)


@dataclass
class _Unit:
    """One candidate list entry: a child element, or in flat lists a link and its followers."""

    elements: list[Any]
    anchors: list[Any]
    dates: list[_Hit]

    @property
    def date_only(self) -> list[_Hit]:
        return [h for h in self.dates if h.date_only]


def _squash(text: str) -> str:
    return " ".join(text.split())


class ListScanner:
    """One parsed page: every container's children, with the links and dates each holds."""

    def __init__(self, doc: Any, base_url: str, now: datetime, pinned_markers: tuple[str, ...]) -> None:
        self.doc = doc
        self.base_url = base_url
        self.now = now
        self.pinned_markers = pinned_markers
        self.order: dict[Any, int] = {}
        self.kids: dict[Any, dict[Any, _Bucket]] = {}
        self._titles: dict[Any, str] = {}
        self._link_date_cache: dict[Any, tuple[list[tuple[datetime, str]], tuple[datetime, str] | None]] = {}
        self._index()

    # ------------------------------------------------------------------ indexing
    def _credit(self, el: Any, attr: str, value: Any) -> None:
        """Add ``value`` to the bucket of every (ancestor, child-on-the-path) pair above ``el``."""
        child, parent = el, el.getparent()
        while parent is not None:
            bucket = self.kids.setdefault(parent, {}).get(child)
            if bucket is None:
                bucket = self.kids[parent][child] = _Bucket()
            getattr(bucket, attr).append(value)
            child, parent = parent, parent.getparent()

    def _index(self) -> None:
        seq = 0
        for event, el in etree.iterwalk(self.doc, events=("start", "end")):
            if not isinstance(el.tag, str):
                continue
            seq += 1
            if event == "start":
                self.order[el] = seq
                text = el.text
                if (el.tag == "a" or el.get("onclick") or el.get("data-url") or el.get("data-href")) and (
                    self._is_article_link(el)
                ):
                    self._credit(el, "anchors", el)
            else:
                text = el.tail
            if text and text.strip():
                for hit in self._dates_in(text, seq):
                    self._credit(el, "dates", hit)

    def _dates_in(self, text: str, seq: int) -> list[_Hit]:
        found = find_dates(text, self.now)
        if not found or _WIDGET.search(text):
            return []
        stripped = text.strip()
        residue = stripped
        for _dt, raw in found:
            residue = residue.replace(raw, "", 1)
        date_only = len(found) == 1 and not _LABELS.sub("", residue)
        return [_Hit(seq, dt, raw, stripped, date_only) for dt, raw in found]

    def _link_text(self, a: Any) -> str:
        return _squash(a.text_content()) or _squash(a.get("title", ""))

    def _href(self, a: Any) -> str:
        """The entry link's address: its href, or the one its script opens (crawlers.entrylinks)."""
        return script_url(a) if carries_script_url(a) else (a.get("href") or "").strip()

    def _is_article_link(self, a: Any) -> bool:
        scripted = carries_script_url(a)
        if scripted and a.tag != "a" and any(self._plain_link(x) for x in a.iter("a")):
            return False  # a clickable row around a real link: the link is the entry's
        href = self._href(a) if scripted or a.tag == "a" else ""
        if not href or _SKIP_HREF.match(href):
            return False
        text = self._link_text(a)
        if len(text) < 2 or _CHROME_TEXT.search(text):
            return False
        href = href.strip()
        if not href.lower().startswith(("http:", "https:", "//")):
            return True  # relative: same site as the page
        return not _CHROME_HOSTS.search(urlsplit(href).hostname or "")

    @staticmethod
    def _plain_link(a: Any) -> bool:
        href = a.get("href")
        return href is not None and not _SKIP_HREF.match(href)

    # ------------------------------------------------------------------ units and entries
    def _units(self, parent: Any) -> list[_Unit]:
        """The candidate entries of ``parent`` in page order (flat ``a`` + ``span`` runs grouped)."""
        buckets = self.kids.get(parent, {})
        children = [c for c in parent if isinstance(c.tag, str)]
        linked = [c for c in children if c in buckets and buckets[c].anchors]
        flat = sum(1 for c in linked if c.tag == "a") >= max(2, len(linked) // 2 + 1)
        units: list[_Unit] = []
        for child in children:
            bucket = buckets.get(child) or _Bucket()
            starts = child.tag == "a" if flat else True
            if starts and bucket.anchors:
                units.append(_Unit([child], list(bucket.anchors), list(bucket.dates)))
            elif flat and units:  # the date span (or text) that follows a flat list's link
                units[-1].elements.append(child)
                units[-1].anchors.extend(bucket.anchors)
                units[-1].dates.extend(bucket.dates)
        return [u for u in units if self._is_entry(u)]

    def _is_entry(self, unit: _Unit) -> bool:
        if not 1 <= len(unit.anchors) <= MAX_ENTRY_LINKS or len(unit.date_only) > MAX_ENTRY_DATES:
            return False
        return len(self._title(self._title_anchor(unit))) >= 2

    def _title_anchor(self, unit: _Unit) -> Any:
        if len(unit.anchors) == 1:
            return unit.anchors[0]
        return max(unit.anchors, key=lambda a: len(self._title(a)))

    def _title(self, a: Any) -> str:
        """Link text without its date span or pin marker; the title attribute if the text is cut."""
        cached = self._titles.get(a)
        if cached is None:
            cached = self._titles[a] = self._read_title(a)
        return cached

    def _read_title(self, a: Any) -> str:
        parts = []
        for segment in a.itertext():
            seg = segment.strip()
            if not seg or seg in self.pinned_markers:
                continue
            hits = find_dates(seg, self.now)
            if len(hits) == 1 and not _LABELS.sub("", seg.replace(hits[0][1], "", 1)):
                continue
            parts.append(seg)
        text = _squash(" ".join(parts))
        for marker in self.pinned_markers:
            text = text.removeprefix(marker).strip()
        attr = _squash((a.get("title") or "").strip().split("\n")[0])
        if attr and (not text or text.endswith(("...", "…", "..")) or len(attr) > len(text) and text in attr):
            return attr
        return text

    def _link_dates(self, a: Any) -> tuple[list[tuple[datetime, str]], tuple[datetime, str] | None]:
        """Dates in the link's title attribute and in its URL (cached: asked once per container)."""
        cached = self._link_date_cache.get(a)
        if cached is None:
            url = urljoin(self.base_url, self._href(a))
            cached = self._link_date_cache[a] = (find_dates(a.get("title", ""), self.now), date_from_url(url))
        return cached

    def _dated(self, unit: _Unit) -> bool:
        a = self._title_anchor(unit)
        if len(self._title(a)) < MIN_TITLE_CHARS:
            return False
        attr_dates, url_date = self._link_dates(a)
        return bool(unit.dates or attr_dates or url_date)

    def _item(self, unit: _Unit) -> DatedItem | None:
        a = self._title_anchor(unit)
        title = self._title(a)
        url = urljoin(self.base_url, self._href(a))
        pinned = self._pinned(unit)
        if unit.date_only:
            hit = max(unit.date_only, key=lambda h: h.seq)  # the last date column: publication
            return DatedItem(hit.date, title, url, "text", hit.text, pinned)
        attr_dates, from_url = self._link_dates(a)
        if attr_dates:
            return DatedItem(attr_dates[-1][0], title, url, "attribute", attr_dates[-1][1], pinned)
        if from_url:
            return DatedItem(from_url[0], title, url, "url", from_url[1], pinned)
        if unit.dates:  # a date only inside running text (often the title itself): weakest
            hit = unit.dates[-1]
            return DatedItem(hit.date, title, url, "text", hit.raw, pinned)
        return None

    def _pinned(self, unit: _Unit) -> bool:
        for el in unit.elements:
            text = el.text_content()
            if any(m in text for m in self.pinned_markers):
                return True
            for node in el.iter():
                if not isinstance(node.tag, str):
                    continue
                if _PINNED_CLASS.search(node.get("class", "") + " " + node.get("id", "")):
                    return True
                label = node.get("alt", "") + node.get("title", "") if node.tag == "img" else ""
                if any(m in label for m in self.pinned_markers):
                    return True
        return False

    # ------------------------------------------------------------------ containers
    def _scored(self) -> list[tuple[int, int, int, Any, list[_Unit]]]:
        scored = []
        for parent in self.kids:
            if sum(1 for b in self.kids[parent].values() if b.anchors) == 0:
                continue
            units = self._units(parent)
            if units:
                dated = sum(1 for u in units if self._dated(u))
                scored.append((dated, len(units), -self.order.get(parent, 0), parent, units))
        scored.sort(key=lambda s: s[:3], reverse=True)
        return scored

    def column_items(self, only_datastores: bool = False) -> tuple[list[DatedItem], int]:
        """The main list: the container with the most dated entries (plus its split siblings)."""
        scored = self._scored()
        if only_datastores:
            scored = [s for s in scored if self._in_datastore(s[3])]
        if not scored:
            return [], 0
        best = scored[0]
        if best[0] == 0:
            return [], self._undated_count(scored)
        units = list(best[4])
        main = best[3]
        parent = main.getparent()
        if parent is not None:
            for sibling in parent:
                if (
                    sibling is not main
                    and sibling.tag == main.tag
                    and sibling.get("class") == main.get("class")
                ):
                    units.extend(self._units(sibling))
        units.sort(key=lambda u: self.order.get(u.elements[0], 0))
        items = [item for item in (self._item(u) for u in units if self._dated(u)) if item]
        return items, len(units)

    def _undated_count(self, scored: list[tuple[int, int, int, Any, list[_Unit]]]) -> int:
        """Entries of an undated list whose links read like article titles, away from page chrome."""
        best = 0
        for _dated, _n, _order, parent, units in scored:
            if self._in_chrome(parent):
                continue
            long_titles = sum(
                1 for u in units if len(self._title(self._title_anchor(u))) >= MIN_UNDATED_TITLE_CHARS
            )
            if long_titles >= MIN_UNDATED_ENTRIES:
                best = max(best, len(units))
        return best

    def homepage_items(self) -> list[DatedItem]:
        """Dated entries of every news block, in page order, the first of each URL kept.

        Deepest blocks go first so that a wrapper holding two small lists, which can itself look
        like a list of two entries, never claims their links with a mismatched date.
        """
        scored = [s for s in self._scored() if s[0] > 0]
        blocks = [s for i, s in enumerate(scored) if i == 0 or s[0] >= MIN_HOMEPAGE_BLOCK]
        blocks.sort(key=lambda s: len(self._ancestors(s[3])), reverse=True)
        used: set[Any] = set()
        picked: list[tuple[int, DatedItem]] = []
        for block in blocks:
            for unit in block[4]:
                anchor = self._title_anchor(unit)
                if anchor in used or not self._dated(unit):
                    continue
                used.add(anchor)
                item = self._item(unit)
                if item is not None:
                    picked.append((self.order.get(unit.elements[0], 0), item))
        picked.sort(key=lambda p: p[0])
        seen: set[str] = set()
        items = []
        for _order, item in picked:
            if item.url not in seen:
                seen.add(item.url)
                items.append(item)
        return items

    def _ancestors(self, el: Any) -> list[Any]:
        chain = []
        while el is not None:
            chain.append(el)
            el = el.getparent()
        return chain

    def _in_datastore(self, el: Any) -> bool:
        return any(DATASTORE_CLASS in (a.get("class") or "") for a in self._ancestors(el))

    def _in_chrome(self, el: Any) -> bool:
        return any(is_chrome(a, CHROME_OR_LINK_BLOCK) for a in self._ancestors(el))
