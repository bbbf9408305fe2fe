"""The site spider: homepage, columns' first list pages, link checks -- observations only.

Per target it fetches the homepage (the sweep's availability check), in full sweeps the first-level
columns from the navigation and the 网站地图 page, and then checks the links those pages carry. It
yields :mod:`crawlers.models` records and judges nothing: it never reads the indicator data, and a
column's category, emptiness or staleness, a soft-404 or a dead link are the rules' to decide from
what it recorded. Every target ends with exactly one :class:`TargetDone`, yielded after its last
observation, so the judge can run per site while the sweep goes on. The spider keeps its own
seen-sets (the dupefilter is off) so that a redirect or a shared URL can never silently swallow a
request and stall a target.

The parts: :mod:`spiders.sitecore` (state, requests, budgets, the end of a site),
:mod:`spiders.sitelinks` (link checks), :mod:`spiders.sitepages` (reading a fetched page, rendering),
this module (what follows from each page: columns, the site map, the per-page fact collectors of
:mod:`spiders.collectors`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar

from lxml.html import HtmlElement
from scrapy.http import Request, Response

from crawlers import columns
from crawlers.links import ColumnRef, is_internal
from crawlers.models import PageObservation, Target
from spiders.budget import SiteBudget
from spiders.collectors import FetchedPage, OnPage, PageCollector
from spiders.sitecore import SiteState
from spiders.sitepages import SitePages
from spiders.watch import SecurityWatch


class SiteSpider(SitePages):
    """Observe government websites: ``SiteSpider(targets, as_of, config, mode)``."""

    name = "site"
    # per-page fact collectors (see spiders.collectors); a subclass or a later watch adds its own
    collectors: ClassVar[tuple[PageCollector, ...]] = (SecurityWatch(),)

    async def start(self) -> AsyncIterator[Any]:
        """Sites are started as others finish (``[crawl] sites_in_flight`` at once): a province of
        thousands of sites then holds the pages and links of a few dozen in memory, not all."""
        limit = max(1, self.config.crawl.sites_in_flight)
        for target in self.targets:
            while self.open_sites >= limit:
                await asyncio.sleep(0.02)
            for out in self.begin_target(target):
                yield out

    def begin_target(self, target: Target) -> list[Any]:
        """The first request of one site (or its observation and done, if it cannot be requested).

        Separate from :meth:`start` so a distributed worker can feed targets as it claims them.
        """
        state = SiteState(
            target=target, site_url=target.url, budget=SiteBudget.from_config(self.config.crawl)
        )
        self.sites[target.id] = state
        self.open_sites += 1
        state.budget.take_page()
        from twisted.internet import reactor  # the crawl's installed reactor (never at import time)

        clock: Any = reactor
        state.budget.timer = clock.callLater(state.budget.seconds, self._budget_timeout, target.id)
        try:
            request = self._request(
                state,
                target.url,
                self._on_homepage,
                self._on_page_error,
                timeout=self.config.crawl.homepage_timeout,
                page=True,
                role="homepage",
            )
        except ValueError as exc:  # a registry URL Scrapy cannot even request
            return self._homepage_failed_early(state, target.url, str(exc))
        return [request]

    # ------------------------------------------------------------------ what follows from a page

    def _page_seen(self, state: SiteState, obs: PageObservation, root: HtmlElement | None) -> list[Any]:
        self._remember(state, obs)
        out: list[Any] = [obs]
        if obs.role == "homepage":
            out += self._homepage_seen(state, obs, root)
        elif obs.role == "column" and self.full and self.config.crawl.check_column_links:
            self._collect(state, obs.links, obs.final_url or obs.url, homepage=False)
        return out + self._collectors(state, obs, root)

    def _collectors(self, state: SiteState, obs: PageObservation, root: HtmlElement | None) -> list[Any]:
        out: list[Any] = []
        page = FetchedPage(state.target, obs, root)
        for collector in self.collectors:
            if obs.role in collector.roles:
                out += [item for item in collector.collect(page, self) if item is not None]
        return out

    def follow(
        self, page: FetchedPage, url: str, role: str, on_page: OnPage, *, refetch: bool = False
    ) -> Request | None:
        """A collector's further page of the same site, within its page budget (see spiders.collectors)."""
        state = self.sites[page.target.id]
        if state.done or not (refetch or state.budget.take_page()):
            return None
        return self._request(
            state,
            url,
            self._on_followed,
            self._on_page_error,
            timeout=self.config.crawl.page_timeout,
            page=True,
            role=role,
            patrol_on_page=on_page,
        )

    def _on_followed(self, response: Response) -> Iterable[Any]:
        state = self.sites[response.meta["target_id"]]
        obs, root, _ = self._observe(response, response.meta["role"])
        self._remember(state, obs)
        on_page: OnPage = response.meta["patrol_on_page"]
        return [obs, *on_page(FetchedPage(state.target, obs, root)), *self._page_done(state)]

    # ------------------------------------------------------------------ homepage, site map, columns

    async def _on_homepage(self, response: Response) -> Iterable[Any]:
        state = self.sites[response.meta["target_id"]]
        state.site_url = response.url
        obs, root, html = self._observe(response, "homepage")
        await self._check_certificate(obs)
        if self._may_render(state, obs, root):
            out: list[Any] = [self._render(state, response, obs, html)]
        else:
            out = self._page_seen(state, obs, root)
        return out + self._page_done(state)

    def _homepage_seen(self, state: SiteState, obs: PageObservation, root: HtmlElement | None) -> list[Any]:
        if self.config.crawl.check_links:
            self._collect(state, obs.links, obs.final_url or obs.url, homepage=True)
        if not obs.ok or root is None:
            return []
        state.nav_columns = columns.discover_columns(root, obs.final_url, words=self.words)
        if not self.full:
            # a navigation-only homepage is judged by its second-level pages, even in a patrol
            return self._schedule_columns(state, []) if obs.navigation_only else []
        sitemap = columns.find_sitemap_url(root, obs.final_url, self.words)
        if sitemap and is_internal(sitemap, state.site_url) and state.budget.take_page():
            return [
                self._request(
                    state,
                    sitemap,
                    self._on_sitemap,
                    self._on_page_error,
                    timeout=self.config.crawl.page_timeout,
                    page=True,
                    role="sitemap",
                )
            ]
        return self._schedule_columns(state, [])

    def _on_sitemap(self, response: Response) -> Iterable[Any]:
        state = self.sites[response.meta["target_id"]]
        obs, root, _ = self._observe(response, "sitemap")
        found = (
            columns.discover_columns(root, response.url, from_sitemap=True, words=self.words)
            if obs.ok and root is not None
            else []
        )
        return [
            *self._page_seen(state, obs, root),
            *self._schedule_columns(state, found),
            *self._page_done(state),
        ]

    def _schedule_columns(self, state: SiteState, from_sitemap: list[ColumnRef]) -> list[Request]:
        """Union of navigation and site-map columns by URL, own host only, capped."""
        chosen: dict[str, ColumnRef] = {}
        skip = {state.target.url, state.site_url}
        for col in [*state.nav_columns, *from_sitemap]:
            if col.url in chosen or col.url in skip or not is_internal(col.url, state.site_url):
                continue
            if not state.budget.take_page():
                continue  # counted as cut by the page budget
            chosen[col.url] = col
            if len(chosen) >= self.config.crawl.max_columns:
                break
        return [
            self._request(
                state,
                col.url,
                self._on_column,
                self._on_page_error,
                timeout=self.config.crawl.page_timeout,
                page=True,
                role="column",
                patrol_col_name=col.name,
                patrol_col_level=col.level,
            )
            for col in chosen.values()
        ]

    def _on_column(self, response: Response) -> Iterable[Any]:
        state = self.sites[response.meta["target_id"]]
        return self._read(state, response, "column") + self._page_done(state)
