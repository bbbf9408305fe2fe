"""What a collector may ask of the site spider beyond a page: a file, and work off the event loop.

Both keep the site open (``pending``) until they are settled, so a site's :class:`TargetDone` still
comes after its last observation, and both are dropped with the site's queued requests when its
time budget runs out. A file is fetched like a page (same SSRF guard, redirects, per-host places,
time budget) under its own size cap; a file that loaded also answers the link check of its URL, so an
attachment read by a collector is not requested a second time. ``later`` work is awaited in the
callback of a ``data:,`` request (the trick the link batches use): the reactor stays free while a
thread or a child process does the reading. See :mod:`spiders.collectors`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from spiders.base import tallied
from spiders.collectors import FetchedFile, FetchedPage, OnFile, Work
from spiders.fetchfacts import classify_failure, elapsed_ms
from spiders.linkcheck import LinkResult
from spiders.sitecore import PRIORITY, SiteState
from spiders.sitepages import SitePages

FILE_PRIORITY = PRIORITY["column"] - 5  # after the site's pages, before its link checks


class SiteWork(SitePages):
    """Files and deferred work for collectors (:meth:`fetch_file`, :meth:`later`)."""

    def fetch_file(self, page: FetchedPage, url: str, on_file: OnFile, *, max_bytes: int) -> Request | None:
        state = self.sites[page.target.id]
        if state.done or state.budget.spent:
            return None
        state.pending += 1
        state.requests += 1
        return Request(
            url,
            callback=self._on_file,
            errback=self._on_file_error,
            dont_filter=True,
            priority=FILE_PRIORITY,
            meta={
                "target_id": state.target.id,
                "download_timeout": self.config.crawl.page_timeout,
                "download_maxsize": max_bytes,
                "download_warnsize": max_bytes,
                "dont_retry": True,
                "role": "file",
                "patrol_on_file": on_file,
                "patrol_found_on": page.obs.final_url or page.obs.url,
            },
        )

    @tallied
    async def _on_file(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        state = self.sites[meta["target_id"]]
        redirects = [str(u) for u in meta.get("redirect_urls", [])]
        url = redirects[0] if redirects else response.url
        loaded = LinkResult(
            url=url,
            checked_at=self._now(),
            method="GET",
            status=response.status,
            final_url=response.url,
            elapsed_ms=elapsed_ms(response.request) if response.request else None,
        )
        for seen in {url, *redirects}:  # the link check of this URL needs no request of its own
            state.files.setdefault(seen, loaded)
        fetched = FetchedFile(
            target=state.target,
            url=url,
            found_on=meta["patrol_found_on"],
            body=response.body,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            status=response.status,
        )
        return [*await self._run_file(meta["patrol_on_file"], fetched), *self._settle(state, False)]

    @tallied
    async def _on_file_error(self, failure: Failure) -> Iterable[Any]:
        request: Request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        state = self.sites[meta["target_id"]]
        error, detail = classify_failure(failure)
        failed = FetchedFile(
            target=state.target,
            url=request.url,
            found_on=meta["patrol_found_on"],
            error=error,
            error_detail=detail,
        )
        return [*await self._run_file(meta["patrol_on_file"], failed), *self._settle(state, False)]

    async def _run_file(self, on_file: OnFile, fetched: FetchedFile) -> list[Any]:
        try:
            return list(await on_file(fetched))
        except Exception:  # a collector's fault must not leave its site open forever
            self.logger.exception("file collector failed on %s", fetched.url)
            return []

    def later(self, page: FetchedPage, work: Work, *, before_links: bool = False) -> Request | None:
        state = self.sites[page.target.id]
        if state.done:
            return None
        if before_links:
            state.pages += 1
        state.pending += 1
        return Request(
            "data:,",
            callback=self._on_later,
            errback=self._on_later_dropped,
            dont_filter=True,
            priority=PRIORITY["homepage"] if before_links else FILE_PRIORITY,
            meta={"target_id": state.target.id, "patrol_work": work, "patrol_before_links": before_links},
        )

    @tallied
    async def _on_later(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        state = self.sites[meta["target_id"]]
        try:
            items = list(await meta["patrol_work"]())
        except Exception:  # a collector's fault must not leave its site open forever
            self.logger.exception("collector work failed for %s", state.target.id)
            items = []
        return [*items, *self._settle(state, meta["patrol_before_links"])]

    @tallied
    def _on_later_dropped(self, failure: Failure) -> Iterable[Any]:
        """Dropped before it ran (the site's time budget was spent): settled, nothing done."""
        meta = failure.request.meta  # type: ignore[attr-defined]
        return self._settle(self.sites[meta["target_id"]], meta["patrol_before_links"])

    def _settle(self, state: SiteState, before_links: bool) -> list[Any]:
        if before_links:
            return self._page_done(state)
        state.pending -= 1
        return self._finish(state)
