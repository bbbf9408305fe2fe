"""The site spider's page reading: one fetched page -> its observation (facts only), rendering in
Chromium when a list is written by JavaScript, and failures named by class.

What a page says is recorded (title, meta, footer marks, list entries, the main text's length and
start, links); what it means -- an empty column, a soft-404, a stale list -- is for the rules. A page
that loaded is also the check of any link pointing at it (:meth:`SitePages._remember`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lxml.html import HtmlElement
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_playwright.page import PageMethod
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawlers import html as html_facts
from crawlers import links, pagefacts
from crawlers.listpage import extract_list
from crawlers.models import PageObservation
from crawlers.tlscheck import META_DETAIL, META_KEY, certificate_meta
from spiders.base import tallied
from spiders.collectors import FetchedPage
from spiders.fetchfacts import classify_failure, decode_html, elapsed_ms, non_html, redirect_failure
from spiders.linkcheck import LinkResult, PageSignals
from spiders.sitecore import SiteState
from spiders.sitelinks import SiteLinks

_DATA_SCRIPT = re.compile(r"\bfetch\s*\(|XMLHttpRequest|\$\.(?:ajax|get|getJSON|post)\s*\(|\baxios\b")
# what a rendered page replaces of the static fetch's observation (status and timing are kept)
RENDERED_FIELDS = (
    "title",
    "meta",
    "footer",
    "items",
    "item_count",
    "newest",
    "text_chars",
    "text_excerpt",
    "links",
)


def render_meta(timeout: float) -> dict[str, Any]:
    """Request meta that opens a page in Chromium and waits for its network to go quiet."""
    return {
        "playwright": True,
        "playwright_context": "render",
        "playwright_context_kwargs": {"ignore_https_errors": True},
        "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle", timeout=timeout * 1000)],
    }


class SitePages(SiteLinks):
    """Page reading for :class:`~spiders.site.SiteSpider`; ``_page_seen`` is the spider's."""

    def _page_seen(self, state: SiteState, obs: PageObservation, root: HtmlElement | None) -> list[Any]:
        """A page's final observation (after any render): what follows from it. The spider's part."""
        raise NotImplementedError

    def _observe(self, response: Response, role: str) -> tuple[PageObservation, HtmlElement | None, str]:
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
            found = extract_list(html, response.url, self.as_of, self.words, homepage=role == "homepage")
            obs.items, obs.item_count, obs.newest = found.items, found.item_count, found.newest
            obs.text_chars, obs.text_excerpt = pagefacts.text_signals(root, always=not obs.items)
            obs.links = links.extract_links(root, response.url)
            if pagefacts.is_antibot(status, root, self.words):
                obs.error_detail = obs.error_detail or "antibot"
        if role == "homepage":
            obs.navigation_only = obs.ok and not obs.items
        if role == "column":
            self._column_fields(obs, meta)
        return obs, root, html

    @staticmethod
    def _column_fields(obs: PageObservation, meta: dict[str, Any]) -> None:
        """The column's name as shown (its ColumnName meta, else the navigation text) and level."""
        obs.column_name = obs.meta.get("ColumnName") or meta.get("patrol_col_name", "")
        obs.column_level = int(meta.get("patrol_col_level", 1))

    def _needs_render(self, obs: PageObservation, root: HtmlElement | None) -> bool:
        """Render in Chromium once when the list is written by JavaScript (``render_js = "auto"``)."""
        if self.config.crawl.render_js != "auto" or obs.rendered or root is None or not obs.ok:
            return False
        if pagefacts.looks_js_rendered(root):
            return True
        if obs.items or self.words.says_no_entries(obs.text_excerpt):  # listed, or empty by the server
            return False
        scripts = " ".join(s.text or "" for s in root.iter("script") if not s.get("src"))
        return bool(_DATA_SCRIPT.search(scripts))

    def _may_render(self, state: SiteState, obs: PageObservation, root: HtmlElement | None) -> bool:
        """Render when the list needs it and the site's page budget still allows a fetch."""
        return self._needs_render(obs, root) and state.budget.take_page()

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
            patrol_static=obs,
            patrol_static_html=html,
            **render_meta(timeout),
            **meta,
        )

    def _read(self, state: SiteState, response: Response, role: str) -> list[Any]:
        """A fetched page: rendered first when its list needs it, else seen as it came."""
        obs, root, html = self._observe(response, role)
        if self._may_render(state, obs, root):
            return [self._render(state, response, obs, html)]
        return self._page_seen(state, obs, root)

    def _remember(self, state: SiteState, obs: PageObservation) -> None:
        """A fetched page is also the check of any link pointing at it (no second request)."""
        signals = None
        if obs.status is not None and 200 <= obs.status < 300:
            signals = PageSignals(obs.title, obs.text_chars, obs.text_excerpt, pagefacts.is_tagged(obs.meta))
        result = LinkResult(
            url=obs.url,
            checked_at=obs.fetched_at,
            method="GET",
            status=obs.status,
            error=None if obs.error == "http" else obs.error,
            error_detail=obs.error_detail,
            final_url=obs.final_url,
            signals=signals,
            elapsed_ms=obs.elapsed_ms,
        )
        for url in {obs.url, *obs.redirects}:
            state.fetched.setdefault(url, result)

    async def _check_certificate(self, obs: PageObservation) -> None:
        """An https homepage: verify its certificate (in a thread) into the observation's meta."""
        if not self.config.crawl.check_certificates or not obs.ok:
            return
        found = await maybe_deferred_to_future(
            deferToThread(certificate_meta, obs.final_url or obs.url, self.config, self.certificates)
        )
        obs.meta.update(found)

    @tallied
    def _on_rendered(self, response: Response) -> Iterable[Any]:
        """Chromium's view of the list, with the static fetch's status and timing kept."""
        state = self.sites[response.meta["target_id"]]
        static: PageObservation = response.meta["patrol_static"]
        seen, root, _ = self._observe(response, static.role)
        tls = {k: v for k, v in static.meta.items() if k in (META_KEY, META_DETAIL)}
        for name in RENDERED_FIELDS:
            setattr(static, name, getattr(seen, name))
        static.meta.update(tls)
        static.rendered = True
        if static.role == "homepage":
            static.navigation_only = static.ok and not static.items
        return self._page_seen(state, static, root) + self._page_done(state)

    @tallied
    def _on_render_error(self, failure: Failure) -> Iterable[Any]:
        """The browser failed: keep the static observation (the list stays as the server sent it)."""
        meta = failure.request.meta  # type: ignore[attr-defined]
        state = self.sites[meta["target_id"]]
        static: PageObservation = meta["patrol_static"]
        _error, detail = classify_failure(failure)
        self.logger.warning("render failed for %s: %s", static.url, detail)
        html = meta.get("patrol_static_html") or ""
        root = html_facts.parse(html) if html else None
        return self._page_seen(state, static, root) + self._page_done(state)

    @tallied
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
        out: list[Any] = [obs]
        if on_page := meta.get("patrol_on_page"):  # a collector's page: it hears of the failure too
            out += on_page(FetchedPage(state.target, obs, None))
        return [*out, *self._page_done(state)]

    def _failure(self, state: SiteState, failure: Failure, request: Request) -> tuple[str, str]:
        """The failure class, with redirect chains told apart and budget cuts counted."""
        error, detail = classify_failure(failure)
        if error == "redirect_loop":
            urls = [str(u) for u in request.meta.get("redirect_urls", [])]
            error, detail = redirect_failure(urls, request.url, self.config.crawl.max_redirects)
        elif error == "site_budget":
            state.budget.drop("site_budget", pages=1)
        return error, detail
