"""Browser fetches for the platform integration tests: real headless Chromium through Playwright.

Some platforms show an account's posts only to their own page script. A page object then asks for
``Fetch(browser=True, capture=...)``; this module opens the page (origin rewritten to the simulated
platform), lets the page's script run until the network is idle, and hands back the JSON responses
the page's script fetched (:func:`spiders.browsercapture.wanted_answer`) plus the page's visible text — the same :class:`Reply` the
account spider builds inside a crawl. Requests to hosts that are neither the platform's nor the
origin are aborted: the test network is offline and a hanging third-party request would only delay
"network idle".

One Chromium process is shared per test session (launching costs about a second); every fetch gets
a fresh context so cookies never leak between accounts. ``close_browser()`` ends it (also at exit).
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from typing import Any
from urllib.parse import urlsplit

from crawlers.browser import CHROMIUM_ARGS
from crawlers.platforms.base import Captured, Fetch, Reply, rewrite_origin
from govpatrol.services import chromium_path
from spiders.browsercapture import MAX_CAPTURED, wanted_answer

NAV_TIMEOUT_MS = 20_000
IDLE_TIMEOUT_MS = 10_000

_lock = threading.Lock()
_state: dict[str, Any] = {}  # "pw": Playwright, "browser": Browser, "thread": owner thread id


def _executable() -> str:
    return chromium_path()


def _browser() -> Any:
    """The shared Chromium, launched on first use (Playwright's sync objects belong to one thread)."""
    with _lock:
        browser = _state.get("browser")
        if browser is not None and browser.is_connected():
            if _state["thread"] != threading.get_ident():
                raise RuntimeError("browser_fetch must be called from the thread that first used it")
            return browser
        from playwright.sync_api import sync_playwright

        pw = _state.get("pw") or sync_playwright().start()
        _state["pw"] = pw
        _state["browser"] = pw.chromium.launch(
            executable_path=_executable(), headless=True, args=list(CHROMIUM_ARGS)
        )
        _state["thread"] = threading.get_ident()
        return _state["browser"]


def close_browser() -> None:
    """Close the shared Chromium and stop Playwright (safe to call twice)."""
    with _lock:
        browser, pw = _state.pop("browser", None), _state.pop("pw", None)
        _state.pop("thread", None)
    try:
        if browser is not None:
            browser.close()
    finally:
        if pw is not None:
            pw.stop()


atexit.register(close_browser)


def _error_kind(message: str) -> str:
    """Map Chromium's net errors onto the Reply.error vocabulary."""
    msg = message.lower()
    if "timeout" in msg or "timed_out" in msg:
        return "timeout"
    if "name_not_resolved" in msg:
        return "dns"
    if "connection_refused" in msg:
        return "refused"
    if "ssl" in msg or "cert" in msg:
        return "tls"
    return "other"


def browser_fetch(fetch: Fetch, origin: str, hosts: tuple[str, ...]) -> Reply:
    """Open ``fetch.url`` in headless Chromium (its origin rewritten to ``origin`` when the host is one
    of ``hosts``), wait for network idle, and return the main document's status, headers and HTML,
    every answer the page's script fetched (status and text) and the visible text."""
    page_url = rewrite_origin(fetch.url, hosts, origin)
    allowed = set(hosts) | {urlsplit(page_url).hostname or ""}
    if origin:
        allowed.add(urlsplit(origin).hostname or "")

    context = _browser().new_context(
        extra_http_headers=dict(fetch.headers) if fetch.headers else None,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(NAV_TIMEOUT_MS)
    seen: list[Any] = []

    def route(r: Any) -> None:
        url = r.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:")):
            r.continue_()
        elif host in hosts and origin:
            # the page's script calls a real host: answer from the origin (continue_ cannot switch
            # https -> http, so fetch it here and fulfil the page's request with the answer)
            try:
                r.fulfill(response=r.fetch(url=rewrite_origin(url, hosts, origin), max_redirects=0))
            except Exception:  # noqa: BLE001 - the origin refused: the page sees a network error
                r.abort()
        elif host in allowed:
            r.continue_()
        else:
            r.abort()

    try:
        context.route("**/*", route)
        page = context.new_page()
        if fetch.capture:
            page.on(
                "response",
                lambda resp: (
                    seen.append(resp)
                    if len(seen) < MAX_CAPTURED
                    and wanted_answer(fetch.capture, resp.url, resp.request.resource_type)
                    else None
                ),
            )
        try:
            main = page.goto(page_url, wait_until="load", timeout=NAV_TIMEOUT_MS)
        except Exception as err:  # noqa: BLE001 - any navigation failure is a network-level failure
            return Reply(fetch=fetch, url=fetch.url, status=None, error=_error_kind(str(err)))
        with contextlib.suppress(Exception):  # a page that never idles still shows what it loaded
            page.wait_for_load_state("networkidle", timeout=IDLE_TIMEOUT_MS)
        captured = []
        for resp in seen:
            try:
                text = resp.text()
            except Exception:  # noqa: BLE001 - redirects and aborted responses carry no body
                text = ""
            captured.append(Captured(url=resp.url, status=resp.status, text=text))
        try:
            page_text = page.inner_text("body")
        except Exception:  # noqa: BLE001 - a document without a body shows no text
            page_text = ""
        status = main.status if main is not None else None
        headers = {k.lower(): v for k, v in main.headers.items()} if main is not None else {}
        try:
            html = page.content()
        except Exception:  # noqa: BLE001
            html = ""
        return Reply(
            fetch=fetch,
            url=fetch.url,
            status=status,
            headers=headers,
            text=html,
            captured=captured,
            page_text=page_text,
        )
    finally:
        context.close()
