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

from crawlers.textpos import PageLines
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
    if unicodedata.is_normalized("NFKC", text) and "\u0130" not in text:
        return text.lower()  # most pages: lower() keeps the length except for U+0130
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


def _octets(text: str) -> str:
    """A text's UTF-8 bytes as a string of code points 0-255. The automaton is built and run over
    these: pyahocorasick looks a node's children up one by one, and a dictionary of thousands of
    Chinese terms gives its root thousands of children (25 times slower on this machine), where
    bytes give it at most 256. UTF-8 keeps every match on character boundaries."""
    return text.encode("utf-8").decode("latin-1")


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
        # form -> (entries it is the wrong form of, (entry, offsets of its wrong form) it white-lists)
        patterns: dict[str, tuple[list[Entry], list[tuple[Entry, tuple[int, ...]]]]] = {}
        for dictionary in self.dictionaries:
            for entry in dictionary.entries:
                wrong = squeeze(entry.wrong)
                patterns.setdefault(wrong, ([], []))[0].append(entry)
                for longer in entry.allow:
                    form = squeeze(longer)
                    offsets = tuple(m.start() for m in re.finditer(f"(?={re.escape(wrong)})", form))
                    patterns.setdefault(form, ([], []))[1].append((entry, offsets))
        for form, (wrong_for, allows) in patterns.items():
            self.automaton.add_word(
                _octets(form), (len(form.encode("utf-8")), len(form), tuple(wrong_for), tuple(allows))
            )
        self.size = len(patterns)
        if patterns:
            self.automaton.make_automaton()

    def _raw(self, norm: str) -> tuple[list[tuple[int, int, Entry]], set[tuple[str, int]]]:
        """Wrong-form matches (character positions), and the (entry, start) of those a white-listed
        longer form covers."""
        data = norm.encode("utf-8")
        found = sorted(
            (end + 1 - octets, chars, wrong_for, allows)
            for end, (octets, chars, wrong_for, allows) in self.automaton.iter(_octets(norm))
        )
        wrong: list[tuple[int, int, Entry]] = []
        covered: set[tuple[str, int]] = set()
        ascii_only = len(data) == len(norm)
        byte_pos = char_pos = 0
        for start_byte, chars, entries, allows in found:
            if ascii_only:
                char_pos = start_byte
            else:  # UTF-8 matches start on character boundaries: count the characters in between
                char_pos += len(data[byte_pos:start_byte].decode("utf-8"))
                byte_pos = start_byte
            wrong.extend((char_pos, char_pos + chars, e) for e in entries)
            for e, offsets in allows:
                covered.update((e.key, char_pos + off) for off in offsets)
        return wrong, covered

    def scan(self, text: str, context_chars: int = 30, fingerprint_chars: int = 10) -> list[WordingHit]:
        """Hits in order of position; white-listed forms and allowed prefixes are not hits."""
        if not self.size or not text:
            return []
        norm = normalise(text)
        wrong, covered = self._raw(norm.text)
        hits: list[WordingHit] = []
        where = PageLines(text)
        for start, end, entry in sorted(wrong, key=lambda w: (w[0], w[1])):
            if (entry.key, start) in covered:
                continue
            if any(norm.text.endswith(squeeze(p), 0, start) for p in entry.allow_before):
                continue
            o_start, o_end = norm.original(start), norm.original(end - 1) + 1
            page, line = where.at(o_start)
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
