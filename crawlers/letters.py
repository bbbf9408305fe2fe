"""Read a public message list (信件列表, 留言选登) in the shapes government CMSs and platforms use.

- a table whose header row names the columns (标题, 来信时间, 回复时间, 状态), as TRS and hand-made
  templates print them;
- list items (``li``, ``dl``, ``div``) whose parts are labelled (来信时间：…, 状态：…) or classed
  (``span.reply``, ``span.status``); unlabelled dates count in order (submitted, then replied);
- Hanweb's inline datastore (records unpacked first, then read as items);
- JSON behind the list (:func:`read_json`): the longest array of objects, fields found by key.

Each letter keeps its dates and status words as printed; whether it counts as answered is the
interaction rule's judgment. The words are :class:`crawlers.checkwords.CheckWords`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml.html import HtmlElement

from crawlers.checkwords import CheckWords
from crawlers.datastore import unpack_datastores
from crawlers.dates import find_dates, parse_date, parse_timestamp
from crawlers.html import collapse, parse
from crawlers.links import absolute
from crawlers.sitefacts import Letter

MAX_LETTERS = 200  # letters kept per page (a list page shows 10-50)
STATUS_MAX_CHARS = 8  # a short bare text in a letter's item (not its title, not a date) is its status
_DIGIT = re.compile(r"\d")
_LABELLED = re.compile(r"([\u4e00-\u9fff]{2,6})\s*[:：]\s*")
_TRS_VARS = re.compile(r"currentPage\s*=\s*(\d+).*?countPage\s*=\s*(\d+)", re.S)


@dataclass
class LetterList:
    """What one list page showed: its shape, letters, rows and where its next page is."""

    shape: str = ""  # table | items | json | '' (no message list)
    letters: list[Letter] = field(default_factory=list)
    rows: int = 0
    next_url: str = ""


# ---------------------------------------------------------------- HTML


def read_html(html: str, base_url: str, now: datetime, words: CheckWords) -> LetterList:
    """The message list of an HTML page (the largest table or item list of dated letters)."""
    unpacked, _stores, _empty = unpack_datastores(html)
    root = parse(unpacked)
    best = _best_table(root, base_url, now, words)
    items = _best_items(root, base_url, now, words)
    if len(items.letters) > len(best.letters):
        best = items
    if best.letters:
        best.next_url = next_page(root, html, base_url, words)
    return best


def _cells(row: HtmlElement) -> list[HtmlElement]:
    return [c for c in row if c.tag in ("td", "th")]


def _header(row: HtmlElement, words: CheckWords) -> dict[int, str]:
    fields = {i: words.label_of(collapse(c.text_content())) for i, c in enumerate(_cells(row))}
    fields = {i: f for i, f in fields.items() if f}
    return fields if len(fields) >= 2 and "submitted" in fields.values() else {}


def _best_table(root: HtmlElement, base: str, now: datetime, words: CheckWords) -> LetterList:
    best = LetterList()
    for table in root.iter("table"):
        rows = [r for r in table.iter("tr") if r.getparent() is not None]
        head: dict[int, str] = {}
        found = LetterList(shape="table")
        for row in rows:
            if not head:
                head = _header(row, words)
                continue
            cells = _cells(row)
            if not cells:
                continue
            found.rows += 1
            letter = _from_cells(cells, head, row, base, now)
            if letter is not None:
                found.letters.append(letter)
        if len(found.letters) > len(best.letters):
            best = found
    return best


def _from_cells(
    cells: list[HtmlElement], head: dict[int, str], row: HtmlElement, base: str, now: datetime
) -> Letter | None:
    letter = Letter()
    for i, name in head.items():
        if i >= len(cells):
            continue
        text = collapse(cells[i].text_content())
        if name == "title":
            letter.title = text
        elif name == "status":
            letter.status = text
        elif name in ("submitted", "replied"):
            _set_date(letter, name, text, now)
    link = row.find(".//a[@href]")
    if link is not None:
        letter.url = absolute(link.get("href"), base) or ""
        letter.title = letter.title or collapse(link.text_content())
    return letter if letter.submitted is not None else None


def _set_date(letter: Letter, name: str, text: str, now: datetime) -> None:
    found = find_dates(text, now)
    if not found:
        return
    when, raw = found[0]
    if name == "submitted" and letter.submitted is None:
        letter.submitted, letter.raw_submitted = when, raw
    elif name == "replied" and letter.replied is None:
        letter.replied, letter.raw_replied = when, raw


def _best_items(root: HtmlElement, base: str, now: datetime, words: CheckWords) -> LetterList:
    groups: dict[HtmlElement, LetterList] = {}
    for el in root.iter("li", "dl", "div"):
        if el.tag == "div" and (el.find("div") is not None or el.find(".//li") is not None):
            continue  # a container, not an item
        link = el.find(".//a[@href]")
        if link is None:
            continue
        letter = _from_item(el, link, base, now, words)
        parent = el.getparent()
        if letter is None or parent is None:
            continue
        group = groups.setdefault(parent, LetterList(shape="items"))
        group.rows += 1
        group.letters.append(letter)
    return max(groups.values(), key=lambda g: len(g.letters), default=LetterList())


def _classed(el: HtmlElement, classes: tuple[str, ...]) -> bool:
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return any(c in names for c in classes)


def _texts(el: HtmlElement, link: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """(element whose class speaks for it, text) for every text run of an item but the title's."""
    runs: list[tuple[HtmlElement, str]] = [(el, el.text or "")]
    inside_link = set(link.iter())
    for part in el.iterdescendants():
        parent = part.getparent()
        if part not in inside_link and isinstance(part.tag, str):
            runs.append((part, part.text or ""))
        if parent is not None and part.tail:
            runs.append((parent, part.tail))
    return [(owner, collapse(text)) for owner, text in runs if collapse(text)]


