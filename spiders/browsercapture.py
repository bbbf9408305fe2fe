"""One browser fetch of the account spider: the page's own requests rerouted, its JSON kept.

Apart from :mod:`spiders.account` because it is the one piece that talks to Chromium (through
scrapy-playwright's page methods); the spider only builds a :class:`BrowserCapture` per browser
fetch and reads what it captured.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Request

from crawlers.platforms.base import Captured, Fetch, rewrite_origin
from spiders.settings import abort_heavy_request

log = logging.getLogger(__name__)

BODY_TEXT_JS = "() => document.body ? document.body.innerText : ''"
LATE_CAPTURE_MS = 8000  # extra wait for a page whose own JSON request comes late
# The page's own data requests are kept whatever their address: page objects pick their post list by
# the answer's shape (a REST path, a GraphQL endpoint, a renamed API). Bounded per page.
SCRIPT_TYPES = ("xhr", "fetch")
MAX_CAPTURED = 40


def wanted_answer(capture: str, url: str, resource_type: str) -> bool:
    """Keep this answer of the page? At the page object's known path, or any request the page's
    script made (the post list may come from another address; the page object reads the shape)."""
    return bool(capture) and (capture in url or resource_type in SCRIPT_TYPES)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class BrowserCapture:
    """One browser fetch: reroutes the page's own requests to the origin and keeps its JSON.

    Why a page *method* and not ``playwright_include_page``: the method runs inside the download,
    before scrapy-playwright closes the page, so the response bodies and the visible text are read
    while the page is alive, a failure there becomes the request's errback, and the page (with its
    slot of ``PLAYWRIGHT_MAX_PAGES_PER_CONTEXT``) is closed by the handler on every path. With
    ``include_page`` every callback and errback would have to close the page itself, and one missed
    path would leak a page and, in time, every slot. The "response" event handler is synchronous
    and only keeps the response objects; bodies are awaited in :meth:`settle`, never in the event.
    """

    def __init__(
        self, fetch: Fetch, hosts: tuple[str, ...], origin: str, cookies: dict[str, str], idle_ms: int
    ):
        self.fetch = fetch
        self.hosts = hosts
        self.origin = origin
        self.cookies = cookies
        self.idle_ms = idle_ms
        self.page_url = rewrite_origin(fetch.url, hosts, origin)
        self.responses: list[Any] = []
        self.captured: list[Captured] = []
        self.page_text = ""
        self.platform_requests = 0  # answers the page got from the platform (its budget counts them)
        self.origin_netloc = urlsplit(origin).netloc if origin else ""

    def real_url(self, url: str) -> str:
        """A URL the page fetched from the origin, put back on the platform host the page came from."""
        if not self.origin:
            return url
        got, origin, real = urlsplit(url), urlsplit(self.origin), urlsplit(self.fetch.url)
        if (got.scheme, got.netloc) != (origin.scheme, origin.netloc):
            return url
        return got._replace(scheme=real.scheme, netloc=real.netloc).geturl()

    def on_response(self, response: Any) -> None:
        if self._from_platform(response.url):
            self.platform_requests += 1
        if not self.fetch.capture or len(self.responses) >= MAX_CAPTURED:
            return
        if self._scripted(response):
            self.responses.append(response)

    def _from_platform(self, url: str) -> bool:
        """An answer of the platform itself: on one of its hosts, or on the origin standing in for them."""
        parts = urlsplit(url)
        return (parts.hostname or "").lower() in self.hosts or bool(
            self.origin_netloc and parts.netloc == self.origin_netloc
        )

    def _scripted(self, response: Any) -> bool:
        try:
            kind = str(response.request.resource_type)
        except Exception:  # noqa: BLE001 - a response without its request tells us nothing
            kind = ""
        return wanted_answer(self.fetch.capture, response.url, kind)

    def _wanted(self) -> bool:
        """Has the page fetched anything that may be the post list yet?"""
        return bool(self.responses)

    async def init_page(self, page: Any, request: Request) -> None:
        """Before navigation: platform cookies into this platform's context, real hosts to the origin."""
        if self.cookies:
            await page.context.add_cookies(
                [{"name": k, "value": v, "url": self.page_url} for k, v in self.cookies.items()]
            )
        if self.origin:
            await page.route("**", self._reroute)

    async def _reroute(self, route: Any, request: Any) -> None:
        """A script calling the platform's real host is answered from the origin (Chromium cannot
        switch https to http in ``continue_``, so the answer is fetched here and fulfilled)."""
        if host_of(request.url) not in self.hosts:
            await route.fallback()  # scrapy-playwright's own handler: blocked resource types, headers
            return
        if abort_heavy_request(request):  # what the fallback would have refused: no pixels
            await route.abort()
            return
        try:
            answer = await route.fetch(
                url=rewrite_origin(request.url, self.hosts, self.origin), max_redirects=0
            )
            await route.fulfill(response=answer)
        except Exception:  # noqa: BLE001 - the origin refused: the page sees a failed request
            await route.abort()

    async def settle(self, page: Any) -> None:
        """Wait (bounded) for the page's network to go idle, then read the captured JSON and the text."""
        try:
            await page.wait_for_load_state("networkidle", timeout=self.idle_ms)
        except Exception:  # noqa: BLE001 - a page that never idles still shows what it loaded
            log.info("network not idle after %d ms: %s", self.idle_ms, self.fetch.step)
        if self.fetch.capture and not self._wanted():
            # On a loaded machine the page's script may sign and send its request only after the
            # network first went quiet: give it a bounded while longer before concluding "nothing".
            try:
                await page.wait_for_response(
                    self._scripted,
                    timeout=min(self.idle_ms, LATE_CAPTURE_MS),
                )
                await page.wait_for_load_state("networkidle", timeout=LATE_CAPTURE_MS)
            except Exception:  # noqa: BLE001 - no such request: the page object decides from the text
                log.info("no %s response captured: %s", self.fetch.capture, self.fetch.url)
        for response in self.responses:
            try:
                text = await response.text()
            except Exception:  # noqa: BLE001 - redirects and aborted requests carry no body
                text = ""
            self.captured.append(Captured(url=self.real_url(response.url), status=response.status, text=text))
        try:
            self.page_text = await page.evaluate(BODY_TEXT_JS) or ""
        except Exception:  # noqa: BLE001 - a page navigated away or without a body shows no text
            self.page_text = ""
