"""Run one crawl — sites and accounts together — feeding every item to the sweep's recorder.

The crawl is plain Scrapy wired by the add-on (:mod:`govpatrol.addon`): the Config in
``PATROL_CONFIG``, the recorder (a :class:`~pipelines.session.SweepSession`, or any object with
``on_item``) in ``PATROL_SWEEP`` for the add-on's item pipeline. Sites go to the site spider and
accounts to the account spider, two crawlers in one ``CrawlerProcess`` (Twisted's reactor cannot
be restarted, so a process runs :func:`run_crawl` once); they share one Chromium
(:mod:`spiders.browserprovider`).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess

from crawlers.config import CONFIG_SETTING, Config
from crawlers.events import EventWatch
from crawlers.models import Target
from govpatrol.addon import PatrolAddon
from pipelines.seentexts import SeenTexts
from pipelines.session import SWEEP_SETTING, ItemTaker, Shared
from spiders.account import AccountSpider
from spiders.browserprovider import SharedBrowserProvider
from spiders.contentwatch import SEEN_SETTING
from spiders.site import SiteSpider


def crawl_settings(
    config: Config, recorder: ItemTaker | None = None, seen: SeenTexts | None = None
) -> dict[str, Any]:
    """A crawler process's settings: the add-on, the Config, the sweep's recorder if any, and the
    content watch's memory of texts already read (a patrol reads only what is new)."""
    settings: dict[str, Any] = {"ADDONS": {PatrolAddon: 0}, CONFIG_SETTING: config}
    if recorder is not None:
        settings[SWEEP_SETTING] = Shared(recorder)
    if seen is not None:
        settings[SEEN_SETTING] = seen
    return settings


def seen_texts(recorder: ItemTaker) -> SeenTexts | None:
    """The memory over the recorder's store, when it writes to an Elasticsearch that answered."""
    store_of = getattr(recorder, "store", None)
    store = store_of() if callable(store_of) else None
    if store is None or getattr(recorder, "es_away", False):
        return None
    return SeenTexts(store)


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
    recorder: ItemTaker,
    watches: tuple[EventWatch, ...] = (),
) -> dict[str, Any]:
    """Crawl ``targets`` — sites and accounts — (blocking) and return the crawl's stats summary.

    Keys: ``requests``, ``responses``, ``errors`` (download exceptions), ``items``,
    ``targets_done``, ``on_item_errors``, ``elapsed_s``; for accounts ``accounts_checked``,
    ``browser_fetches``, ``inpage_accepted``, ``inpage_fallbacks``, ``inpage_info_kept``,
    ``browser_pages_opened``, ``lane_pages_reused``, ``account_requests``, ``accounts_elapsed_s``,
    ``throttle_answers`` (the platforms' "too fast" answers the spider saw) and
    ``throttled_unverified``, ``pages_over_declared`` (browser pages that made more requests to
    their platform than their page object declared); ``browsers_launched``; and
    ``scrapy``: each crawler's full Scrapy stats, JSON-ready, under ``site`` / ``account``.
    """
    sites = [t for t in targets if t.kind == "site"]
    accounts = [t for t in targets if t.kind == "account"]
    seen = seen_texts(recorder) if mode == "patrol" else None
    process = CrawlerProcess(crawl_settings(config, recorder, seen))
    crawlers: dict[str, Crawler] = {}
    for name, spider, chosen in (("site", SiteSpider, sites), ("account", AccountSpider, accounts)):
        if chosen:
            crawlers[name] = process.create_crawler(spider)
            extra = {"watches": watches} if name == "account" and watches else {}  # open 重大事件
            process.crawl(crawlers[name], targets=chosen, as_of=as_of, mode=mode, **extra)
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
        # signed platforms read inside a warm page (spiders/warmpages.py), and those that fell back
        "inpage_accepted": int(account.get("patrol/inpage_accepted", 0)),
        "inpage_fallbacks": int(account.get("patrol/inpage_fallbacks", 0)),
        # undated in-page lists the platform's profile-info answer decided (no profile page opened)
        "inpage_info_kept": int(account.get("patrol/inpage_info_kept", 0)),
        # Chromium pages opened, and profile loads made in a lane's page kept from the account before
        "browser_pages_opened": int(account.get("playwright/page_count", 0)),
        "lane_pages_reused": int(account.get("patrol/lane_pages_reused", 0)),
        "account_requests": int(account.get("downloader/request_count", 0)),
        # platform budgets (spiders/platformpace.py): throttle answers, and accounts they left unverified
        "throttle_answers": int(account.get("patrol/throttle_answers", 0)),
        "throttled_unverified": int(account.get("patrol/throttled_unverified", 0)),
        "pages_over_declared": int(account.get("patrol/pages_over_declared", 0)),
        "accounts_elapsed_s": _span(account),
        "browsers_launched": SharedBrowserProvider.launches - launches,
        "scrapy": {name: _plain_stats(s) for name, s in every.items()},
    }