def _from_item(
    el: HtmlElement, link: HtmlElement, base: str, now: datetime, words: CheckWords
) -> Letter | None:
    letter = Letter(
        title=collapse(link.get("title") or link.text_content()), url=absolute(link.get("href"), base) or ""
    )
    loose: list[str] = []
    for owner, text in _texts(el, link):
        if owner is not el and _classed(owner, words.status_classes) and not find_dates(text, now):
            letter.status = letter.status or text
        elif owner is not el and _classed(owner, words.replied_classes):
            _set_date(letter, "replied", text, now)
        elif owner is not el and _classed(owner, words.submitted_classes):
            _set_date(letter, "submitted", text, now)
        else:
            _read_labelled(letter, text, now, words, loose)
    for raw in loose:  # unlabelled dates: submitted first, then replied
        _set_date(letter, "submitted" if letter.submitted is None else "replied", raw, now)
    return letter if letter.submitted is not None and letter.title else None


def _read_labelled(letter: Letter, text: str, now: datetime, words: CheckWords, loose: list[str]) -> None:
    """``来信时间：2024-05-01 状态：已回复`` read field by field; dates with no label kept aside."""
    parts = _LABELLED.split(text)
    if len(parts) == 1:
        dates = [raw for _when, raw in find_dates(text, now)]
        if not dates and not letter.status and len(text) <= STATUS_MAX_CHARS and not _DIGIT.search(text):
            letter.status = text.strip("[]【】()（）")  # a bare status cell: [已回复]
        loose += dates
        return
    loose += [raw for _when, raw in find_dates(parts[0], now)]
    for label, value in zip(parts[1::2], parts[2::2], strict=False):
        name = words.label_of(label)
        value = value.strip()
        if name == "status":
            letter.status = letter.status or value.split(" ")[0]
        elif name in ("submitted", "replied"):
            _set_date(letter, name, value, now)
        elif not name:
            loose += [raw for _when, raw in find_dates(value, now)]


