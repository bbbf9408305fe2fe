"""Interaction channels (互动交流渠道) as pages show them: the links that name them, the submit form,
the links to a channel's submit page and message list, and the data address behind a script list.

Pure functions over a parsed page; the words are :class:`crawlers.checkwords.CheckWords`. A channel
on another host (a provincial 12345 or 政民互动 platform) is a channel like any other.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawlers.checkwords import CheckWords
from crawlers.html import collapse
from crawlers.links import absolute
from crawlers.pagefacts import looks_js_rendered
from crawlers.sitefacts import ChannelLink

COLUMN_TEXT_MAX = 8  # a 互动 column's navigation entry is short ("互动交流"); longer texts are titles
_TEXT_INPUTS = ("text", "", "tel", "email")
# a quoted address in a script that fetches data: ".../list.json", "/api/...", "...do?..."
_DATA_URL = re.compile(
    r"""["']((?:https?://[^"'\s]+|/|\./|\.\./)[^"'\s]*?(?:\.json|/api/|\.do|\.action|\.jsp|/list)[^"'\s]*)["']"""
)
_FETCHES = re.compile(r"\bfetch\s*\(|XMLHttpRequest|\$\.(?:ajax|get|getJSON|post)\s*\(|\baxios\b")
_DATA_ATTRS = ("data-url", "data-src", "data-api", "data-source")


def _anchors(root: HtmlElement, base: str) -> list[tuple[str, str]]:
    """(absolute URL, text) of every followable link, the text from an image's alt when empty."""
    found = []
    for a in root.iter("a"):
        url = absolute(a.get("href"), base)
        if not url:
            continue
        text = collapse(a.text_content())
        if not text:
            img = a.find(".//img")
            text = collapse((img.get("alt") or img.get("title")) if img is not None else a.get("title"))
        found.append((url, text))
    return found


def channel_links(root: HtmlElement, base: str, words: CheckWords) -> list[ChannelLink]:
    """Links naming a channel (领导信箱, 12345, ...) and short links naming a 互动 column, by URL."""
    found: dict[str, ChannelLink] = {}
    for url, text in _anchors(root, base):
        if url in found or url.rstrip("/") == base.rstrip("/"):
            continue
        if any(word in text for word in words.channel_texts):
            found[url] = ChannelLink(url=url, text=text)
        elif len(text) <= COLUMN_TEXT_MAX and any(word in text for word in words.column_texts):
            found[url] = ChannelLink(url=url, text=text, kind="column")
    return list(found.values())


def _is_search_form(form: HtmlElement, words: CheckWords) -> bool:
    inputs = [i for i in form.iter("input") if (i.get("type") or "").lower() in _TEXT_INPUTS]
    names = {(i.get("name") or "").lower() for i in inputs}
    text = f"{collapse(form.text_content())} {form.get('action') or ''} {form.get('class') or ''}"
    return len(inputs) <= 1 and (
        bool(names & {f.lower() for f in words.search_fields}) or any(w in text for w in words.search_texts)
    )


def has_submit_form(root: HtmlElement, words: CheckWords) -> bool:
    """A form a citizen can send a letter with: a text area, or several text fields (not a search box)."""
    for form in root.iter("form"):
        if _is_search_form(form, words):
            continue
        if form.find(".//textarea") is not None:
            return True
        inputs = [i for i in form.iter("input") if (i.get("type") or "").lower() in _TEXT_INPUTS]
        if len(inputs) >= 2:
            return True
    return False


def link_named(root: HtmlElement, base: str, texts: tuple[str, ...]) -> str:
    """The first link whose text says one of ``texts`` ('' when none)."""
    for url, text in _anchors(root, base):
        if url.rstrip("/") != base.rstrip("/") and any(t in text for t in texts):
            return url
    return ""


def data_urls(root: HtmlElement, base: str) -> list[str]:
    """Addresses a script-written list loads its data from: ``data-url``-like attributes, and the
    quoted addresses of inline scripts that fetch (first seen first)."""
    found: list[str] = []
    for el in root.iter():
        for attr in _DATA_ATTRS:
            if el.get(attr) and (url := absolute(el.get(attr), base)) and url not in found:
                found.append(url)
    for script in root.iter("script"):
        code = script.text or ""
        if script.get("src") or not _FETCHES.search(code):
            continue
        for raw in _DATA_URL.findall(code):
            url = absolute(raw, base)
            if url and url not in found:
                found.append(url)
    return found


def script_list(root: HtmlElement) -> bool:
    """The page's list is written by its script (an empty list container with a data fetch)."""
    return looks_js_rendered(root)
