"""Lane pages: a browser lane's page navigated from one account's profile to the next.

Every profile page used to be opened in a new Chromium page (a new tab, a renderer to start and tear
down) and closed after its answer. A platform whose page signs only its own first request (the
simulated Toutiao; the ``first_request`` model) can only be read by loading each account's profile
page, but the load does not need a new page: the lane keeps its page open and scrapy-playwright
navigates it (``playwright_page``) to the next account of the same platform. The context is the
lane's own as before, so cookies are shared exactly as they were; a navigation starts a new document
(no script state survives it). At most one page per lane stays open: when the lane turns to another
platform, the page is closed, so no more pages are alive than before. A page object that needs a
fresh page per account says so with ``FRESH_PAGE = True``; a failed fetch's page is never reused.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from scrapy.http import Request


@dataclass
class Held:
    key: str  # the platform whose context the page lives in
    page: Any


def close_page(page: Any) -> None:
    if page is not None and not page.is_closed():
        asyncio.ensure_future(page.close())


class LanePages:
    """The page each browser lane keeps between two fetches of the same platform."""

    def __init__(self) -> None:
        self.held: dict[int, Held] = {}

    def platform_of(self, lane: int) -> str:
        """The platform whose page the lane holds ('' when none): a waiting fetch of it goes first."""
        held = self.held.get(lane)
        return held.key if held is not None else ""

    def attach(self, key: str, lane: int, request: Request, fresh: bool) -> bool:
        """Open ``request`` in the lane's page when it holds one of ``key`` (else a new page, and
        the held one of another platform is closed); the page is kept after the download. Whether
        the held page was reused."""
        held = self.held.pop(lane, None)
        if held is not None and (held.key != key or fresh or held.page.is_closed()):
            close_page(held.page)
            held = None
        if fresh:
            return False
        request.meta["playwright_include_page"] = True
        if held is None:
            return False
        request.meta["playwright_page"] = held.page
        return True

    def settle(self, key: str, lane: int, request: Request, ok: bool) -> None:
        """The fetch is over: detach its capture from the page and keep the page for the lane's
        next fetch, or close it (a failed fetch, a closed page)."""
        page = request.meta.get("playwright_page")
        if page is None or not request.meta.get("playwright_include_page"):
            return
        capture = request.meta.get("patrol_capture")
        if capture is not None:
            page.remove_listener("response", capture.on_response)
        if ok and not page.is_closed():
            self.held[lane] = Held(key, page)
        else:
            close_page(page)

    def close_all(self) -> None:
        for held in self.held.values():
            close_page(held.page)
        self.held = {}
