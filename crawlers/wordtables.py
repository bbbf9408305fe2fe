"""Vocabulary tables shipped as TOML data and overridden key by key from an office's indicators
override file (the page words and the site-check words share this reading)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML file's content; a ``ValueError`` naming the file when it is not valid TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc


def overridden_table(default: Path, name: str, override: str | Path | None) -> tuple[dict[str, Any], str]:
    """``[name]`` of the shipped file with the override file's keys replacing the shipped ones, and
    the file errors should name (the override's when there is one). An unknown key is an error."""
    table: dict[str, Any] = dict(read_toml(default)[name])
    where = str(default)
    if override:
        path = Path(override)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: indicators override file does not exist")
        extra = read_toml(path).get(name, {})
        unknown = sorted(set(extra) - set(table))
        if unknown:
            raise ValueError(
                f"{path}: [{name}] unknown key {unknown[0]!r} (known: {', '.join(sorted(table))})"
            )
        table |= extra
        where = str(path)
    return table, where
