"""The security watch's fact collector, hooked into the site spider (:mod:`spiders.collectors`).

For the homepage and each configured key page (``[security] key_pages``, fetched within the site's
page budget) it records a :class:`~crawlers.watchmodels.WatchObservation` of the page as a visitor
gets it, and a capped :class:`~crawlers.watchmodels.PageSnapshot`; then, each as a further fetch of
the same page, the page as Baiduspider gets it and as a visitor from a Baidu search gets it (for
the cloaking rule), and the page rendered in Chromium when :func:`crawlers.watchfacts.render_reason`
says a script could be writing what the HTML does not show (``[security] render``). A page that
fails to load yields no watch facts: its page observation is the availability fact.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import tempfile
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import lxml.html

from crawlers.config import Config
from crawlers.pagewords import PageWords
from crawlers.securityconfig import SecurityConfig
from crawlers.watchfacts import hostname, read_watch, render_reason
from crawlers.watchmodels import PageSnapshot, WatchObservation
from spiders.collectors import FetchedPage, FollowPages
from spiders.watchrender import page_methods

VARIANT_ROLES = {"spider": "watch_spider", "referer": "watch_referer", "rendered": "watch_render"}


class WatchSpider(FollowPages, Protocol):
    config: Config
    words: PageWords


class SecurityWatch:
    """Collects the watch facts of homepages (and, through them, of key pages)."""

    roles = frozenset({"homepage"})

    def __init__(self) -> None:
        self._shots: Path | None = None  # where Chromium writes screenshots before they are read

    def collect(self, page: FetchedPage, spider: FollowPages) -> Iterable[Any]:
        watcher: WatchSpider = spider  # the site spider has both
        security = watcher.config.security
        if not security.enabled or not page.obs.ok or page.root is None:
            return []
        home = page.obs.final_url or page.obs.url
        out = self._watch(page, watcher, page.target.url, "homepage")
        for url in security.key_page_urls(page.target, home):
            request = spider.follow(page, url, "keypage", partial(self._on_keypage, watcher, url))
            if request is not None:
                out.append(request)
        return out

    def _on_keypage(self, spider: WatchSpider, url: str, page: FetchedPage) -> list[Any]:
        if not page.obs.ok or page.root is None:
            return []
        return self._watch(page, spider, url, "keypage")

    def _watch(self, page: FetchedPage, spider: WatchSpider, url: str, role: str) -> list[Any]:
        """The static facts and snapshot of one watched page, and the requests for its variants."""
        security = spider.config.security
        static, snapshot = self._facts(page, spider, url, role, "static")
        out: list[Any] = [static, snapshot]
        if security.cloaking:
            for variant, headers in self._variant_headers(page, security).items():
                request = spider.follow(
                    page,
                    page.obs.final_url or url,
                    VARIANT_ROLES[variant],
                    partial(self._on_variant, spider, url, role, variant),
                    refetch=True,
                )
                if request is not None:
                    request.headers.update(headers)
                    out.append(request)
        reason = (
            "always" if security.render == "always" else render_reason(static, spider.words.render_skip_hosts)
        )
        if security.render != "never" and reason and not page.obs.rendered:
            out += self._render(page, spider, url, role, reason)
        return out

    @staticmethod
    def _variant_headers(page: FetchedPage, security: SecurityConfig) -> dict[str, dict[str, str]]:
        referer = security.search_referer.replace("{name}", quote(page.target.name))
        return {"spider": {"User-Agent": security.spider_user_agent}, "referer": {"Referer": referer}}

    def _render(self, page: FetchedPage, spider: WatchSpider, url: str, role: str, reason: str) -> list[Any]:
        if self._shots is None:
            self._shots = Path(tempfile.mkdtemp(prefix="govpatrol-shots-"))
        shot = (
            self._shots
            / f"{hashlib.sha1(f'{page.target.id} {url}'.encode(), usedforsecurity=False).hexdigest()}.png"
        )
        on_page = partial(self._on_variant, spider, url, role, "rendered", reason=reason, shot=shot)
        request = spider.follow(
            page, page.obs.final_url or url, VARIANT_ROLES["rendered"], on_page, refetch=True
        )
        if request is None:
            return []
        timeout = spider.config.crawl.page_timeout
        request.meta.update(
            playwright=True,
            playwright_context="render",
            playwright_context_kwargs={"ignore_https_errors": True},
            playwright_page_methods=page_methods(timeout * 1000, shot),
            download_timeout=timeout * 2,
        )
        return [request]

    def _on_variant(
        self,
        spider: WatchSpider,
        url: str,
        role: str,
        variant: str,
        page: FetchedPage,
        *,
        reason: str = "",
        shot: Path | None = None,
    ) -> list[Any]:
        if page.root is None:
            obs = self._empty(page, url, role, variant)
            return [obs]
        facts, snapshot = self._facts(page, spider, url, role, variant, shot=shot)
        facts.rendered_because = reason
        return [facts, snapshot]

    @staticmethod
    def _empty(page: FetchedPage, url: str, role: str, variant: str) -> WatchObservation:
        """A variant that answered with no page (an error status, a download): its status and target."""
        return WatchObservation(
            target_id=page.target.id,
            url=url,
            page_role=role,
            variant=variant,
            fetched_at=page.obs.fetched_at,
            status=page.obs.status,
            error=page.obs.error,
            final_url=page.obs.final_url,
            site_host=hostname(page.target.url),
        )

    @staticmethod
    def _facts(
        page: FetchedPage, spider: WatchSpider, url: str, role: str, variant: str, *, shot: Path | None = None
    ) -> tuple[WatchObservation, PageSnapshot]:
        assert page.root is not None
        obs = read_watch(
            page.root,
            target_id=page.target.id,
            url=url,
            page_role=role,
            variant=variant,
            fetched_at=page.obs.fetched_at,
            status=page.obs.status,
            final_url=page.obs.final_url,
            site_host=hostname(page.target.url),
        )
        obs.error = page.obs.error
        snapshot = take_snapshot(page, url, variant, spider.config.security.snapshot_max_bytes, shot)
        obs.snapshot = snapshot.digest
        return obs, snapshot


def take_snapshot(page: FetchedPage, url: str, variant: str, cap: int, shot: Path | None) -> PageSnapshot:
    """The page's HTML as parsed (capped at ``cap`` bytes) and the screenshot file, if one was taken."""
    assert page.root is not None
    raw = lxml.html.tostring(page.root, encoding="unicode", method="html")
    data = raw.encode("utf-8")
    truncated = len(data) > cap
    html = data[:cap].decode("utf-8", "ignore") if truncated else raw
    picture = ""
    if shot is not None and shot.is_file():
        png = shot.read_bytes()
        with contextlib.suppress(OSError):
            shot.unlink()
        if len(png) <= cap * 4:
            picture = base64.b64encode(png).decode("ascii")
    return PageSnapshot(
        target_id=page.target.id,
        url=url,
        variant=variant,
        taken_at=page.obs.fetched_at,
        digest=hashlib.sha256(html.encode("utf-8")).hexdigest(),
        html=html,
        truncated=truncated,
        screenshot_b64=picture,
    )