def next_page(root: HtmlElement, html: str, base_url: str, words: CheckWords) -> str:
    """The next list page: a pager link (下一页), else the TRS ``createPageHTML`` pager's next file."""
    for a in root.iter("a"):
        text = collapse(a.text_content())
        if text and text in words.next_texts:
            url = absolute(a.get("href"), base_url)
            if url and url != base_url:
                return url
    m = _TRS_VARS.search(html)
    if m and "createPageHTML" in html:
        current, count = int(m.group(1)), int(m.group(2))
        if current + 1 < count:
            return absolute(f"index_{current + 1}.html", base_url) or ""
    return ""


# ---------------------------------------------------------------- JSON


def _key(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {k.lower(): v for k, v in data.items()}
    for key in keys:
        if key.lower() in lowered and lowered[key.lower()] not in (None, ""):
            return lowered[key.lower()]
    return None


def _arrays(value: Any, depth: int = 0) -> list[list[dict[str, Any]]]:
    found: list[list[dict[str, Any]]] = []
    if depth > 5:
        return found
    if isinstance(value, list):
        dicts = [v for v in value if isinstance(v, dict)]
        if dicts:
            found.append(dicts)
        for v in value[:3]:
            found += _arrays(v, depth + 1)
    elif isinstance(value, dict):
        for v in value.values():
            found += _arrays(v, depth + 1)
    return found


def _json_date(value: Any, now: datetime) -> tuple[datetime | None, str]:
    if value is None or isinstance(value, bool):
        return None, ""
    if isinstance(value, int | float):
        return parse_timestamp(value), str(value)
    raw = str(value)
    return parse_date(raw, now), raw


def read_json(text: str, url: str, now: datetime, words: CheckWords) -> LetterList | None:
    """The letters of a JSON answer (None when the text is not JSON)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    best: list[Letter] = []
    rows = 0
    for array in _arrays(data):
        letters = [_json_letter(item, url, now, words) for item in array[:MAX_LETTERS]]
        dated = [letter for letter in letters if letter is not None]
        if len(dated) > len(best):
            best, rows = dated, len(array)
    found = LetterList(shape="json" if best else "", letters=best, rows=rows)
    if best:
        found.next_url = _json_next(data, url, words)
    return found


def _json_letter(item: dict[str, Any], base: str, now: datetime, words: CheckWords) -> Letter | None:
    submitted, raw_s = _json_date(_key(item, words.submitted_keys), now)
    if submitted is None:
        return None
    replied, raw_r = _json_date(_key(item, words.replied_keys), now)
    status = _key(item, words.status_keys)
    link = _key(item, words.url_keys)
    return Letter(
        title=collapse(str(_key(item, words.title_keys) or "")),
        url=(absolute(str(link), base) or "") if link else "",
        submitted=submitted,
        replied=replied,
        status="" if status is None else collapse(str(status)),
        raw_submitted=raw_s,
        raw_replied=raw_r,
    )


def _total_pages(data: Any, words: CheckWords, depth: int = 0) -> int | None:
    """The page count a JSON answer states, in any of its objects (``result.pageCount``, ...)."""
    if depth > 3:
        return None
    if isinstance(data, dict):
        value = _key(data, words.total_page_keys)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        children = list(data.values())
    elif isinstance(data, list):
        children = data[:1]
    else:
        return None
    for child in children:
        if isinstance(child, dict | list):
            found = _total_pages(child, words, depth + 1)
            if found is not None:
                return found
    return None


def _json_next(data: Any, url: str, words: CheckWords) -> str:
    """The next page's URL when the answer says there are more pages than this one."""
    total = _total_pages(data, words)
    if total is None:
        return ""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = {p.lower(): p for p, _v in query}
    param = next((names[p.lower()] for p in words.page_params if p.lower() in names), "")
    shown = dict(query).get(param, "1") if param else "1"
    current = int(shown) if shown.isdigit() else 1
    if current >= total:
        return ""
    if param:
        query = [(k, str(current + 1) if k == param else v) for k, v in query]
    else:
        query.append((words.page_params[0], str(current + 1)))
    return urlunsplit(parts._replace(query=urlencode(query)))
