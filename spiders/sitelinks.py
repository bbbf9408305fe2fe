"""The site spider's link checks: collect the links its pages carry, check each once, record facts.

When a site's last page is in, its links are answered from what is known (a page already fetched,
an external URL another site already asked about) and the rest go to the link engine as one batch.
In-site URLs are checked once per site, external ones once per sweep (shared futures while in
flight, :class:`~spiders.linkcheck.LinkBook` after); an incremental sweep answers what is still
fresh in the shared :class:`~spiders.linkcache.LinkCache` first (``[crawl] link_cache_*hours``);
an in-site page a collector reads (its text is wanted, not only its status) only when the collector
replays what it kept of it (the content watch's text cache).
The site's link and time budgets hold: what they cut is counted (links, and of them the
homepage's), never judged dead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from datetime import UTC
from typing import Any, Self

import redis
import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawlers.config import Config
from crawlers.guard import policy_for
from crawlers.models import ItemBatch, LinkRef
from spiders.base import tallied
from spiders.linkcache import LINK_CACHE_REDIS, Freshness, LinkCache
from spiders.linkcheck import (
    LinkResult,
    LinkUse,
    PageSignals,
    check_kind,
    make_check,
    read_page,
    read_signals,
    wanted,
)
from spiders.linkengine import EngineSettings, LinkEngine
from spiders.linkframes import ChildSetup
from spiders.linkworker import LinkWorker
from spiders.sitecore import PRIORITY, SiteCore, SiteState


class SiteLinks(SiteCore):
    """Link collection and checking for :class:`~spiders.site.SiteSpider`."""

    _cache: LinkCache | None | bool = False  # False: not made yet (the add-on names its Redis later)

    @property
    def link_cache(self) -> LinkCache | None:
        """The shared link cache (None: off), made on first use, once the settings are final."""
        if self._cache is False:
            self._cache = link_cache(self.config, self.crawler.settings.get(LINK_CACHE_REDIS) or "")
        return self._cache if isinstance(self._cache, LinkCache) else None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._close_engine, signal=signals.spider_closed)
        crawler.signals.connect(spider._warm_engine, signal=signals.spider_opened)
        return spider

    def _warm_engine(self, spider: scrapy.Spider) -> None:
        """A link child starts with the crawl, not with the first site's links (its imports take
        a second, on the other core)."""
        if self.config.crawl.check_links and self.targets:
            engine = self._link_engine()
            if isinstance(engine, LinkWorker):
                engine.warm()

    def _link_engine(self) -> LinkEngine | LinkWorker:
        """The link checker, created on first use (on the reactor's running asyncio loop): in a child
        process with ``[crawl] link_workers = 2`` (not with distributed host slots: their gate is
        this process's Redis connection), else in this process."""
        if self.engine is None:
            crawl, network = self.config.crawl, self.config.network
            settings = EngineSettings(
                concurrency=crawl.concurrency,
                per_host=crawl.per_host,
                timeout=crawl.link_timeout,
                get_maxsize=self.crawler.settings.getint("PATROL_LINK_GET_MAXSIZE"),
                max_redirects=crawl.max_redirects,
                user_agent=network.user_agent,
                resolve=dict(network.resolve),
                offline=network.offline,
                keep_html=self._wants_linked_pages(),
            )
            if crawl.link_workers > 1 and self.gate is None:
                tz = self.as_of.tzinfo or UTC
                self.engine = LinkWorker(ChildSetup(settings, policy_for(self.config), self.words, tz))
                return self.engine
            self.engine = LinkEngine(
                settings,
                signals=self._signals,
                now=self._now,
                guard=policy_for(self.config),
                gate=self.gate,
                reader=read_page,
            )
        return self.engine

    def _wants_linked_pages(self) -> bool:
        """Does a collector read the in-site pages the link checks fetch? (The spider's part.)"""
        return False

    def _replay_linked(self, state: SiteState, urls: list[str]) -> dict[str, list[Any]]:
        """In-site pages whose collectors replay what they read of them (the spider's part)."""
        return {}

    async def _linked_pages(self, state: SiteState, read: list[tuple[str, LinkUse, LinkResult]]) -> list[Any]:
        """Items for in-site pages the link checks read (the spider's part: its collectors)."""
        return []

    def _signals(self, html: str) -> PageSignals | None:
        return read_signals(html, self.words)

    async def _close_engine(self, spider: scrapy.Spider) -> None:
        if self.engine is not None:
            self.crawler.stats.set_value("patrol/link_requests", self.engine.requests)
            await self.engine.close()
        if isinstance(self._cache, LinkCache):
            self._cache.flush()
            self.crawler.stats.set_value("patrol/link_cache_hits", self._cache.hits)

    def _collect(self, state: SiteState, links: Iterable[LinkRef], page_url: str, *, homepage: bool) -> None:
        for link in links:
            if not wanted(link, state.site_url):
                continue
            use = state.links.get(link.url)
            if use is None:
                use = state.links[link.url] = LinkUse(target_id=state.target.id, kind=check_kind(link))
            use.add(page_url, homepage=homepage, text=link.text)

    def _page_done(self, state: SiteState) -> list[Any]:
        """One page request settled; when the last page is in, check the links they carry."""
        state.pages -= 1
        state.pending -= 1
        out: list[Any] = []
        if state.pages == 0 and not state.links_started:
            state.links_started = True
            out += self._start_links(state)
        return out + self._finish(state)

    def _start_links(self, state: SiteState) -> list[Any]:
        """Answer what is known; the rest goes to the link engine as one batch for this site.

        What is answered here leaves as one :class:`~crawlers.models.ItemBatch` (one pass through
        Scrapy's item machinery for hundreds of answers). The site's TargetDone may come from another
        callback and reach the recorder first; it counts these answers (:mod:`crawlers.tally`), so
        the site is judged only once they are in, never with its still-dead links missing.
        """
        answered: list[Any] = []
        todo: list[tuple[str, LinkUse, str]] = []
        reads_pages = self._wants_linked_pages()
        for url, use in state.links.items():
            if state.budget.spent:  # out of time: the links are not checked (nor judged dead)
                state.budget.drop("site_budget", links=1, homepage_links=int(use.on_homepage))
                continue
            if not state.budget.take_link(homepage=use.on_homepage):
                continue  # counted as cut by the link budget; homepage links came first
            known = state.fetched.get(url)
            if known is not None:
                answered.append(make_check(use, url, state.site_url, known))
                continue
            scope = self.book.scope(url, state.site_url, use.target_id)
            cached = self.book.results.get((scope, url))
            if cached is not None:
                answered.append(make_check(use, url, state.site_url, cached))
                continue
            todo.append((url, use, scope))
        replayed: list[Any] = []
        cache = self.link_cache if todo else None
        if cache is not None:  # fresh results of earlier sweeps (any worker's)
            fresh = cache.get_many([(scope, url) for url, _use, scope in todo])
            if reads_pages:
                # an in-site page a collector reads (the content watch) is answered from the cache
                # only when the collector replays what it read of it (a cached result has no body)
                pages = [url for url, use, scope in todo if _read_page(scope, use) and (scope, url) in fresh]
                kept = self._replay_linked(state, pages)
                for url, use, scope in todo:
                    if _read_page(scope, use) and url not in kept:
                        fresh.pop((scope, url), None)
                replayed = [item for url in pages for item in kept.get(url, [])]
            for url, use, scope in todo:
                if (result := fresh.get((scope, url))) is not None:
                    answered.append(make_check(use, url, state.site_url, result))
                    if scope == "":
                        self.book.results[(scope, url)] = result
            todo = [t for t in todo if (t[2], t[0]) not in fresh]
        # A file a collector downloaded answers its own link once the cache has not: whether that
        # download landed before the site's links began is chance, so it must not decide between a
        # cached copy and a fresh answer. It is cached like a check, for the next sweep to find.
        unknown = []
        for url, use, scope in todo:
            if (known := state.files.get(url)) is None:
                unknown.append((url, use, scope))
                continue
            answered.append(make_check(use, url, state.site_url, known))
            if cache is not None:
                cache.put(scope, url, known, in_site_page=False)
        todo = unknown
        answered += replayed  # the replayed texts travel with the checks, ahead of the site's TargetDone
        out: list[Any] = [ItemBatch(answered)] if answered else []
        if todo:
            state.pending += 1  # settled when the whole batch is answered (or the time is up)
            out.append(
                Request(
                    "data:,",
                    callback=self._check_links,
                    errback=self._on_batch_dropped,
                    dont_filter=True,
                    priority=PRIORITY["link"],
                    meta={"target_id": state.target.id, "link_batch": todo},
                )
            )
        return out

    def _checking(self, state: SiteState, url: str, scope: str, use: LinkUse) -> asyncio.Future[LinkResult]:
        """The check of ``url`` in ``scope``: joined if another site already asked for it."""
        key = (scope, url)
        known = self.checks.get(key)
        if known is not None:
            return known
        # an in-site page must be read anyway (a soft-404 answers 200): GET it at once
        first = "GET" if _read_page(scope, use) else "HEAD"
        # an outbound homepage link is read for the security watch (hijacked, parked, wrong link)
        watch = self.config.security
        read = (
            watch.enabled and watch.read_outbound and not scope and use.kind == "external" and use.on_homepage
        )
        check = self._link_engine().check(url, first=first, internal=bool(scope), read=read)
        future = asyncio.ensure_future(check)
        self.checks[key] = future
        future.add_done_callback(lambda done: self._checked(key, done, page=first == "GET"))
        state.requests += 1
        return future

    def _checked(self, key: tuple[str, str], future: asyncio.Future[LinkResult], *, page: bool) -> None:
        self.checks.pop(key, None)
        if future.cancelled() or future.exception() is not None:
            return
        if key[0] == "":
            self.book.results[key] = future.result()  # external: every later site reuses it
        if (cache := self.link_cache) is not None:
            cache.put(*key, future.result(), in_site_page=page)

    @tallied
    async def _check_links(self, response: Response) -> AsyncIterator[Any]:
        """Check one site's links concurrently; yield each LinkCheck as it is answered, then done.

        The site's time budget still holds: what is unanswered when it runs out is dropped and
        counted (not judged dead); shared checks go on for the other sites that wait for them.
        """
        state = self.sites[response.meta["target_id"]]
        waiting: dict[asyncio.Future[LinkResult], list[tuple[str, LinkUse]]] = {}
        for url, use, scope in response.meta["link_batch"]:
            waiting.setdefault(self._checking(state, url, scope, use), []).append((url, use))
        # answers arrive on a queue (O(1) each; asyncio.wait over hundreds of futures per wake-up
        # was quadratic); the end of the site's time budget arrives on it too, as None
        answers: asyncio.Queue[asyncio.Future[LinkResult] | None] = asyncio.Queue()
        for future in waiting:
            future.add_done_callback(answers.put_nowait)
        left = state.budget.seconds - (time.monotonic() - state.budget.started)
        timer = asyncio.get_running_loop().call_later(max(left, 0.0), answers.put_nowait, None)
        unanswered = set(waiting)
        try:
            while unanswered:
                arrived = [await answers.get()]
                while not answers.empty():
                    arrived.append(answers.get_nowait())
                timed_out = None in arrived
                batch = [f for f in arrived if f is not None and f in unanswered]
                unanswered.difference_update(batch)
                if timed_out:  # the site's time is up: what is unanswered is dropped, not dead
                    state.budget.spent = True
                    uses = [use for f in unanswered for _url, use in waiting[f]]
                    state.budget.drop(
                        "site_budget", links=len(uses), homepage_links=sum(u.on_homepage for u in uses)
                    )
                    unanswered.clear()
                checks: list[Any] = []
                read: list[tuple[str, LinkUse, LinkResult]] = []
                for future in batch:
                    result = self._result_of(future, waiting[future][0][0])
                    for url, use in waiting[future]:
                        checks.append(make_check(use, url, state.site_url, result))
                        if result.html:
                            read.append((url, use, result))
                if checks:
                    yield ItemBatch(checks)
                if read:
                    for item in await self._linked_pages(state, read):
                        yield item
                    for _url, _use, result in read:
                        result.html = ""  # read: not kept while the site's other links are checked
        finally:
            timer.cancel()
        state.pending -= 1
        for item in self._finish(state):
            yield item

    def _result_of(self, future: asyncio.Future[LinkResult], url: str) -> LinkResult:
        """The engine's answer; an unexpected failure inside it is an "other" error, not a crash."""
        if future.cancelled() or future.exception() is not None:
            detail = "cancelled" if future.cancelled() else repr(future.exception())[:500]
            return LinkResult(
                url=url, checked_at=self._now(), method="HEAD", error="other", error_detail=detail
            )
        return future.result()

    @tallied
    def _on_batch_dropped(self, failure: Failure) -> list[Any]:
        """The batch never ran (its site's time budget was spent first): nothing checked, site closes."""
        request: Request = failure.request  # type: ignore[attr-defined]
        state = self.sites[request.meta["target_id"]]
        batch = request.meta["link_batch"]
        state.budget.drop(
            "site_budget", links=len(batch), homepage_links=sum(use.on_homepage for _u, use, _s in batch)
        )
        state.pending -= 1
        return self._finish(state)


def _read_page(scope: str, use: LinkUse) -> bool:
    """An in-site page link: its check reads the page (GET), which collectors of LINKED pages read."""
    return bool(scope) and use.kind == "page"


def link_cache(config: Config, url: str) -> LinkCache | None:
    """The shared link cache when ``[crawl]`` keeps any class of result and a Redis is named."""
    crawl = config.crawl
    freshness = Freshness(crawl.link_cache_hours, crawl.link_cache_page_hours, crawl.link_cache_failed_hours)
    if not freshness.enabled or not url:
        return None
    prefix = config.elasticsearch.index_prefix
    return LinkCache(redis.Redis.from_url(url, socket_timeout=5), prefix, freshness)
