"""A browser lane keeps its page for its platform's next account, and only then (spiders/lanepages.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.http import Request

from spiders.lanepages import LanePages


class Page:
    """What the lane bookkeeping touches of a Playwright page."""

    def __init__(self) -> None:
        self.closed = False
        self.removed: list[Any] = []

    def is_closed(self) -> bool:
        return self.closed

    async def close(self) -> None:
        self.closed = True

    def remove_listener(self, event: str, handler: Any) -> None:
        self.removed.append((event, handler))


class Capture:
    def on_response(self, response: Any) -> None:
        return None


def downloaded(
    lanes: LanePages, key: str, lane: int, fresh: bool = False, ok: bool = True
) -> tuple[Request, bool]:
    """One browser fetch on ``lane``: attached, downloaded (a new page if none was given), settled."""
    request = Request("http://127.0.0.1/p", meta={"patrol_capture": Capture()})
    reused = lanes.attach(key, lane, request, fresh)
    if "playwright_page" not in request.meta and request.meta.get("playwright_include_page"):
        request.meta["playwright_page"] = Page()  # what scrapy-playwright sets when it opens one
    lanes.settle(key, lane, request, ok)
    return request, reused


def test_the_same_platform_navigates_the_lanes_page_and_another_platform_closes_it():
    async def run() -> None:
        lanes = LanePages()
        first, reused = downloaded(lanes, "toutiao", 0)
        page = first.meta["playwright_page"]
        assert not reused
        assert lanes.platform_of(0) == "toutiao"
        assert page.removed == [("response", first.meta["patrol_capture"].on_response)]
        second, reused = downloaded(lanes, "toutiao", 0)
        assert reused
        assert second.meta["playwright_page"] is page
        third, reused = downloaded(lanes, "douyin", 0)
        await asyncio.sleep(0)
        assert not reused
        assert page.closed
        assert third.meta["playwright_page"] is not page
        assert lanes.platform_of(0) == "douyin"
        assert lanes.platform_of(1) == ""

    asyncio.run(run())


def test_a_failed_fetch_or_a_fresh_page_platform_never_leaves_a_page_behind():
    async def run() -> None:
        lanes = LanePages()
        failed, _ = downloaded(lanes, "toutiao", 0, ok=False)
        await asyncio.sleep(0)
        assert failed.meta["playwright_page"].closed
        assert lanes.platform_of(0) == ""
        fresh, reused = downloaded(lanes, "weibo", 1, fresh=True)
        assert not reused
        assert "playwright_include_page" not in fresh.meta
        assert lanes.platform_of(1) == ""

    asyncio.run(run())
