"""Per-site budgets: time, page fetches and link checks, so one hostile site cannot hold a sweep.

A tarpit (slowloris), an endless calendar or a page with 100 000 links would otherwise keep a site's
requests coming for as long as the site likes. Each site gets ``[crawl] site_time_budget`` seconds
from its first request, ``site_page_budget`` page fetches and ``max_links`` link checks. When time
runs out, its requests still waiting (in the scheduler or a downloader slot queue) are dropped and
answered with :class:`SiteBudgetSpent`; requests already on the wire end by their own timeout. What
was cut is recorded as one ``role="budget"`` observation per budget, so the overrun is a fact in
the store, never a silent gap.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure

from crawlers.config import CrawlConfig
from crawlers.models import PageObservation


class SiteBudgetSpent(IgnoreRequest):
    """A request dropped because its site's time budget is spent."""


@dataclass
class SiteBudget:
    """One site's allowances and what was cut when they ran out."""

    seconds: float
    pages: int
    links: int
    started: float = field(default_factory=time.monotonic)
    spent: bool = False  # the time budget ran out
    pages_used: int = 0
    links_used: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # site_budget | page_budget | link_budget -> count
    timer: Any = None  # the reactor call that ends the time budget

    @classmethod
    def from_config(cls, crawl: CrawlConfig) -> SiteBudget:
        return cls(seconds=crawl.site_time_budget, pages=crawl.site_page_budget, links=crawl.max_links)

    def take_page(self) -> bool:
        """One more page fetch, if the page budget allows it (else it is counted as dropped)."""
        if self.pages_used >= self.pages:
            self.drop("page_budget")
            return False
        self.pages_used += 1
        return True

    def take_link(self) -> bool:
        if self.links_used >= self.links:
            self.drop("link_budget")
            return False
        self.links_used += 1
        return True

    def drop(self, kind: str, count: int = 1) -> None:
        self.dropped[kind] = self.dropped.get(kind, 0) + count

    def observations(self, target_id: str, url: str, now: datetime) -> list[PageObservation]:
        """One observation per budget that cut something."""
        used = {
            "site_budget": f"site time budget of {self.seconds:g} s spent (site closed after "
            f"{time.monotonic() - self.started:.1f} s)",
            "page_budget": f"page budget of {self.pages} fetches reached",
            "link_budget": f"link-check budget of {self.links} links reached",
        }
        return [
            PageObservation(
                target_id=target_id,
                url=url,
                role="budget",
                fetched_at=now,
                error=kind,
                error_detail=f"{used[kind]}: {count} requests not made or dropped",
            )
            for kind, count in sorted(self.dropped.items())
        ]


def purge_queued(crawler: Crawler, target_id: str) -> int:
    """Drop the target's requests waiting in downloader slot queues; each gets its errback."""
    engine = crawler.engine
    downloader = getattr(engine, "downloader", None)
    dropped: list[tuple[Request, Any]] = []
    for slot in list(getattr(downloader, "slots", {}).values()):
        queue = getattr(slot, "queue", None)
        if not queue:
            continue
        keep: deque[Any] = deque()
        for request, dfd in queue:
            (dropped if request.meta.get("target_id") == target_id else keep).append((request, dfd))
        queue.clear()
        queue.extend(keep)
    for _request, dfd in dropped:
        dfd.errback(Failure(SiteBudgetSpent("site time budget spent, dropped before download")))
    return len(dropped)


class SiteBudgetMiddleware:
    """Downloader middleware: a request of a site whose time budget is spent is never downloaded."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteBudgetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        over = getattr(self.crawler.spider, "budget_spent", None)
        if over is not None and over(request):
            raise SiteBudgetSpent("site time budget spent, not downloaded")
