"""Load the indicator data file (thresholds, keyword lists), merged with an office's override.

One loader so the judge and the simulated web's ground truth read the same numbers: changing a
threshold in the data file changes both. The spiders never read it (they record facts; the rules in
``pipelines/rules/`` judge them); the words the crawler reads pages with are
:mod:`crawlers.pagewords`.
"""

from __future__ import annotations

import copy
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).with_name("data") / "indicators.toml"


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


@lru_cache(maxsize=8)
def _load(override: str) -> dict[str, Any]:
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    if override:
        path = Path(override)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: indicators override file does not exist")
        try:
            extra = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from exc
        _merge(data, extra)
    return data


def load_thresholds(override: str | Path | None = None) -> dict[str, Any]:
    """The merged data file as a dict (a fresh copy: callers may not mutate the cache)."""
    return copy.deepcopy(_load(str(override or "")))
