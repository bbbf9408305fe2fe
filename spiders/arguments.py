"""What a spider is given, from ``govpatrol sweep`` or from ``scrapy crawl`` on the command line.

``govpatrol sweep`` passes parsed values (a list of targets, an aware as-of time); ``scrapy crawl
site -a targets=sites.csv -a as_of=2025-03-31T10:00 -a mode=patrol -a output=out.jsonl`` passes
strings. :func:`crawl_arguments` turns the strings into the same values, so both start the same
crawl; the configuration always comes from the crawl's settings (``PATROL_CONFIG``), never from an
argument. Unknown arguments (``output``) stay spider attributes, as Scrapy does, for the pipelines.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawlers.config import config_from_settings
from crawlers.dates import parse_as_of
from crawlers.errors import InputError
from crawlers.models import Target
from crawlers.registry import RegistryError, load_targets

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

MAX_ERROR_LINES = 50  # a registry with thousands of bad rows still prints a readable screen


def load_registry(path: str | Path, indicators: str | None = None) -> list[Target]:
    """The targets registry (CSV/XLSX); its row errors as one :class:`InputError`, the first 50 shown."""
    try:
        return load_targets(path, indicators=indicators)
    except RegistryError as exc:
        shown = exc.errors[:MAX_ERROR_LINES]
        more = len(exc.errors) - len(shown)
        tail = [f"... and {more} more (fix these first)"] if more else []
        raise InputError(
            f"the targets registry has {len(exc.errors)} errors; nothing was imported:\n"
            + "\n".join(shown + tail)
        ) from exc


def crawl_arguments(crawler: Crawler, kind: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A spider's keyword arguments with the configuration, and command-line strings parsed.

    ``targets`` given as a file: the registry is loaded (kept as ``registry`` for the registry-level
    notices, ``targets_file`` for the sweep record) and only targets of ``kind`` are crawled.
    """
    args = dict(kwargs)
    config = config_from_settings(crawler.settings)
    args["config"] = config
    targets = args.get("targets")
    if isinstance(targets, str | Path):
        registry = load_registry(targets, config.indicators_file or None)
        args.update(
            registry=registry, targets_file=str(targets), targets=[t for t in registry if t.kind == kind]
        )
    as_of = args.get("as_of")
    if as_of is None or isinstance(as_of, str):
        args["as_of"] = parse_as_of(as_of)
    return args
