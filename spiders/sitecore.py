"""The site spider's core: per-site state, counted requests, budgets, and the end of a site.

Every request of a site goes through :meth:`SiteCore._request` (target id in meta, own timeout,
never filtered, counted) and every site ends through :meth:`SiteCore._finish`, which yields what
the budgets cut and then the site's one :class:`TargetDone`. The parts of the site spider build on
this: :mod:`spiders.sitelinks` (link checks), :mod:`spiders.sitepages` (reading fetched pages) and
:mod:`spiders.site` (homepage, site map, columns and the per-page fact collectors).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from scrapy.http import Request

from crawlers.links import ColumnRef
from crawlers.models import PageObservation, Target, TargetDone
from crawlers.tlscheck import CertCheck
from spiders.base import TargetSpider
from spiders.budget import SiteBudget, purge_queued
from spiders.linkcheck import LinkBook, LinkResult, LinkUse
from spiders.linkengine import LinkEngine
from spiders.linkworker import LinkWorker

# Pages before links, across the whole sweep: renders and list pages finish while the loop is
# still quiet, and link checks (most of the requests) fill the rest of the crawl.
PRIORITY = {"homepage": 40, "render": 30, "sitemap": 20, "column": 20, "link": 0}


@dataclass
class SiteState:
    """What the spider tracks for one target while its requests are in flight."""

    target: Target
    site_url: str  # the homepage after redirects: what "in-site" means
    budget: SiteBudget
    pending: int = 0  # page requests in flight + link results awaited
    pages: int = 0  # page requests in flight (homepage, sitemap, columns, renders, collectors')
    requests: int = 0
    links_started: bool = False
    done: bool = False
    nav_columns: list[ColumnRef] = field(default_factory=list)
    links: dict[str, LinkUse] = field(default_factory=dict)
    fetched: dict[str, LinkResult] = field(default_factory=dict)  # pages already fetched by GET
    files: dict[str, LinkResult] = field(default_factory=dict)  # files collectors downloaded so far


class SiteCore(TargetSpider):
    """Observe government websites: ``SiteSpider(targets, as_of, config, mode)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sites: dict[str, SiteState] = {}
        self.book = LinkBook()  # external links: checked once per sweep, answered to every site
        self.checks: dict[tuple[str, str], asyncio.Future[LinkResult]] = {}  # in flight
        self.engine: LinkEngine | LinkWorker | None = None
        self.gate: Any = None  # per-host slots shared with other workers (distributed mode)
        self.certificates: dict[tuple[str, int], CertCheck] = {}  # one handshake per host per sweep
        self.open_sites = 0  # started and not yet done

    @property
    def full(self) -> bool:
        return self.mode != "patrol"

    def _request(
        self,
        state: SiteState,
        url: str,
        callback: Any,
        errback: Any,
        *,
        timeout: float,
        page: bool,
        method: str = "GET",
        **meta: Any,
    ) -> Request:
        """Every request: target id in meta, own timeout, never filtered, counted for its target."""
        state.requests += 1
        if page:
            state.pages += 1
            state.pending += 1
        meta.update(target_id=state.target.id, download_timeout=timeout, dont_retry=True)
        kind = "render" if meta.get("playwright") else meta.get("role") or "link"
        return Request(
            url,
            method=method,
            callback=callback,
            errback=errback,
            meta=meta,
            dont_filter=True,
            priority=PRIORITY.get(kind, PRIORITY["column"]),
        )

    def _finish(self, state: SiteState) -> list[Any]:
        """The site's last items once nothing is pending: what the budgets cut, then its TargetDone."""
        if state.pending == 0 and state.links_started and not state.done:
            self._close(state)
            budget = state.budget
            if budget.timer is not None and budget.timer.active():
                budget.timer.cancel()
            cut = budget.observations(state.target.id, state.site_url, self._now())
            return [*cut, TargetDone(target_id=state.target.id, requests=state.requests)]
        return []

    def _close(self, state: SiteState) -> None:
        """A site is done: it frees its place and the link maps it no longer needs."""
        state.done = True
        self.open_sites -= 1
        state.links.clear()
        state.fetched.clear()
        state.files.clear()
        state.nav_columns.clear()

    # ------------------------------------------------------------------ budgets

    def budget_spent(self, request: Request) -> bool:
        """For :class:`~spiders.budget.SiteBudgetMiddleware`: drop this request (its site is out of time)?"""
        state = self.sites.get(request.meta.get("target_id", ""))
        return state is not None and state.budget.spent

    def _budget_timeout(self, target_id: str) -> None:
        """The site's time is up: record it and drop what still waits for a download slot."""
        state = self.sites.get(target_id)
        if state is None or state.done:
            return
        state.budget.spent = True
        state.budget.drop("site_budget")
        self.logger.warning("site time budget spent for %s; dropping its queued requests", target_id)
        purge_queued(self.crawler, target_id)

    # ------------------------------------------------------------------ safety net

    def unsettled(self) -> list[str]:
        return [tid for tid, s in self.sites.items() if not s.done]

    def settle_lost(self, target_id: str) -> list[Any]:
        state = self.sites[target_id]
        self._close(state)
        return [TargetDone(target_id=target_id, requests=state.requests)]

    def _homepage_failed_early(self, state: SiteState, url: str, detail: str) -> list[Any]:
        """A registry URL Scrapy cannot even request: the homepage's observation, then done."""
        state.pages, state.pending, state.links_started = 0, 0, True
        self._close(state)
        if state.budget.timer is not None:
            state.budget.timer.cancel()
        observation = PageObservation(
            target_id=state.target.id,
            url=url,
            role="homepage",
            fetched_at=self._now(),
            error="other",
            error_detail=detail,
        )
        return [observation, TargetDone(target_id=state.target.id, requests=0)]
