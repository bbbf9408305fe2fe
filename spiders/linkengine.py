"""Link checks on a lean asyncio HTTP client, outside Scrapy's per-request machinery.

A full sweep checks tens of thousands of link URLs and reads almost nothing of them (a HEAD, or the
first megabyte of an in-site page for the soft-404 test). Scheduling each through Scrapy's engine,
middlewares and downloader costs about 2 ms of CPU per URL, which caps a 2-core machine near 500
checks/s; the same checks on one pooled aiohttp session cost a fraction of that. Pages (homepage,
columns, rendered lists) stay in Scrapy, where the browser and the page rules live.

The engine keeps Scrapy's semantics for a check: HEAD first (GET for in-site pages, which must be
read anyway), GET when a server refuses HEAD, the same failure classes, the same per-host cap and
static host map, the same redirect limit, certificates not verified (the HTTPS rule judges those),
and every resolved address passed through the SSRF guard before a connection is made.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from scrapy.http import HtmlResponse
from yarl import URL

from crawlers.hostmap import ResolveMap
from spiders.fetchfacts import decode_html, redirect_failure
from spiders.httpclient import (
    REDIRECT_STATUSES,
    AddressGuard,
    classify_client_error,
    connector,
    guard_literal,
    read_capped,
)
from spiders.inflight import shared_cap
from spiders.linkcheck import HEAD_FALLBACK_STATUSES, NO_FALLBACK_ERRORS, LinkResult, PageSignals

# per-host places shared with other workers (distributed sweeps): entered around each check
HostGate = Callable[[str], contextlib.AbstractAsyncContextManager[Any]]


@dataclass
class EngineSettings:
    """What a check needs from the crawl settings (see :func:`spiders.settings.build_settings`)."""

    concurrency: int = 32
    per_host: int = 4
    timeout: float = 10.0
    get_maxsize: int = 1024 * 1024
    max_redirects: int = 10
    user_agent: str = "govpatrol"
    resolve: dict[str, str] = field(default_factory=dict)
    offline: bool = False


class LinkEngine:
    """Checks link URLs: ``await engine.check(url, first="HEAD", internal=False)`` -> LinkResult.

    One session for the whole crawl (keep-alive per host, ``concurrency`` connections in all, at
    most ``per_host`` per host). Created lazily on the running loop (the reactor's asyncio loop).
    ``signals(html)`` reads the soft-404 signals of a 2xx GET page (or None); ``now()`` stamps results.
    """

    def __init__(
        self,
        settings: EngineSettings,
        *,
        signals: Callable[[str], PageSignals | None],
        now: Callable[[], datetime],
        guard: AddressGuard | None = None,
        gate: HostGate | None = None,
        reader: Callable[[str], PageSignals | None] | None = None,
    ) -> None:
        self.settings = settings
        self.signals = signals
        self.reader = reader or signals  # a page read in full (title, text start): the security watch
        self.now = now
        self.guard = guard
        self.gate = gate
        self._session: aiohttp.ClientSession | None = None
        self._all: asyncio.Semaphore | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self.requests = 0  # HTTP requests sent (a HEAD and its GET fallback count twice)

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            s = self.settings
            self._session = aiohttp.ClientSession(
                # certificates are the HTTPS rule's business (verify=False); the link still answers
                connector=connector(
                    resolve=ResolveMap.parse(s.resolve),
                    offline=s.offline,
                    guard=self.guard,
                    limit=s.concurrency,
                    per_host=max(1, s.per_host),
                ),
                # identity: a link check reads at most get_maxsize bytes, and a compressed body is
                # inflated here under that cap (a decompression bomb never grows past it)
                headers={"User-Agent": s.user_agent, "Accept": "*/*", "Accept-Encoding": "identity"},
                auto_decompress=False,
                cookie_jar=aiohttp.CookieJar(unsafe=True),  # some CMSs set a session cookie, then redirect
                timeout=aiohttp.ClientTimeout(total=s.timeout),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @contextlib.asynccontextmanager
    async def _slot(self, url: str) -> AsyncIterator[None]:
        """Wait for a place (in all, then on the host) BEFORE the clock starts, as Scrapy's slots
        do: a check queued behind others must never time out for the queue's sake."""
        host = (URL(url).host or "").lower()
        if self._all is None:  # shared with Scrapy's downloads: one cap for the process
            self._all = shared_cap(self.settings.concurrency)
        per_host = self._hosts.get(host)
        if per_host is None:
            per_host = self._hosts[host] = asyncio.Semaphore(max(1, self.settings.per_host))
        async with per_host, self._all:
            if self.gate is None:
                yield
            else:
                async with self.gate(host):
                    yield

    async def check(
        self, url: str, *, first: str = "HEAD", internal: bool = False, read: bool = False
    ) -> LinkResult:
        """The result of checking ``url``: HEAD (or GET) with the fallbacks of the Scrapy path;
        ``read``: GET it and record its title and text start (an outbound link the watch reads)."""
        clock = time.monotonic()
        method = "GET" if read else first
        while True:
            result, retry = await self._once(url, method, internal, read)
            if not retry:
                break
            method = "GET"
        result.elapsed_ms = round((time.monotonic() - clock) * 1000, 1)
        return result

    async def _once(
        self, url: str, method: str, internal: bool, read: bool = False
    ) -> tuple[LinkResult, bool]:
        """One check with ``method``; ``retry`` is True when a HEAD must be repeated as a GET.

        Redirects are followed here, hop by hop, so that every hop passes the SSRF guard (aiohttp
        never asks the resolver about an IP literal) and a chain is reported as the Scrapy path does.
        """
        session = self._open()
        chain = [url]
        try:
            while True:
                current = chain[-1]
                guard_literal(current, self.guard)
                self.requests += 1
                async with (
                    self._slot(current),
                    session.request(
                        method,
                        current,
                        allow_redirects=False,
                        timeout=aiohttp.ClientTimeout(total=self.settings.timeout),
                    ) as response,
                ):
                    location = response.headers.get("Location", "")
                    if response.status in REDIRECT_STATUSES and location:
                        chain.append(str(response.url.join(URL(location))))
                        response.close()
                        if len(set(chain)) < len(chain) or len(chain) - 1 > self.settings.max_redirects:
                            raise _RedirectFailure(
                                *redirect_failure(chain[:-1], chain[-1], self.settings.max_redirects)
                            )
                        continue
                    return await self._answer(url, method, internal, response, read)
        except _RedirectFailure as exc:
            return LinkResult(
                url=url,
                checked_at=self.now(),
                method=method,
                error=exc.kind,
                error_detail=exc.detail,
                final_url=chain[-1],
            ), False
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
            error, detail = classify_client_error(exc)
            if isinstance(exc, ValueError) and error == "other":
                detail = f"invalid URL: {detail}"
            if method == "HEAD" and error not in NO_FALLBACK_ERRORS and error != "blocked":
                return LinkResult(url=url, checked_at=self.now()), True
            result = LinkResult(
                url=url,
                checked_at=self.now(),
                method=method,
                error=error,
                error_detail=detail,
                final_url=chain[-1],
            )
            return result, False

    async def _answer(
        self, url: str, method: str, internal: bool, response: aiohttp.ClientResponse, read: bool = False
    ) -> tuple[LinkResult, bool]:
        status = response.status
        final = str(response.url)
        content_type = response.headers.get("Content-Type", "").lower()
        if method == "HEAD":
            if status in HEAD_FALLBACK_STATUSES:
                return LinkResult(url=url, checked_at=self.now()), True
            if status == 200 and internal and "html" in content_type:
                return LinkResult(url=url, checked_at=self.now()), True  # read it: a soft-404?
            return LinkResult(
                url=url, checked_at=self.now(), method=method, status=status, final_url=final
            ), False
        result = LinkResult(url=url, checked_at=self.now(), method=method, status=status, final_url=final)
        if status < 400 and ("html" in content_type or not content_type):
            body = await read_capped(response, self.settings.get_maxsize)
            html, _ = decode_html(HtmlResponse(final, body=body, headers={"Content-Type": content_type}))
            if 200 <= status < 300:
                result.signals = self.reader(html) if read else self.signals(html)
        response.close()  # never drain what was not read (a huge or endless body)
        return result, False


class _RedirectFailure(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind, self.detail = kind, detail
