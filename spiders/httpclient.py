"""The HTTP client for fetches outside Scrapy: link checks and availability probes (aiohttp).

govpatrol has one HTTP client per purpose. Pages go through Scrapy's downloader (the spiders, the
browser, the budgets). Link checks and probes, which read little and must be cheap, go through
aiohttp with the pieces here: the ``[network] resolve`` map and offline mode as an aiohttp resolver
whose every answer passes the SSRF guard, the guard for IP literals (which never reach a resolver),
capped reading of a possibly compressed body, and one classification of failures into the classes
the Scrapy path records. The third client, urllib, is for a few synchronous calls of the
application (alert webhooks, local service checks), outside any crawl.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import zlib
from typing import Protocol

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from crawlers.hostmap import LOCAL_NAMES, ResolveMap, is_ip_literal
from crawlers.ssrf import parse_ip

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class AddressGuard(Protocol):
    """The SSRF guard: raises for an address that must not be fetched for ``host``."""

    def check(self, host: str, ip: str, port: int | None = None) -> None: ...


class OfflineMiss(OSError):
    """A name missing from ``[network] resolve`` while offline: fails as a DNS error, at once."""


class GuardedResolver(AbstractResolver):
    """The ``[network] resolve`` map first, then the system resolver; every address guarded."""

    def __init__(self, resolve: ResolveMap, offline: bool, guard: AddressGuard | None) -> None:
        self.map = resolve
        self.offline = offline
        self.guard = guard
        self._system = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        mapped = self.map.lookup(host)
        if mapped is not None:
            found = [_result(host, mapped, port)]
        elif is_ip_literal(host):
            found = [_result(host, host.strip("[]"), port)]
        elif self.offline and host.lower() not in LOCAL_NAMES:
            raise OfflineMiss(f"{host}: not in [network] resolve (offline)")
        else:
            found = await self._system.resolve(host, port, family)
        if self.guard is not None:
            for entry in found:
                self.guard.check(host, entry["host"], port or None)  # port-bound entries, our services
        return found

    async def close(self) -> None:
        await self._system.close()


def _result(host: str, ip: str, port: int) -> ResolveResult:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    return {"hostname": host, "host": ip, "port": port, "family": family, "proto": 0, "flags": 0}


async def read_capped(response: aiohttp.ClientResponse, cap: int) -> bytes:
    """At most ``cap`` bytes of the body, inflated (gzip/deflate) without ever exceeding ``cap``."""
    encoding = response.headers.get("Content-Encoding", "").lower().strip()
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return await response.content.read(cap)
    inflate = zlib.decompressobj(wbits=47 if "gzip" in encoding else 15)
    out = bytearray()
    while len(out) < cap:
        chunk = await response.content.read(64 * 1024)
        if not chunk:
            break
        try:
            out += inflate.decompress(chunk, cap - len(out))
        except zlib.error:
            break
    return bytes(out[:cap])


def classify_client_error(exc: BaseException) -> tuple[str, str]:
    """``(error class, detail)`` with the classes :mod:`spiders.fetchfacts` gives Scrapy failures."""
    detail = f"{type(exc).__name__}: {exc}"[:500]
    chain: list[BaseException] = []
    item: BaseException | None = exc
    while item is not None and len(chain) < 8:
        chain.append(item)
        item = getattr(item, "os_error", None) or item.__cause__ or item.__context__
    for e in chain:  # the SSRF guard's own words name the host, the address and its class
        if "blocked" in type(e).__name__.lower():
            return "blocked", str(e)[:500]
    if any(isinstance(e, aiohttp.TooManyRedirects) for e in chain):
        return "redirect_loop", detail
    if any(isinstance(e, asyncio.TimeoutError | TimeoutError) for e in chain):
        return "timeout", detail
    if any(isinstance(e, OfflineMiss | socket.gaierror) for e in chain) or isinstance(
        exc, aiohttp.ClientConnectorDNSError
    ):
        return "dns", detail
    if any(isinstance(e, ssl.SSLError | aiohttp.ClientSSLError) for e in chain):
        return "tls", detail
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "refused", detail
    return "other", detail


def guard_literal(url: str, guard: AddressGuard | None) -> None:
    """An IP literal never reaches the resolver: the guard sees it here (before each hop)."""
    parsed = URL(url)
    host = parsed.host or ""
    ip = parse_ip(host)  # also "2130706433" and "0177.0.0.1", which getaddrinfo would accept
    if guard is not None and ip is not None:
        guard.check(host, str(ip), parsed.port)


def connector(
    *,
    resolve: ResolveMap,
    offline: bool,
    guard: AddressGuard | None,
    limit: int,
    per_host: int = 0,
    verify: ssl.SSLContext | bool = False,
    force_close: bool = False,
) -> aiohttp.TCPConnector:
    """A pooled connector that resolves through the map and the guard (``verify``: TLS checking)."""
    return aiohttp.TCPConnector(
        limit=max(1, limit),
        limit_per_host=max(0, per_host),
        resolver=GuardedResolver(resolve, offline, guard),
        ssl=verify,
        ttl_dns_cache=300,
        force_close=force_close,
    )
