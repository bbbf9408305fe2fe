"""The registry's vocabulary (``crawlers/data/registry_columns.toml``): header names, kinds and
platforms in English or Chinese, mapped to the canonical keys the rest of the project uses."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawlers.models import PLATFORMS

DATA_FILE = Path(__file__).with_name("data") / "registry_columns.toml"
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "kind", "name", "owner", "region", "url")
OPTIONAL_COLUMNS: tuple[str, ...] = ("platform", "account_id", "site_code", "account_type")
KNOWN_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
KINDS: tuple[str, ...] = ("site", "account")

_SPACES = re.compile(r"[\s\u3000]+")
_MARKS = re.compile(r"(\*|＊|[（(](必填|选填|可选|必须)[)）])+$")


def normalize(text: str) -> str:
    """Trimmed, lower case, without spaces (also full-width ones) or a BOM."""
    return _SPACES.sub("", text.lstrip("\ufeff")).lower()


def header_name(text: str) -> str:
    """A header cell as compared: normalized, without a trailing required/optional mark."""
    return _MARKS.sub("", normalize(text))


@dataclass(frozen=True)
class Vocabulary:
    columns: dict[str, str]  # header name -> column
    fallback: dict[str, str]  # header name -> column, used only when the column has no other header
    ignored: frozenset[str]
    kinds: dict[str, str]  # value -> kind
    platforms: dict[str, str]  # value -> platform key
    platform_names: dict[str, str]  # platform key -> the Chinese name the template shows
    instruction_sheets: frozenset[str]
    template: dict[str, Any]

    def kind(self, value: str) -> str | None:
        return self.kinds.get(normalize(value))

    def platform(self, value: str) -> str | None:
        return self.platforms.get(normalize(value))


def _lookup(table: dict[str, list[str]]) -> dict[str, str]:
    return {header_name(alias): key for key, aliases in table.items() for alias in aliases}


@functools.cache
def vocabulary() -> Vocabulary:
    """The vocabulary, checked against the project's columns and platforms (a bad file fails loudly)."""
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    if set(data["columns"]) != set(KNOWN_COLUMNS):
        raise ValueError(f"{DATA_FILE}: [columns] must name exactly {', '.join(KNOWN_COLUMNS)}")
    if set(data["platforms"]) != set(PLATFORMS) or set(data["kinds"]) != set(KINDS):
        raise ValueError(f"{DATA_FILE}: [platforms] and [kinds] must name every platform and kind")
    names = {
        key: next((a for a in aliases if not a.isascii()), key) for key, aliases in data["platforms"].items()
    }
    return Vocabulary(
        columns=_lookup(data["columns"]),
        fallback=_lookup(data["fallback_columns"]),
        ignored=frozenset(header_name(c) for c in data["ignored"]["columns"]),
        kinds=_lookup(data["kinds"]),
        platforms=_lookup(data["platforms"]),
        platform_names=names,
        instruction_sheets=frozenset(header_name(s) for s in data["sheets"]["instructions"]),
        template=data["template"],
    )
