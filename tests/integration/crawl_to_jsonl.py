"""Test helper: run one crawl in this process and write every item as a JSON line.

A crawl owns the process's Twisted reactor (it cannot be restarted), so tests run it in a
subprocess: ``python -m tests.integration.crawl_to_jsonl TARGETS CONFIG AS_OF MODE OUT``. Every
target of the file is crawled, sites and accounts alike. Each line is the record's ``to_dict()``
plus ``"type"`` (the record class); the last line is the stats.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import IO

from crawlers.config import load_config
from crawlers.registry import load_targets
from govpatrol.crawl import run_crawl


class LinesOut:
    """The crawl's recorder here: every item as one JSON line."""

    def __init__(self, sink: IO[str]) -> None:
        self.sink = sink

    def on_item(self, item: object) -> None:
        record = item.to_dict()  # type: ignore[attr-defined]
        record["type"] = type(item).__name__
        self.sink.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    targets_file, config_file, as_of, mode, out = argv
    config = load_config(config_file)
    targets = load_targets(targets_file)
    with Path(out).open("w", encoding="utf-8") as sink:
        stats = run_crawl(targets, datetime.fromisoformat(as_of), config, mode=mode, recorder=LinesOut(sink))
        stats.pop("scrapy", None)
        sink.write(json.dumps({"type": "stats", **stats}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
