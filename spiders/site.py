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
:mod:`spiders.sitework` (files and deferred work for collectors), this module (what follows from each
page: columns, the site map, the per-page fact collectors of :mod:`spiders.collectors`).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar

from lxml.html import HtmlElement
from scrapy.http import Request, Response

from crawlers import columns
from crawlers.links import ColumnRef, is_internal
from crawlers.models import PageObservation, Target
from spiders.articlecollect import ArticleCollector
from spiders.base import tallied
from spiders.budget import SiteBudget
from spiders.collectors import LINKED, FetchedPage, LinkedReader, OnPage, PageCollector
from spiders.contentwatch import ContentCollector
from spiders.interactcollect import InteractionCollector
from spiders.linkcheck import LinkResult, LinkUse
from spiders.searchcollect import SearchCollector
from spiders.sitecore import SiteState
from spiders.sitepages import render_meta
from spiders.sitework import SiteWork
from spiders.watch import SecurityWatch


class SiteSpider(SiteWork):
    """Observe government websites: ``SiteSpider(targets, as_of, config, mode)``."""

    name = "site"
    # per-page fact collectors (see spiders.collectors); a subclass or a later watch adds its own
    collectors: ClassVar[tuple[PageCollector, ...]] = (
        SecurityWatch(),
        ContentCollector(),
        InteractionCollector(),
        SearchCollector(),
        ArticleCollector(),
    )

    async def start(self) -> AsyncIterator[Any]:
        """Sites are started as others finish (``[crawl] sites_in_flight`` at once): a province of
        thousands of sites then holds the pages and links of a few dozen in memory, not all."""
        limit = max(1, self.config.crawl.sites_in_flight)
        for target in self.targets:
            while self.open_sites >= limit:
                await asyncio.sleep(0.02)
            for out in self.begin_target(target):
                yield out

    @tallied
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
        return self._dispatch(FetchedPage(state.target, obs, root))

    def _wants_linked_pages(self) -> bool:
        return any(
            LINKED in c.roles and (not isinstance(c, LinkedReader) or c.reads_linked(self.config))
            for c in self.collectors
        )

    def _replay_linked(self, state: SiteState, urls: list[str]) -> dict[str, list[Any]]:
        """In-site pages every reader of LINKED pages replays from what it kept (not fetched), with
        the items that replay them; any other reader of LINKED pages needs each page fetched."""
        readers = [
            c
            for c in self.collectors
            if LINKED in c.roles and (not isinstance(c, LinkedReader) or c.reads_linked(self.config))
        ]
        if not urls or not readers or not all(isinstance(c, LinkedReader) for c in readers):
            return {}
        out: dict[str, list[Any]] = {url: [] for url in urls}
        for reader in readers:
            assert isinstance(reader, LinkedReader)
            got = reader.replay(state.target, [u for u in urls if u in out], self)
            out = {url: out[url] + got[url] for url in out if url in got}
        return out

    async def _linked_pages(self, state: SiteState, read: list[tuple[str, LinkUse, LinkResult]]) -> list[Any]:
        """In-site pages the link checks read, to the collectors of role LINKED (no request of their
        own); what the collectors return for them may be awaitable (work in a thread), awaited here."""
        out: list[Any] = []
        for url, use, result in read:
            obs = PageObservation(
                target_id=state.target.id,
                url=url,
                role=LINKED,
                fetched_at=result.checked_at,
                status=result.status,
                final_url=result.final_url,
                elapsed_ms=result.elapsed_ms,
            )
            page = FetchedPage(
                state.target, obs, None, html=result.html, found_on=tuple(use.found_on), link_text=use.text
            )
            out += self._dispatch(page)
        waits = [item for item in out if inspect.isawaitable(item)]
        done = await asyncio.gather(*waits, return_exceptions=True) if waits else []
        for failed in (d for d in done if isinstance(d, BaseException)):
            self.logger.error("collector failed on a linked page of %s: %r", state.target.id, failed)
        items = [item for item in out if not inspect.isawaitable(item)]
        return items + [item for d in done if not isinstance(d, BaseException) for item in d]

    def _dispatch(self, page: FetchedPage) -> list[Any]:
        out: list[Any] = []
        for collector in self.collectors:
            if page.obs.role in collector.roles:
                out += [item for item in collector.collect(page, self) if item is not None]
        return out

    def follow(
        self,
        page: FetchedPage,
        url: str,
        role: str,
        on_page: OnPage,
        *,
        render: bool = False,
        refetch: bool = False,
    ) -> Request | None:
        """A collector's further page, within the site's page budget (see spiders.collectors)."""
        state = self.sites[page.target.id]
        if state.done or not (refetch or state.budget.take_page()):
            return None
        timeout = self.config.crawl.page_timeout
        browser = render_meta(timeout) if render else {}
        return self._request(
            state,
            url,
            self._on_followed,
            self._on_page_error,
            timeout=timeout * 2 if render else timeout,
            page=True,
            role=role,
            patrol_on_page=on_page,
            **browser,
        )

    @tallied
    def _on_followed(self, response: Response) -> Iterable[Any]:
        state = self.sites[response.meta["target_id"]]
        obs, root, text = self._observe(response, response.meta["role"])
        self._remember(state, obs)
        on_page: OnPage = response.meta["patrol_on_page"]
        page = FetchedPage(state.target, obs, root, text=text)
        # the page one collector asked for is a page of the site like any other: every other collector
        # of its role reads it too (an article sampled for its tags is read by the content watch: it
        # also answered that URL's link check, so the link checks will not hand it on)
        others = [item for c in self.collectors if obs.role in c.roles for item in c.collect(page, self)]
        return [obs, *on_page(page), *[i for i in others if i is not None], *self._page_done(state)]

    # ------------------------------------------------------------------ homepage, site map, columns

    @tallied
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

    @tallied
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

    @tallied
    def _on_column(self, response: Response) -> Iterable[Any]:
        state = self.sites[response.meta["target_id"]]
        return self._read(state, response, "column") + self._page_done(state)
