"""``PLAYWRIGHT_BROWSER_PROVIDER`` with the SSRF guard: Chromium runs behind the guard's proxy.

:func:`spiders.settings.build_settings` puts a :class:`~crawlers.guardproxy.BrowserGuardSpec` where
the launch options' ``proxy`` goes. This provider starts the proxy for it when the browser is first
needed, launches Chromium through it and stops it when the provider closes. Launched any other way
(the spec is not a proxy Playwright understands) the browser fails to start rather than run open.
"""

from __future__ import annotations

from typing import Any

from scrapy_playwright.provider import PlaywrightBrowserProvider

from crawlers.guardproxy import BrowserGuardSpec, GuardProxy


class GuardedBrowserProvider(PlaywrightBrowserProvider):
    """scrapy-playwright's provider, launching Chromium only through a running guard proxy."""

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.proxy: GuardProxy | None = None

    async def launch_browser(self) -> Any:
        if self.browser_type is None:
            raise RuntimeError("start() must be awaited before launch_browser()")
        spec = self.config.launch_options.get("proxy")
        if not isinstance(spec, BrowserGuardSpec):
            raise RuntimeError("PLAYWRIGHT_LAUNCH_OPTIONS has no browser guard (spiders.settings puts one)")
        if self.proxy is None:
            self.proxy = GuardProxy(spec)
            self.proxy.start()
        options = {**self.config.launch_options, "proxy": {"server": self.proxy.url}}
        return await self.browser_type.launch(**options)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self.proxy is not None:
                self.proxy.stop()
                self.proxy = None
