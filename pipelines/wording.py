"""The content watch's matcher: dictionary entries found in a text, white lists applied.

One Aho-Corasick automaton (``pyahocorasick``) per dictionary set holds every wrong form and every
white-listed longer form, so a text is scanned once whatever the dictionary size; it is built once
and reused (:func:`matcher_for` caches it per indicator table). Text is normalised before matching
(NFKC where it keeps one character per character: full-width letters and digits, compatibility
ideographs, radicals; ASCII lower-cased; whitespace dropped, so "国土 资源部" from a PDF still
matches) and every hit is mapped back to its place in the original text for the context.
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import ahocorasick

from crawlers.models import page_and_line
from crawlers.wording_data import (
    SEVERITIES,
    Dictionary,
    Entry,
    load_dictionary_file,
    office_dictionary,
    shipped_dictionary,
)
from pipelines.rules.base import Rules

_SPACE = re.compile(r"\S+")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Characters whose NFKC form (lower-cased) is one other character: mapped 1:1, so positions hold."""
    table: dict[int, str] = {}
    # the Basic Multilingual Plane and the CJK compatibility ideographs supplement
    for code in (*range(0x80, 0xD800), *range(0xE000, 0x10000), *range(0x2F800, 0x2FA20)):
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", ch).lower()
        if len(folded) == 1 and folded != ch:
            table[code] = folded
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code).lower()
    return table


def fold(text: str) -> str:
    """NFKC (one character for one), lower case; length and positions unchanged."""
    return text.translate(_fold_table())


@dataclass(frozen=True)
class Normalised:
    """A text without whitespace, folded, with the map back to the original positions."""

    text: str
    starts: tuple[int, ...]  # start of each non-space run in the normalised text
    origins: tuple[int, ...]  # and where that run starts in the original

    def original(self, pos: int) -> int:
        i = bisect.bisect_right(self.starts, pos) - 1
        return self.origins[i] + (pos - self.starts[i])


def normalise(text: str) -> Normalised:
    folded = fold(text)
    parts: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    n = 0
    for m in _SPACE.finditer(folded):
        starts.append(n)
        origins.append(m.start())
        parts.append(m.group(0))
        n += m.end() - m.start()
    return Normalised("".join(parts), tuple(starts) or (0,), tuple(origins) or (0,))


def squeeze(text: str) -> str:
    """What a dictionary form looks like after normalisation."""
    return "".join(fold(text).split())


@dataclass(frozen=True)
class WordingHit:
    """One dictionary entry found in a text (positions in the original text)."""

    entry: Entry
    start: int
    end: int
    term: str  # the text as written
    page: int
    line: int
    context: str  # ± context_chars, whitespace collapsed
    key_context: str  # normalised, ± fingerprint_chars: what identifies the hit for dismissal


def _collapse(text: str) -> str:
    return " ".join(text.split())


class WordingMatcher:
    """Every entry of a dictionary set in one automaton; :meth:`scan` finds them in a text."""

    def __init__(self, dictionaries: Iterable[Dictionary]) -> None:
        self.dictionaries = tuple(dictionaries)
        self.automaton = ahocorasick.Automaton()
        patterns: dict[str, tuple[list[Entry], list[Entry]]] = {}  # form -> (wrong for, allowed for)
        for dictionary in self.dictionaries:
            for entry in dictionary.entries:
                patterns.setdefault(squeeze(entry.wrong), ([], []))[0].append(entry)
                for longer in entry.allow:
                    patterns.setdefault(squeeze(longer), ([], []))[1].append(entry)
        for form, (wrong, allowed) in patterns.items():
            self.automaton.add_word(form, (len(form), tuple(wrong), tuple(allowed)))
        self.size = len(patterns)
        if patterns:
            self.automaton.make_automaton()

    def _raw(self, norm: str) -> tuple[list[tuple[int, int, Entry]], dict[str, list[tuple[int, int]]]]:
        wrong: list[tuple[int, int, Entry]] = []
        allowed: dict[str, list[tuple[int, int]]] = {}
        for end, (length, entries, allows) in self.automaton.iter(norm):
            start = end + 1 - length
            wrong.extend((start, end + 1, e) for e in entries)
            for e in allows:
                allowed.setdefault(e.key, []).append((start, end + 1))
        return wrong, allowed

    def scan(self, text: str, context_chars: int = 30, fingerprint_chars: int = 10) -> list[WordingHit]:
        """Hits in order of position; white-listed forms and allowed prefixes are not hits."""
        if not self.size or not text:
            return []
        norm = normalise(text)
        wrong, allowed = self._raw(norm.text)
        hits: list[WordingHit] = []
        for start, end, entry in sorted(wrong, key=lambda w: (w[0], w[1])):
            if any(a <= start and end <= b for a, b in allowed.get(entry.key, ())):
                continue
            if any(norm.text.endswith(squeeze(p), 0, start) for p in entry.allow_before):
                continue
            o_start, o_end = norm.original(start), norm.original(end - 1) + 1
            page, line = page_and_line(text, o_start)
            context = _collapse(text[max(0, o_start - context_chars) : o_end + context_chars])
            key = norm.text[max(0, start - fingerprint_chars) : end + fingerprint_chars]
            hits.append(WordingHit(entry, o_start, o_end, text[o_start:o_end], page, line, context, key))
        return hits


# ---------------------------------------------------------------- the dictionary set of an indicator


def dictionaries_for(table: dict[str, Any], override: str = "") -> list[Dictionary]:
    """The dictionaries an indicator table names, plus the office's own file and inline entries.

    ``office_file`` is relative to the override file that set it (``override``).
    """
    found = [shipped_dictionary(key) for key in table.get("dictionaries", [])]
    office_file = str(table.get("office_file") or "")
    if office_file:
        path = Path(office_file)
        if not path.is_absolute() and override:
            path = Path(override).parent / path
        found.append(load_dictionary_file(path))
    inline = table.get("office_entries") or []
    if inline:
        where = f"{override or 'indicators.toml'} office_entries"
        found.append(office_dictionary(list(inline), where))
    return found


@lru_cache(maxsize=16)
def _matcher(key: str, override: str) -> WordingMatcher:
    return WordingMatcher(dictionaries_for(json.loads(key), override))


def matcher_for(rules: Rules, indicator: str) -> WordingMatcher:
    """The indicator's matcher, built once per dictionary set (cached on the table's content)."""
    table = rules.table(indicator)
    wanted = {k: table.get(k) for k in ("dictionaries", "office_file", "office_entries")}
    return _matcher(json.dumps(wanted, sort_keys=True, ensure_ascii=False), rules.source)


def judged_hits(hits: list[WordingHit], table: dict[str, Any]) -> list[WordingHit]:
    """The hits an indicator raises: at or above ``min_severity``, and for each dictionary only when
    at least its ``min_hits`` distinct entries appear in the text."""
    floor = SEVERITIES.index(table.get("min_severity", "low"))
    kept = [h for h in hits if SEVERITIES.index(h.entry.severity) >= floor]
    needed: dict[str, int] = dict(table.get("min_hits") or {})
    distinct: dict[str, set[str]] = {}
    for h in kept:
        distinct.setdefault(h.entry.dictionary, set()).add(h.entry.id)
    return [h for h in kept if len(distinct[h.entry.dictionary]) >= int(needed.get(h.entry.dictionary, 1))]
