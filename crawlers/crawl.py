"""Run one crawl of the site spider and hand every item to the caller.

The caller (``govpatrol sweep``) judges and writes sinks in ``on_item``; this module only wires
Scrapy: settings from :mod:`crawlers.settings`, one pipeline that forwards items, and a stats
summary. Twisted's reactor cannot be restarted, so a process runs :func:`run_crawl` once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler, CrawlerProcess

from crawlers.config import Config
from crawlers.models import Target
from crawlers.settings import build_settings

log = logging.getLogger(__name__)


class ForwardItemsPipeline:
    """Pass every item to ``on_item``; a failure there is logged and counted, never fatal to the crawl."""

    on_item: Callable[[object], None] = staticmethod(lambda item: None)

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ForwardItemsPipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        assert self.stats is not None
        self.stats.inc_value(f"patrol/items/{type(item).__name__}")
        try:
            type(self).on_item(item)
        except Exception:
            self.stats.inc_value("patrol/on_item_errors")
            log.exception("on_item failed for %s", type(item).__name__)
        return item


def _plain_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in stats.items()}


def run_crawl(
    targets: list[Target],
    as_of: datetime,
    config: Config,
    *,
    mode: str = "full",
    on_item: Callable[[object], None],
) -> dict[str, Any]:
    """Crawl ``targets`` (blocking) and return the crawl's stats summary.

    Keys: ``requests``, ``responses``, ``errors`` (download exceptions), ``items``,
    ``targets_done``, ``elapsed_s`` and ``scrapy`` (Scrapy's full stats, JSON-ready).
    """
    from spiders.site import SiteSpider

    pipeline = type("OnItemPipeline", (ForwardItemsPipeline,), {"on_item": staticmethod(on_item)})
    settings = build_settings(config, mode=mode)
    settings["ITEM_PIPELINES"] = {pipeline: 100}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SiteSpider)
    clock = time.monotonic()
    process.crawl(crawler, targets=targets, as_of=as_of, config=config, mode=mode)
    process.start()
    elapsed = time.monotonic() - clock
    stats = crawler.stats.get_stats() if crawler.stats else {}
    items = sum(v for k, v in stats.items() if k.startswith("patrol/items/"))
    return {
        "requests": int(stats.get("downloader/request_count", 0)),
        "responses": int(stats.get("downloader/response_count", 0)),
        "errors": int(stats.get("downloader/exception_count", 0)),
        "items": int(items),
        "targets_done": int(stats.get("patrol/items/TargetDone", 0)),
        "on_item_errors": int(stats.get("patrol/on_item_errors", 0)),
        "elapsed_s": round(elapsed, 3),
        "scrapy": _plain_stats(stats),
    }
