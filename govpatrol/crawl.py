"""Run one crawl — sites and accounts together — and hand every item to the caller.

The caller (``govpatrol sweep``) judges and writes sinks in ``on_item``; this module only wires
Scrapy: settings from :mod:`spiders.settings`, one pipeline that forwards items, and a stats
summary. Sites go to the site spider and accounts to the account spider, two crawlers in one
``CrawlerProcess`` (Twisted's reactor cannot be restarted, so a process runs :func:`run_crawl` once).
Each crawler has its own scrapy-playwright download handler; :class:`SharedBrowserProvider` makes
them share ONE Chromium, so a mixed sweep never pays for (or holds the memory of) two browsers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler, CrawlerProcess

from crawlers.config import Config
from crawlers.models import PLATFORMS, ItemBatch, Target
from spiders.settings import PLAYWRIGHT_HANDLER, build_settings

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
        for one in item.items if isinstance(item, ItemBatch) else [item]:
            self._forward(one)
        return item

    def _forward(self, item: Any) -> None:
        assert self.stats is not None
        self.stats.inc_value(f"patrol/items/{type(item).__name__}")
        try:
            type(self).on_item(item)
        except Exception:
            self.stats.inc_value("patrol/on_item_errors")
            log.exception("on_item failed for %s", type(item).__name__)


# ---------------------------------------------------------------------------- one browser per process


class _SharedBrowser:
    """The Chromium every handler of this process uses; closed when its last user closes it."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    async def close(self) -> None:
        await SharedBrowserProvider._release_browser()


class SharedBrowserProvider:
    """``PLAYWRIGHT_BROWSER_PROVIDER``: one Playwright driver and one Chromium for the whole process.

    scrapy-playwright gives every crawler its own handler, and each handler would launch its own
    browser; this provider hands all of them the same one (reference-counted, all on the reactor's
    asyncio loop). Each handler still keeps its own contexts: pages of different crawlers never
    share cookies.
    """

    _lock: asyncio.Lock | None = None
    _playwright: Any = None
    _playwright_users = 0
    _browser: Any = None
    _browser_users = 0
    launches = 0  # browsers actually launched in this process (a stats figure)

    def __init__(self, config: Any) -> None:
        from spiders.browserguard import GuardedBrowserProvider  # loads Playwright: only with a browser

        self.config = config
        self._own = GuardedBrowserProvider(config)  # Chromium only behind the SSRF guard's proxy
        self._started = False

    @classmethod
    def _get_lock(cls) -> asyncio.Lock:
        if cls._lock is None:
            cls._lock = asyncio.Lock()
        return cls._lock

    async def start(self) -> None:
        cls = type(self)
        async with cls._get_lock():
            if cls._playwright is None:
                await self._own.start()
                cls._playwright = self._own
            cls._playwright_users += 1
            self._started = True

    async def launch_browser(self) -> Any:
        cls = type(self)
        async with cls._get_lock():
            if cls._browser is None or not cls._browser.is_connected():
                cls._browser = await cls._playwright.launch_browser()
                cls._browser_users = 0
                cls.launches += 1
            cls._browser_users += 1
            return _SharedBrowser(cls._browser)

    async def launch_persistent_context(self, context_kwargs: dict) -> Any:
        return await type(self)._playwright.launch_persistent_context(context_kwargs)

    @classmethod
    async def _release_browser(cls) -> None:
        async with cls._get_lock():
            cls._browser_users -= 1
            if cls._browser_users <= 0 and cls._browser is not None:
                browser, cls._browser = cls._browser, None
                await browser.close()

    async def close(self) -> None:
        cls = type(self)
        if not self._started:
            return
        self._started = False
        async with cls._get_lock():
            cls._playwright_users -= 1
            if cls._playwright_users <= 0 and cls._playwright is not None:
                driver, cls._playwright = cls._playwright, None
                await driver.close()


