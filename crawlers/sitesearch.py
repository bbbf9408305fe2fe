"""The site search as a page shows it: the search form (or a provincial search platform's), the URL
of a query, and the links an answer page offers.

Pure functions; the words are :class:`crawlers.checkwords.CheckWords`. Whether a query found what
it asked for is the search rule's judgment, from the recorded results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

from lxml.html import HtmlElement

from crawlers.checkwords import CheckWords
from crawlers.html import collapse, is_chrome
from crawlers.links import absolute
from crawlers.models import DatedItem

MAX_RESULTS = 60  # result links kept per answer page
MIN_RESULT_TEXT = 4  # shorter link texts are navigation (首页, 下一页)
QUERY_CHARS = 30  # a long title is searched by its first characters


@dataclass
class SearchForm:
    """Where a query goes: the form's action, method, query field and hidden fields."""

    action: str
    field_name: str
    method: str = "GET"
    hidden: list[tuple[str, str]] = field(default_factory=list)

    def query_url(self, query: str) -> str:
        parts = urlsplit(self.action)
        pairs = [*self.hidden, (self.field_name, query)]
        extra = urlencode(pairs)
        return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def find_form(root: HtmlElement, base: str, words: CheckWords) -> SearchForm | None:
    """The page's search form: a form with one text field named like a query (q, searchword, ...)
    or worded like a search (搜索, 检索). Its action may be on another host (a provincial platform)."""
    known = {f.lower() for f in words.search_fields}
    for form in root.iter("form"):
        fields = [
            i
            for i in form.iter("input")
            if (i.get("type") or "text").lower() in ("text", "search") and i.get("name")
        ]
        if len(fields) != 1:
            continue
        name = fields[0].get("name") or ""
        text = " ".join(
            [
                collapse(form.text_content()),
                form.get("action") or "",
                form.get("class") or "",
                form.get("id") or "",
            ]
            + [b.get("value") or "" for b in form.iter("input", "button")]
            + [fields[0].get("placeholder") or ""]
        )
        if name.lower() not in known and not any(w.lower() in text.lower() for w in words.search_texts):
            continue
        action = absolute(form.get("action") or base, base) or base
        hidden = [
            (i.get("name") or "", i.get("value") or "")
            for i in form.iter("input")
            if (i.get("type") or "").lower() == "hidden" and i.get("name")
        ]
        return SearchForm(action, name, (form.get("method") or "GET").upper(), hidden)
    return None


def pick_query(items: list[DatedItem], site_url: str) -> DatedItem | None:
    """The newest homepage item with a title and an address (pinned items last): what to search for."""
    usable = [i for i in items if i.title and i.url and i.url != site_url]
    usable.sort(key=lambda i: (i.pinned, -i.date.timestamp()))
    return usable[0] if usable else None


def query_text(title: str) -> str:
    return title.strip()[:QUERY_CHARS]


def result_links(root: HtmlElement, base: str) -> list[tuple[str, str]]:
    """(URL, text) of the answer's content links (navigation, header and footer left out)."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for a in root.iter("a"):
        text = collapse(a.get("title") or a.text_content())
        url = absolute(a.get("href"), base)
        if not url or url in seen or len(text) < MIN_RESULT_TEXT:
            continue
        if any(is_chrome(el) for el in a.iterancestors()):
            continue
        seen.add(url)
        found.append((url, text))
        if len(found) >= MAX_RESULTS:
            break
    return found
