"""Load the page-reading vocabulary (``crawlers/data/pagewords.toml``), merged with an office's override.

These words change what the crawler *records* (pinned entries, anti-bot walls, navigation entries
that are not columns, the 网站地图 link, which linked pages get soft-404 signals), never what the
judge concludes: judgment words and numbers live in the indicator data, read by the rules. An office
adjusts them with a ``[page_words]`` table in its ``[indicators] file``, so every page-reading path
that is given the configured override honours it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawlers.names import normalize_name
from crawlers.wordtables import overridden_table

DEFAULT_FILE = Path(__file__).with_name("data") / "pagewords.toml"
TABLE = "page_words"


@dataclass(frozen=True)
class PageWords:
    """The vocabulary, typed and ready to match."""

    pinned_markers: tuple[str, ...]
    antibot_phrases: tuple[str, ...]
    antibot_statuses: frozenset[int]
    antibot_max_text_chars: int
    sitemap_link_texts: tuple[str, ...]
    nav_skip_texts: frozenset[str]  # normalised (crawlers.names)
    no_entries_texts: tuple[str, ...]
    notfound_hints: tuple[str, ...]  # lower-cased
    notice_words: tuple[str, ...] = ()  # 公示-type pages: their images and scans are read by OCR
    render_skip_hosts: tuple[str, ...] = ()  # security watch: widget hosts not worth a browser

    def may_say_not_found(self, html: str) -> bool:
        """The page says a not-found stem somewhere: worth reading its soft-404 signals."""
        lowered = html.lower()
        return any(hint in lowered for hint in self.notfound_hints)

    def says_no_entries(self, text: str) -> bool:
        """A list page's text says it has nothing to list (暂无信息, 正在建设, ...)."""
        return any(word in text for word in self.no_entries_texts)

    def is_notice(self, *texts: str) -> bool:
        """A title or column name of a 公示-type page (a published list of people)."""
        return any(word in text for text in texts for word in self.notice_words)

    def skips_nav_entry(self, text: str) -> bool:
        return normalize_name(text) in self.nav_skip_texts


def _strings(table: dict[str, Any], key: str, where: str) -> list[str]:
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: [{TABLE}] {key} must be a list of strings")
    return value


@lru_cache(maxsize=8)
def load_page_words(override: str | Path | None = None) -> PageWords:
    """The shipped vocabulary, with the override file's ``[page_words]`` keys replacing the shipped ones."""
    table, where = overridden_table(DEFAULT_FILE, TABLE, override)
    statuses = table["antibot_statuses"]
    if not isinstance(statuses, list) or not all(isinstance(s, int) for s in statuses):
        raise ValueError(f"{where}: [{TABLE}] antibot_statuses must be a list of integers")
    limit = table["antibot_max_text_chars"]
    if not isinstance(limit, int) or limit < 0:
        raise ValueError(f"{where}: [{TABLE}] antibot_max_text_chars must be a non-negative integer")
    return PageWords(
        pinned_markers=tuple(_strings(table, "pinned_markers", where)),
        antibot_phrases=tuple(_strings(table, "antibot_phrases", where)),
        antibot_statuses=frozenset(statuses),
        antibot_max_text_chars=limit,
        sitemap_link_texts=tuple(_strings(table, "sitemap_link_texts", where)),
        nav_skip_texts=frozenset(normalize_name(t) for t in _strings(table, "nav_skip_texts", where)),
        no_entries_texts=tuple(_strings(table, "no_entries_texts", where)),
        notfound_hints=tuple(h.lower() for h in _strings(table, "notfound_hints", where)),
        notice_words=tuple(_strings(table, "notice_words", where)),
        render_skip_hosts=tuple(_strings(table, "render_skip_hosts", where)),
    )
