"""The site spider: homepage probe, columns' first list pages, link checks — observations only.

Per target it fetches the homepage (the sweep's availability probe, 15 s, never retried), in full
sweeps the first-level columns from the navigation and the 网站地图 page, and then checks the
links those pages carry. It yields :mod:`crawlers.models` records and judges nothing. Every target
ends with exactly one :class:`TargetDone`, yielded after its last observation, so the judge can
run per site while the sweep goes on. The spider keeps its own seen-sets (the dupefilter is off)
so that a redirect or a shared URL can never silently swallow a request and stall a target.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_playwright.page import PageMethod
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawlers import columns, links, pagefacts
from crawlers import html as html_facts
from crawlers.columns import classify_column
from crawlers.config import Config
from crawlers.links import ColumnRef, is_internal
from crawlers.listpage import extract_list
from crawlers.models import ItemBatch, LinkRef, PageObservation, Target, TargetDone
from crawlers.ssrf import policy_for
from crawlers.thresholds import load_thresholds
from crawlers.tlscheck import META_DETAIL, META_KEY, CertCheck, certificate_meta
from spiders.arguments import crawl_arguments
from spiders.budget import SiteBudget, purge_queued
from spiders.fetchfacts import classify_failure, decode_html, elapsed_ms, non_html, redirect_failure, stamp
from spiders.linkcheck import LinkBook, LinkResult, LinkUse, check_kind, make_check, wanted
from spiders.linkengine import EngineSettings, LinkEngine

# Pages before links, across the whole sweep: renders and list pages finish while the loop is
# still quiet, and link checks (most of the requests) fill the rest of the crawl.
PRIORITY = {"homepage": 40, "render": 30, "sitemap": 20, "column": 20, "link": 0}
_DATA_SCRIPT = re.compile(r"\bfetch\s*\(|XMLHttpRequest|\$\.(?:ajax|get|getJSON|post)\s*\(|\baxios\b")


@dataclass
class SiteState:
    """What the spider tracks for one target while its requests are in flight."""

    target: Target
    site_url: str  # the homepage after redirects: what "in-site" means
    budget: SiteBudget
    pending: int = 0  # page requests in flight + link results awaited
    pages: int = 0  # page requests in flight (homepage, sitemap, columns, renders)
    requests: int = 0
    links_started: bool = False
    done: bool = False
    nav_columns: list[ColumnRef] = field(default_factory=list)
    links: dict[str, LinkUse] = field(default_factory=dict)
    fetched: dict[str, LinkResult] = field(default_factory=dict)  # pages already fetched by GET


class SiteSpider(scrapy.Spider):
    """Observe government websites: ``SiteSpider(targets, as_of, config, mode)``."""

    name = "site"

    def __init__(
        self,
        targets: list[Target] | None = None,
        as_of: datetime | None = None,
        config: Config | None = None,
        mode: str = "full",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.targets = list(targets or [])
        self.as_of = as_of or datetime.now(UTC)
        self.config = config or Config()
        self.mode = mode
        data = load_thresholds(self.config.indicators_file or None)
        self.markers: dict[str, Any] = data["markers"]
        self.column_words: dict[str, Any] = data["columns"]
        self.confirmed_statuses = frozenset(int(s) for s in data["dead_links"]["confirmed_statuses"])
        self.sites: dict[str, SiteState] = {}
        self.book = LinkBook()  # external links: checked once per sweep, answered to every site
        self.checks: dict[tuple[str, str], asyncio.Future[LinkResult]] = {}  # in flight
        self.engine: LinkEngine | None = None
        self.gate: Any = None  # per-host slots shared with other workers (distributed mode)
        self.certificates: dict[tuple[str, int], CertCheck] = {}  # one handshake per host per sweep
        self._flushed = False
        self.open_sites = 0  # started and not yet done

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        kwargs = crawl_arguments(crawler, cls.name, kwargs)  # config from settings; `scrapy crawl -a` strings
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(stamp, signal=signals.request_reached_downloader)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._close_engine, signal=signals.spider_closed)
        return spider

    def _link_engine(self) -> LinkEngine:
        """The link checker, created on first use (on the reactor's running asyncio loop)."""
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
            )
            self.engine = LinkEngine(
                settings, soft404=self._soft404, now=self._now, guard=policy_for(self.config), gate=self.gate
            )
        return self.engine

    async def _close_engine(self, spider: scrapy.Spider) -> None:
        if self.engine is not None:
            self.crawler.stats.set_value("patrol/link_requests", self.engine.requests)
            await self.engine.close()

    # ------------------------------------------------------------------ plumbing

    @property
    def full(self) -> bool:
        return self.mode != "patrol"

    def _now(self) -> datetime:
        return datetime.now(self.as_of.tzinfo or UTC)

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
            priority=PRIORITY.get(kind, 0),
        )

    def _finish(self, state: SiteState) -> list[Any]:
        if state.pending == 0 and state.links_started and not state.done:
            self._close(state)
            budget = state.budget
            if budget.timer is not None and budget.timer.active():
                budget.timer.cancel()
            cut = budget.observations(state.target.id, state.site_url, self._now())
            return [*cut, TargetDone(target_id=state.target.id, requests=state.requests)]
        return []

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
        state.budget.dropped.setdefault("site_budget", 0)
        self.logger.warning("site time budget spent for %s; dropping its queued requests", target_id)
        purge_queued(self.crawler, target_id)

    def _page_done(self, state: SiteState) -> list[Any]:
        """One page request settled; when the last page is in, check the links they carry."""
        state.pages -= 1
        state.pending -= 1
        out: list[Any] = []
        if state.pages == 0 and not state.links_started:
            state.links_started = True
            out += self._start_links(state)
        return out + self._finish(state)

    # ------------------------------------------------------------------ start

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

        state.budget.timer = reactor.callLater(state.budget.seconds, self._budget_timeout, target.id)  # type: ignore[attr-defined]
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
            state.pages, state.pending, state.links_started = 0, 0, True
            self._close(state)
            state.budget.timer.cancel()
            observation = PageObservation(
                target_id=target.id,
                url=target.url,
                role="homepage",
                fetched_at=self._now(),
                error="other",
                error_detail=str(exc),
            )
            return [observation, TargetDone(target_id=target.id, requests=0)]
        return [request]

    # ------------------------------------------------------------------ pages

    def _observe(self, response: Response, role: str) -> tuple[PageObservation, Any, str]:
        """The facts of one fetched page, plus its parsed tree and text for further questions."""
        meta = response.meta
        redirects = [str(u) for u in meta.get("redirect_urls", [])]
        status = response.status
        html, encoding = decode_html(response)
        obs = PageObservation(
            target_id=meta["target_id"],
            url=redirects[0] if redirects else response.url,
            role=role,
            fetched_at=self._now(),
            status=status,
            elapsed_ms=elapsed_ms(response.request) if response.request else None,
            final_url=response.url,
            redirects=redirects,
            encoding=encoding,
            rendered=bool(meta.get("playwright")),
        )
        if status >= 400:
            obs.error, obs.error_detail = "http", f"HTTP {status}"
        elif content_type := non_html(response):  # a PDF or an image where a page should be
            obs.error, obs.error_detail = (
                "not_html",
                f"Content-Type: {content_type} ({len(response.body)} bytes)",
            )
            html, obs.encoding = "", ""
        root = html_facts.parse(html) if html else None
        if root is not None:
            obs.title = html_facts.page_title(root)
            obs.meta = pagefacts.read_meta(root)
            obs.footer = pagefacts.read_footer(root)
            found = extract_list(html, response.url, self.as_of, self.markers, homepage=role == "homepage")
            obs.items, obs.item_count, obs.newest = found.items, found.item_count, found.newest
            obs.empty = bool(found.empty) if role == "column" else False
            obs.soft404 = pagefacts.is_soft404(status, root, self.markers)
            obs.links = links.extract_links(root, response.url)
            if pagefacts.is_antibot(status, root, self.markers):
                obs.error_detail = obs.error_detail or "antibot"
            meta["patrol_placeholder"] = bool(getattr(found, "placeholder", False))
        if role == "homepage":
            obs.navigation_only = obs.ok and not obs.items
        return obs, root, html

    def _needs_render(self, response: Response, obs: PageObservation, root: Any) -> bool:
        """Render in Chromium once when the list is written by JavaScript (``render_js = "auto"``)."""
        if self.config.crawl.render_js != "auto" or obs.rendered or root is None or not obs.ok:
            return False
        if pagefacts.looks_js_rendered(root):
            return True
        if obs.items or response.meta.get("patrol_placeholder"):
            return False
        scripts = " ".join(s.text or "" for s in root.iter("script") if not s.get("src"))
        return bool(_DATA_SCRIPT.search(scripts))

    def _may_render(self, state: SiteState, response: Response, obs: PageObservation, root: Any) -> bool:
        """Render when the list needs it and the site's page budget still allows a fetch."""
        return self._needs_render(response, obs, root) and state.budget.take_page()

    def _render(self, state: SiteState, response: Response, obs: PageObservation, html: str) -> Request:
        timeout = self.config.crawl.page_timeout
        meta = {k: v for k, v in response.meta.items() if k.startswith("patrol_col") or k == "role"}
        return self._request(
            state,
            obs.final_url,
            self._on_rendered,
            self._on_render_error,
            timeout=timeout * 2,
            page=True,
            playwright=True,
            playwright_context="render",
            playwright_context_kwargs={"ignore_https_errors": True},
            playwright_page_methods=[
                PageMethod("wait_for_load_state", "networkidle", timeout=timeout * 1000)
            ],
            patrol_static=obs,
            patrol_static_html=html,
            **meta,
        )

    def _remember(self, state: SiteState, obs: PageObservation) -> None:
        """A fetched page is also the check of any link pointing at it (no second request)."""
        result = LinkResult(
            url=obs.url,
            checked_at=obs.fetched_at,
            method="GET",
            status=obs.status,
            error=None if obs.error == "http" else obs.error,
            error_detail=obs.error_detail,
            final_url=obs.final_url,
            soft404=obs.soft404,
            elapsed_ms=obs.elapsed_ms,
        )
        for url in {obs.url, *obs.redirects}:
            state.fetched.setdefault(url, result)

    def _collect(self, state: SiteState, links: Iterable[LinkRef], page_url: str, *, homepage: bool) -> None:
        for link in links:
            if not wanted(link, state.site_url):
                continue
            use = state.links.get(link.url)
            if use is None:
                use = state.links[link.url] = LinkUse(target_id=state.target.id, kind=check_kind(link))
            use.add(page_url, homepage=homepage, text=link.text)

    async def _check_certificate(self, obs: PageObservation) -> None:
        """An https homepage: verify its certificate (in a thread) into the observation's meta."""
        if not self.config.crawl.check_certificates or not obs.ok:
            return
        found = await maybe_deferred_to_future(
            deferToThread(certificate_meta, obs.final_url or obs.url, self.config, self.certificates)
        )
        obs.meta.update(found)

    async def _on_homepage(self, response: Response) -> Iterable[Any]:
        state = self.sites[response.meta["target_id"]]
        obs, root, html = self._observe(response, "homepage")
        state.site_url = response.url
        await self._check_certificate(obs)
        if self._may_render(state, response, obs, root):
            out: list[Any] = [self._render(state, response, obs, html)]
        else:
            out = self._homepage_seen(state, obs, root)
        return out + self._page_done(state)

    def _homepage_seen(self, state: SiteState, obs: PageObservation, root: Any) -> list[Any]:
        self._remember(state, obs)
        out: list[Any] = [obs]
        if self.config.crawl.check_links:
            self._collect(state, obs.links, obs.final_url or obs.url, homepage=True)
        if not obs.ok or root is None:
            return out
        state.nav_columns = columns.discover_columns(root, obs.final_url)
        if not self.full:
            # a navigation-only homepage is judged by its second-level pages, even in a patrol
            return out + (self._schedule_columns(state, []) if obs.navigation_only else [])
        sitemap = columns.find_sitemap_url(root, obs.final_url, self.markers)
        if sitemap and is_internal(sitemap, state.site_url) and state.budget.take_page():
            out.append(
                self._request(
                    state,
                    sitemap,
                    self._on_sitemap,
                    self._on_page_error,
                    timeout=self.config.crawl.page_timeout,
                    page=True,
                    role="sitemap",
                )
            )
        else:
            out += self._schedule_columns(state, [])
        return out

    def _on_sitemap(self, response: Response) -> Iterable[Any]:
        state = self.sites[response.meta["target_id"]]
        obs, root, _ = self._observe(response, "sitemap")
        self._remember(state, obs)
        found = (
            columns.discover_columns(root, response.url, from_sitemap=True)
            if obs.ok and root is not None
            else []
        )
        return [obs, *self._schedule_columns(state, found), *self._page_done(state)]

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

    def _column_fields(self, obs: PageObservation, meta: dict[str, Any]) -> None:
        obs.column_name = obs.meta.get("ColumnName") or meta.get("patrol_col_name", "")
        obs.column_category = classify_column(obs.column_name, self.column_words)
        obs.column_level = int(meta.get("patrol_col_level", 1))

    def _on_column(self, response: Response) -> Iterable[Any]:
        state = self.sites[response.meta["target_id"]]
        obs, root, html = self._observe(response, "column")
        self._column_fields(obs, response.meta)
        if self._may_render(state, response, obs, root):
            out: list[Any] = [self._render(state, response, obs, html)]
        else:
            out = self._column_seen(state, obs)
        return out + self._page_done(state)

    def _column_seen(self, state: SiteState, obs: PageObservation) -> list[Any]:
        self._remember(state, obs)
        if self.full and self.config.crawl.check_column_links:
            self._collect(state, obs.links, obs.final_url or obs.url, homepage=False)
        return [obs]

    def _on_rendered(self, response: Response) -> Iterable[Any]:
        """Chromium's view of the list, with the static fetch's status and timing kept."""
        state = self.sites[response.meta["target_id"]]
        static: PageObservation = response.meta["patrol_static"]
        role = static.role
        seen, root, _ = self._observe(response, role)
        tls = {k: v for k, v in static.meta.items() if k in (META_KEY, META_DETAIL)}
        for name in ("title", "meta", "footer", "items", "item_count", "newest", "empty", "soft404", "links"):
            setattr(static, name, getattr(seen, name))
        static.meta.update(tls)
        static.rendered = True
        if role == "homepage":
            static.navigation_only = static.ok and not static.items
            out = self._homepage_seen(state, static, root)
        else:
            out = self._column_seen(state, static)
        return out + self._page_done(state)

    def _on_render_error(self, failure: Failure) -> Iterable[Any]:
        """The browser failed: keep the static observation (the list stays as the server sent it)."""
        meta = failure.request.meta  # type: ignore[attr-defined]
        state = self.sites[meta["target_id"]]
        static: PageObservation = meta["patrol_static"]
        error, detail = classify_failure(failure)
        self.logger.warning("render failed for %s: %s", static.url, detail)
        if static.role == "homepage":
            html = meta.get("patrol_static_html") or ""
            out = self._homepage_seen(state, static, html_facts.parse(html) if html else None)
        else:
            out = self._column_seen(state, static)
        return out + self._page_done(state)

    def _on_page_error(self, failure: Failure) -> Iterable[Any]:
        request: Request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        state = self.sites[meta["target_id"]]
        error, detail = self._failure(state, failure, request)
        redirects = [str(u) for u in meta.get("redirect_urls", [])]
        obs = PageObservation(
            target_id=state.target.id,
            url=redirects[0] if redirects else request.url,
            role=meta.get("role", "column"),
            fetched_at=self._now(),
            error=error,
            error_detail=detail,
            elapsed_ms=elapsed_ms(request),
            final_url=request.url,
            redirects=redirects,
        )
        if obs.role == "column":
            self._column_fields(obs, meta)
        self._remember(state, obs)
        return [obs, *self._page_done(state)]

    def _failure(self, state: SiteState, failure: Failure, request: Request) -> tuple[str, str]:
        """The failure class, with redirect chains told apart and budget cuts counted."""
        error, detail = classify_failure(failure)
        if error == "redirect_loop":
            urls = [str(u) for u in request.meta.get("redirect_urls", [])]
            error, detail = redirect_failure(urls, request.url, self.config.crawl.max_redirects)
        elif error == "site_budget":
            state.budget.drop("site_budget")
        return error, detail

    # ------------------------------------------------------------------ links

    def _start_links(self, state: SiteState) -> list[Any]:
        """Answer what is known; the rest goes to the link engine as one batch for this site."""
        answered: list[Any] = []
        todo: list[tuple[str, LinkUse, str]] = []
        for url, use in state.links.items():
            if state.budget.spent:  # out of time: the links are not checked (nor judged dead)
                state.budget.drop("site_budget")
                continue
            if not state.budget.take_link():
                continue  # counted as cut by the link budget; homepage links came first
            known = state.fetched.get(url)
            if known is not None:
                answered.append(make_check(use, url, state.site_url, known, self.confirmed_statuses))
                continue
            scope = self.book.scope(url, state.site_url, use.target_id)
            cached = self.book.results.get((scope, url))
            if cached is not None:
                answered.append(make_check(use, url, state.site_url, cached, self.confirmed_statuses))
                continue
            todo.append((url, use, scope))
        if todo:
            state.pending += 1  # settled when the whole batch is answered (or the time is up)
            answered.append(
                Request(
                    "data:,",
                    callback=self._check_links,
                    errback=self._on_batch_dropped,
                    dont_filter=True,
                    priority=PRIORITY["link"],
                    meta={"target_id": state.target.id, "link_batch": todo},
                )
            )
        return answered

    def _checking(self, state: SiteState, url: str, scope: str, kind: str) -> asyncio.Future[LinkResult]:
        """The check of ``url`` in ``scope``: joined if another site already asked for it."""
        key = (scope, url)
        future = self.checks.get(key)
        if future is None:
            # an in-site page must be read anyway (a soft-404 answers 200): GET it at once
            first = "GET" if scope and kind == "page" else "HEAD"
            future = asyncio.ensure_future(self._link_engine().check(url, first=first, internal=bool(scope)))
            self.checks[key] = future
            future.add_done_callback(lambda done: self._checked(key, done))
            state.requests += 1
        return future

    def _checked(self, key: tuple[str, str], future: asyncio.Future[LinkResult]) -> None:
        self.checks.pop(key, None)
        if key[0] == "" and not future.cancelled() and future.exception() is None:
            self.book.results[key] = future.result()  # external: every later site reuses it

    async def _check_links(self, response: Response) -> AsyncIterator[Any]:
        """Check one site's links concurrently; yield each LinkCheck as it is answered, then done.

        The site's time budget still holds: what is unanswered when it runs out is dropped and
        counted (not judged dead); shared checks go on for the other sites that wait for them.
        """
        state = self.sites[response.meta["target_id"]]
        waiting: dict[asyncio.Future[LinkResult], list[tuple[str, LinkUse]]] = {}
        for url, use, scope in response.meta["link_batch"]:
            waiting.setdefault(self._checking(state, url, scope, use.kind), []).append((url, use))
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
                batch = [await answers.get()]
                while not answers.empty():
                    batch.append(answers.get_nowait())
                timed_out = None in batch
                batch = [f for f in batch if f is not None and f in unanswered]
                unanswered.difference_update(batch)
                if timed_out:  # the site's time is up: what is unanswered is dropped, not dead
                    state.budget.spent = True
                    state.budget.drop("site_budget", sum(len(waiting[f]) for f in unanswered))
                    unanswered.clear()
                checks = []
                for future in batch:
                    result = self._result_of(future, waiting[future][0][0])
                    for url, use in waiting[future]:
                        checks.append(make_check(use, url, state.site_url, result, self.confirmed_statuses))
                if checks:
                    yield ItemBatch(checks)
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

    def _on_batch_dropped(self, failure: Failure) -> list[Any]:
        """The batch never ran (its site's time budget was spent first): nothing checked, site closes."""
        request: Request = failure.request  # type: ignore[attr-defined]
        state = self.sites[request.meta["target_id"]]
        state.budget.drop("site_budget", len(request.meta["link_batch"]))
        state.pending -= 1
        return self._finish(state)

    def _soft404(self, status: int, html: str) -> bool:
        """Parse only pages that say one of the phrases at all (most link targets do not)."""
        phrases = [*self.markers["soft404_phrases"], *self.markers["soft404_title_phrases"]]
        lowered = html.lower()
        if not any(p.lower() in lowered for p in phrases):
            return False
        return pagefacts.is_soft404(status, html, self.markers)

    # ------------------------------------------------------------------ safety net

    def _on_idle(self, spider: scrapy.Spider) -> None:
        """Nothing left to do but some target never closed (a lost request): close them all now."""
        if self._flushed or all(s.done for s in self.sites.values()):
            return
        self._flushed = True
        open_ids = [tid for tid, s in self.sites.items() if not s.done]
        self.logger.warning("closing %d targets with unsettled requests: %s", len(open_ids), open_ids[:10])
        request = Request("data:,", callback=self._flush, dont_filter=True, meta={"target_id": ""})
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _flush(self, response: Response) -> Iterable[Any]:
        out = []
        for state in self.sites.values():
            if not state.done:
                self._close(state)
                out.append(TargetDone(target_id=state.target.id, requests=state.requests))
        return out

    def _close(self, state: SiteState) -> None:
        """A site is done: it frees its place and the link maps it no longer needs."""
        state.done = True
        self.open_sites -= 1
        state.links.clear()
        state.fetched.clear()
        state.nav_columns.clear()
