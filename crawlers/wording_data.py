"""The content watch's dictionaries (错敏词库) as data: shipped files plus an office's own list.

Each dictionary is a TOML file with a ``[dictionary]`` table (key, name, sources, ``allow_before``)
and ``[[entries]]``: the wrong form, the right form where there is one, a severity, a white list of
longer correct words that contain the wrong one (``allow``), prefixes that make a mention
legitimate (``allow_before``, e.g. "原" for a former body), and the (c)/(p)/(d) mark. This module
only reads and validates them; which dictionaries apply and how hits are judged is the pipelines'.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORDING_DIR = Path(__file__).with_name("data") / "wording"
SEVERITIES = ("low", "medium", "high")
MARKS = ("c", "p", "d")
OFFICE_KEY = "office"


@dataclass(frozen=True)
class Entry:
    """One dictionary entry: a wrong form and what should stand there instead."""

    dictionary: str
    id: str
    wrong: str
    right: str = ""
    severity: str = "high"
    allow: tuple[str, ...] = ()
    allow_before: tuple[str, ...] = ()
    note: str = ""
    mark: str = "d"

    @property
    def key(self) -> str:
        return f"{self.dictionary}/{self.id}"


@dataclass(frozen=True)
class Dictionary:
    key: str
    name: str
    entries: tuple[Entry, ...]
    sources: tuple[str, ...] = ()
    path: str = ""


def _strings(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{where}: field {name!r} must be a list of non-empty strings")
    return tuple(value)


def parse_entry(raw: Any, dictionary: str, where: str, inherited: tuple[str, ...] = ()) -> Entry:
    """One ``[[entries]]`` table, validated; errors name the file, the entry and the field."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: an entry must be a table")
    wrong = raw.get("wrong")
    if not isinstance(wrong, str) or not wrong.strip():
        raise ValueError(f"{where}: field 'wrong' is missing or empty")
    ident = str(raw.get("id") or wrong)
    severity = raw.get("severity", "high")
    if severity not in SEVERITIES:
        raise ValueError(f"{where} ({ident}): field 'severity' must be one of {', '.join(SEVERITIES)}")
    mark = raw.get("mark", "d")
    if mark not in MARKS:
        raise ValueError(f"{where} ({ident}): field 'mark' must be one of {', '.join(MARKS)}")
    right = raw.get("right", "")
    if not isinstance(right, str):
        raise ValueError(f"{where} ({ident}): field 'right' must be a string")
    allow = _strings(raw.get("allow"), f"{where} ({ident})", "allow")
    for longer in allow:
        if wrong not in longer:
            raise ValueError(f"{where} ({ident}): allow {longer!r} does not contain the wrong form {wrong!r}")
    before = inherited + _strings(raw.get("allow_before"), f"{where} ({ident})", "allow_before")
    unknown = set(raw) - {"id", "wrong", "right", "severity", "allow", "allow_before", "note", "mark"}
    if unknown:
        raise ValueError(f"{where} ({ident}): unknown field(s) {', '.join(sorted(unknown))}")
    return Entry(
        dictionary=dictionary,
        id=ident,
        wrong=wrong.strip(),
        right=right.strip(),
        severity=severity,
        allow=allow,
        allow_before=before,
        note=str(raw.get("note", "")),
        mark=mark,
    )


def parse_dictionary(data: dict[str, Any], where: str, key: str = "") -> Dictionary:
    head = data.get("dictionary", {})
    if not isinstance(head, dict):
        raise ValueError(f"{where}: [dictionary] must be a table")
    key = str(head.get("key") or key)
    if not key:
        raise ValueError(f"{where}: [dictionary] has no 'key'")
    before = _strings(head.get("allow_before"), f"{where} [dictionary]", "allow_before")
    raw_entries = data.get("entries", [])
    if not isinstance(raw_entries, list):
        raise ValueError(f"{where}: 'entries' must be an array of tables ([[entries]])")
    entries = tuple(
        parse_entry(raw, key, f"{where} entry {i + 1}", before) for i, raw in enumerate(raw_entries)
    )
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ValueError(f"{where}: duplicate entry id {entry.id!r}")
        seen.add(entry.id)
    sources = _strings(head.get("sources"), f"{where} [dictionary]", "sources")
    return Dictionary(key, str(head.get("name", key)), entries, sources, where)


def load_dictionary_file(path: str | Path) -> Dictionary:
    """A dictionary file (shipped or an office's), validated."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file}: dictionary file does not exist")
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{file}: not valid TOML: {exc}") from exc
    return parse_dictionary(data, str(file), key=file.stem)


def shipped_dictionary(key: str) -> Dictionary:
    """A dictionary shipped in ``crawlers/data/wording/`` by its key (its file name)."""
    path = WORDING_DIR / f"{key}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in WORDING_DIR.glob("*.toml")))
        raise ValueError(f"unknown dictionary {key!r} (shipped: {known})")
    return load_dictionary_file(path)


def office_dictionary(entries: list[Any], where: str) -> Dictionary:
    """An office's own entries written inline in its indicator override."""
    return parse_dictionary(
        {"dictionary": {"key": OFFICE_KEY, "name": "本单位词表"}, "entries": entries}, where
    )
