"""One cap on requests in flight for the whole process: Scrapy's downloads and the link engine's.

Pages go through Scrapy's downloader and link checks through :mod:`spiders.linkengine`; each has
its own concurrency limit, so without a shared cap a sweep could hold twice ``[crawl]
concurrency`` connections open while one site's pages and another's links overlap. Both sides
run on the reactor's asyncio loop and take a place from the same semaphore before they send.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler

_caps: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Semaphore]] = {}


def shared_cap(limit: int) -> asyncio.Semaphore:
    """The process-wide semaphore of ``limit`` places on the running loop (first caller sets it)."""
    loop = asyncio.get_running_loop()
    found = _caps.get(id(loop))
    if found is None or found[0] is not loop:
        found = _caps[id(loop)] = (loop, asyncio.Semaphore(max(1, limit)))
    return found[1]


HELD = "patrol_inflight_held"  # request meta: this download holds a place


class InFlightCapMiddleware:
    """Downloader middleware (last before the download handler): a place per download."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InFlightCapMiddleware:
        return cls(crawler.settings.getint("CONCURRENT_REQUESTS"))

    async def process_request(self, request: Request) -> None:
        if request.meta.get(HELD) or not request.url.startswith(("http://", "https://")):
            return
        await shared_cap(self.limit).acquire()
        request.meta[HELD] = True

    def _release(self, request: Request) -> None:
        if request.meta.pop(HELD, False):
            shared_cap(self.limit).release()

    def process_response(self, request: Request, response: Any) -> Any:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self._release(request)
