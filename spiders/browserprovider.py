"""One Chromium per process, shared by every crawler's scrapy-playwright download handler.

A sweep of sites and accounts runs two crawlers in one process, and scrapy-playwright gives each
crawler its own handler, which would launch its own browser. :class:`SharedBrowserProvider`
(setting ``PLAYWRIGHT_BROWSER_PROVIDER``, installed by the add-on) hands all of them the same one,
so a mixed sweep never pays for, or holds the memory of, two browsers. The browser it launches runs
behind the SSRF guard's proxy (:class:`~spiders.browserguard.GuardedBrowserProvider`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from spiders.browserguard import GuardedBrowserProvider


class _SharedBrowser:
    """The Chromium every handler of this process uses; closed when its last user closes it."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    async def close(self) -> None:
        await SharedBrowserProvider._release_browser()


class SharedBrowserProvider:
    """``PLAYWRIGHT_BROWSER_PROVIDER``: one Playwright driver and one Chromium for the whole process.

    scrapy-playwright gives every crawler its own handler, and each handler would launch its own
    browser; this provider hands all of them the same one (reference-counted, all on the reactor's
    asyncio loop). Each handler still keeps its own contexts: pages of different crawlers never
    share cookies.
    """

    _lock: asyncio.Lock | None = None
    _playwright: Any = None
    _playwright_users = 0
    _browser: Any = None
    _browser_users = 0
    launches = 0  # browsers actually launched in this process (a stats figure)

    def __init__(self, config: Any) -> None:
        self.config = config
        self._own = GuardedBrowserProvider(config)  # Chromium only behind the SSRF guard's proxy
        self._started = False

    @classmethod
    def _get_lock(cls) -> asyncio.Lock:
        if cls._lock is None:
            cls._lock = asyncio.Lock()
        return cls._lock

    async def start(self) -> None:
        cls = type(self)
        async with cls._get_lock():
            if cls._playwright is None:
                await self._own.start()
                cls._playwright = self._own
            cls._playwright_users += 1
            self._started = True

    async def launch_browser(self) -> Any:
        cls = type(self)
        async with cls._get_lock():
            if cls._browser is None or not cls._browser.is_connected():
                cls._browser = await cls._playwright.launch_browser()
                cls._browser_users = 0
                cls.launches += 1
            cls._browser_users += 1
            return _SharedBrowser(cls._browser)

    async def launch_persistent_context(self, context_kwargs: dict) -> Any:
        return await type(self)._playwright.launch_persistent_context(context_kwargs)

    @classmethod
    async def _release_browser(cls) -> None:
        async with cls._get_lock():
            cls._browser_users -= 1
            if cls._browser_users <= 0 and cls._browser is not None:
                browser, cls._browser = cls._browser, None
                await browser.close()

    async def close(self) -> None:
        cls = type(self)
        if not self._started:
            return
        self._started = False
        async with cls._get_lock():
            cls._playwright_users -= 1
            if cls._playwright_users <= 0 and cls._playwright is not None:
                driver, cls._playwright = cls._playwright, None
                await driver.close()