# ---------------------------------------------------------------------------- the crawl


def _plain_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in stats.items()}


def _span(stats: dict[str, Any]) -> float:
    start, end = stats.get("start_time"), stats.get("finish_time")
    return round((end - start).total_seconds(), 3) if start and end else 0.0


def run_crawl(
    targets: list[Target],
    as_of: datetime,
    config: Config,
    *,
    mode: str = "full",
    on_item: Callable[[object], None],
) -> dict[str, Any]:
    """Crawl ``targets`` — sites and accounts — (blocking) and return the crawl's stats summary.

    Keys: ``requests``, ``responses``, ``errors`` (download exceptions), ``items``,
    ``targets_done``, ``on_item_errors``, ``elapsed_s``; for accounts ``accounts_checked``,
    ``browser_fetches``, ``account_requests``, ``accounts_elapsed_s``; ``browsers_launched``; and
    ``scrapy``: each crawler's full Scrapy stats, JSON-ready, under ``site`` / ``account``.
    """
    from spiders.account import AccountSpider
    from spiders.site import SiteSpider

    sites = [t for t in targets if t.kind == "site"]
    accounts = [t for t in targets if t.kind == "account"]
    pipeline = type("OnItemPipeline", (ForwardItemsPipeline,), {"on_item": staticmethod(on_item)})
    settings = build_settings(config, mode=mode)
    settings["ITEM_PIPELINES"] = {pipeline: 100}
    settings["PLAYWRIGHT_BROWSER_PROVIDER"] = SharedBrowserProvider
    process = CrawlerProcess(settings)
    crawlers: dict[str, Crawler] = {}
    if sites:
        crawlers["site"] = process.create_crawler(SiteSpider)
        process.crawl(crawlers["site"], targets=sites, as_of=as_of, config=config, mode=mode)
    if accounts:
        # accounts always need the browser handler (some platforms only answer their own script);
        # the spider caps pages itself (max_pages lanes) and names a context per platform and lane
        browser_always = {
            "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
            "PLAYWRIGHT_MAX_CONTEXTS": len(PLATFORMS) * max(1, config.browser.max_pages),
        }
        spider = type("AccountSpider", (AccountSpider,), {"custom_settings": browser_always})
        crawlers["account"] = process.create_crawler(spider)
        process.crawl(crawlers["account"], targets=accounts, as_of=as_of, config=config, mode=mode)
    launches = SharedBrowserProvider.launches
    clock = time.monotonic()
    if crawlers:
        process.start()
    elapsed = time.monotonic() - clock
    every = {name: (c.stats.get_stats() if c.stats else {}) for name, c in crawlers.items()}
    site, account = every.get("site", {}), every.get("account", {})

    def total(key: str) -> int:
        return sum(int(s.get(key, 0)) for s in every.values())

    items = sum(v for s in every.values() for k, v in s.items() if k.startswith("patrol/items/"))
    return {
        # link checks run on the spider's own HTTP client (spiders/linkengine.py), counted apart
        "requests": total("downloader/request_count") + total("patrol/link_requests"),
        "link_requests": total("patrol/link_requests"),
        "responses": total("downloader/response_count"),
        "errors": total("downloader/exception_count"),
        "items": int(items),
        "targets_done": total("patrol/items/TargetDone"),
        "on_item_errors": total("patrol/on_item_errors"),
        "elapsed_s": round(elapsed, 3),
        "sites_checked": int(site.get("patrol/items/TargetDone", 0)),
        "accounts_checked": int(account.get("patrol/items/AccountObservation", 0)),
        "browser_fetches": int(account.get("patrol/browser_fetches", 0)),
        "account_requests": int(account.get("downloader/request_count", 0)),
        "accounts_elapsed_s": _span(account),
        "browsers_launched": SharedBrowserProvider.launches - launches,
        "scrapy": {name: _plain_stats(s) for name, s in every.items()},
    }
