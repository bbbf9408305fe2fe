"""Drive a page object against a live (simulated) platform without Scrapy: plain HTTP for JSON
fetches, real headless Chromium for browser fetches. Used by the per-platform integration tests;
the account spider does the same job inside a crawl."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime
from types import ModuleType

from crawlers.models import Target
from crawlers.platforms.base import AccountResult, Fetch, PlatformSettings, Reply, rewrite_origin


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # page objects see 3xx as they are


_opener = urllib.request.build_opener(_NoRedirect)


def http_fetch(fetch: Fetch, origin: str, hosts: tuple[str, ...], timeout: float = 10.0) -> Reply:
    url = rewrite_origin(fetch.url, hosts, origin)
    data = fetch.body.encode("utf-8") if fetch.body is not None else None
    req = urllib.request.Request(url, data=data, method=fetch.method, headers=fetch.headers)
    try:
        with _opener.open(req, timeout=timeout) as resp:
            status, headers, body = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        status, headers, body = err.code, dict(err.headers), err.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        return Reply(fetch=fetch, url=fetch.url, status=None, error=type(err).__name__)
    return Reply(
        fetch=fetch,
        url=fetch.url,
        status=status,
        headers={k.lower(): v for k, v in headers.items()},
        text=body.decode("utf-8", "replace"),
    )


def drive(
    po: ModuleType,
    target: Target,
    origin: str,
    now: datetime,
    settings: PlatformSettings | None = None,
    browser_fetch=None,
) -> tuple[AccountResult, list[Fetch]]:  # type: ignore[no-untyped-def]
    """Run the page object to its result. ``browser_fetch(fetch, origin, hosts) -> Reply`` handles
    browser fetches (required for platforms that need one)."""
    fetches: list[Fetch] = []
    step = po.start(target, settings or PlatformSettings())
    while not isinstance(step, AccountResult):
        fetches.append(step)
        if len(fetches) > 12:
            raise AssertionError("page object is looping")
        if step.browser:
            if browser_fetch is None:
                raise AssertionError(f"{po.KEY} wants a browser fetch; pass browser_fetch")
            reply = browser_fetch(step, origin, po.HOSTS)
        else:
            reply = http_fetch(step, origin, po.HOSTS)
        step = po.next(reply, target, now)
    return step, fetches
