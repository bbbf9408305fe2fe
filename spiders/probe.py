"""Availability probes: one homepage GET per site, as a page observation (a fact).

A probe is a single GET, not a crawl, and runs 20+ times a day per site, so it uses plain asyncio
streams instead of Scrapy (whose reactor cannot restart in-process). The national rule counts a
probe as failed when the homepage has not *loaded* within the timeout, so the whole exchange — name
resolution, TCP, TLS, redirects and the body — runs under one deadline. Names resolve through the
same ``[network] resolve`` map as the spiders (connect to the mapped IP, send the real Host header)
and, offline, unmapped names fail as DNS errors so a probe never leaks onto the real network. The
address connected to passes the SSRF guard first (:mod:`crawlers.ssrf`); a refused one is recorded
as error ``blocked`` and is not counted by the roll-up: we refused to look, the site was not down.

Each probe is a page observation with role ``probe`` and ``fetched_at`` = the scheduled time (the
controlled clock); :mod:`govpatrol.probe` stores the rounds and rolls them up.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urljoin, urlsplit

from crawlers.config import Config
from crawlers.hostmap import LOCAL_NAMES, ResolveMap
from crawlers.models import PageObservation, Target
from crawlers.ssrf import AddressPolicy, BlockedAddress, parse_ip, policy_for

ROLE = "probe"
MAX_REDIRECTS = 10  # as the site spider (REDIRECT_MAX_TIMES); beyond: redirect_loop
MAX_BODY = 8 * 1024 * 1024  # a homepage this large has loaded; stop reading
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class ProbeError(Exception):
    """A probe failure with its class (timeout | dns | refused | tls | http | redirect_loop | blocked
    | other)."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Verifying, as a browser does (an expired or wrong certificate fails the probe as ``tls``).

    Built once: loading the CA store costs ~0.2 s, more than a whole round of local probes.
    """
    return ssl.create_default_context()


@dataclass
class _Network:
    """How a probe reaches a host: the static map, offline mode, the user agent, TLS."""

    resolve: ResolveMap
    offline: bool
    user_agent: str
    policy: AddressPolicy = AddressPolicy()

    @classmethod
    def from_config(cls, config: Config) -> _Network:
        return cls(
            resolve=ResolveMap.parse(config.network.resolve),
            offline=config.network.offline,
            user_agent=config.network.user_agent,
            policy=policy_for(config),
        )

    async def address(self, host: str, port: int) -> str:
        """The address to connect to, passed by the SSRF guard (the one connected to: no re-lookup)."""
        ip = await self._lookup(host, port)
        try:
            self.policy.check(host, ip)
        except BlockedAddress as exc:
            raise ProbeError("blocked", str(exc)) from exc
        return ip

    async def _lookup(self, host: str, port: int) -> str:
        literal = parse_ip(host)  # also 2130706433, 0177.0.0.1: the C library would accept them
        if literal is not None:
            return str(literal)
        mapped = self.resolve.lookup(host)
        if mapped is not None:
            return mapped
        if self.offline and host.lower() not in LOCAL_NAMES:
            raise ProbeError("dns", f"{host}: not in [network] resolve (offline)")
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ProbeError("dns", f"{host}: {exc}") from exc
        if not infos:
            raise ProbeError("dns", f"{host}: no address")
        return str(infos[0][4][0])


def _request_target(url: str) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, Host header, request path) of an http(s) URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ProbeError("other", f"not an http(s) URL: {url}")
    default = 443 if scheme == "https" else 80
    port = parts.port or default
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    header = shown if port == default else f"{shown}:{port}"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~-._")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=~-._?")
    return scheme, host, port, header, path


async def _get_once(url: str, net: _Network) -> tuple[int, str]:
    """One GET: (status, Location header). A 2xx body is read to the end (the page has loaded)."""
    scheme, host, port, header, path = _request_target(url)
    ip = await net.address(host, port)
    tls = _tls_context() if scheme == "https" else None
    try:
        reader, writer = await asyncio.open_connection(
            ip, port, ssl=tls, server_hostname=host if tls else None, limit=256 * 1024
        )
    except ssl.SSLError as exc:
        raise ProbeError("tls", f"{type(exc).__name__}: {exc}") from exc
    except ConnectionRefusedError as exc:
        raise ProbeError("refused", f"{ip}:{port}: connection refused") from exc
    try:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {header}\r\nUser-Agent: {net.user_agent}\r\n"
            "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\nAccept-Encoding: identity\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(request.encode("latin-1", errors="replace"))
        await writer.drain()
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            raise ProbeError("other", "connection closed before a complete response header") from exc
        lines = head.decode("latin-1").split("\r\n")
        fields = lines[0].split(" ", 2)
        if len(fields) < 2 or not fields[0].startswith("HTTP/") or not fields[1].isdigit():
            raise ProbeError("other", f"not an HTTP response: {lines[0][:80]!r}")
        status = int(fields[1])
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if 200 <= status < 300 and status != 204:
            await _read_body(reader, headers)
        return status, headers.get("location", "")
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> None:
    length = headers.get("content-length", "")
    if length.isdigit():
        try:
            await reader.readexactly(min(int(length), MAX_BODY))
        except asyncio.IncompleteReadError as exc:
            raise ProbeError("other", f"body ended after {len(exc.partial)} of {length} bytes") from exc
        return
    got = 0  # chunked or close-delimited: "Connection: close" makes the server end the stream
    while got < MAX_BODY:
        chunk = await reader.read(65536)
        if not chunk:
            return
        got += len(chunk)


async def _probe(target: Target, as_of: datetime, net: _Network, timeout: float) -> PageObservation:
    """One site's probe, following redirects, everything under one deadline."""
    obs = PageObservation(target_id=target.id, url=target.url, role=ROLE, fetched_at=as_of)
    url, seen = target.url, [target.url]
    clock = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            for _ in range(MAX_REDIRECTS + 1):
                status, location = await _get_once(url, net)
                obs.status = status
                if status not in REDIRECT_STATUSES or not location:
                    break
                url = urljoin(url, location)
                if url in seen:
                    raise ProbeError("redirect_loop", f"redirect back to {url}")
                seen.append(url)
                obs.redirects.append(url)
            else:
                raise ProbeError("redirect_loop", f"more than {MAX_REDIRECTS} redirects")
        if obs.status is not None and obs.status >= 400:
            obs.error, obs.error_detail = "http", f"HTTP {obs.status}"
    except TimeoutError:
        obs.error, obs.error_detail = "timeout", f"homepage not loaded within {timeout:g} s"
    except ProbeError as exc:
        obs.error, obs.error_detail = exc.error, exc.detail[:500]
    except ssl.SSLError as exc:
        obs.error, obs.error_detail = "tls", f"{type(exc).__name__}: {exc}"[:500]
    except ConnectionRefusedError as exc:
        obs.error, obs.error_detail = "refused", str(exc)[:500]
    except OSError as exc:  # reset, unreachable network, ...
        obs.error, obs.error_detail = "other", f"{type(exc).__name__}: {exc}"[:500]
    obs.elapsed_ms = round((time.monotonic() - clock) * 1000, 1)
    obs.final_url = url
    return obs


async def probe_sites_async(targets: list[Target], as_of: datetime, config: Config) -> list[PageObservation]:
    """:func:`probe_sites` for callers already inside an event loop."""
    net = _Network.from_config(config)
    limit = asyncio.Semaphore(max(1, config.crawl.concurrency))
    timeout = float(config.crawl.homepage_timeout)

    async def one(target: Target) -> PageObservation:
        async with limit:
            return await _probe(target, as_of, net, timeout)

    return list(await asyncio.gather(*(one(t) for t in targets if t.kind == "site")))


def probe_sites(targets: list[Target], as_of: datetime, config: Config) -> list[PageObservation]:
    """One homepage probe per site target (accounts are skipped), concurrently, in registry order."""
    return asyncio.run(probe_sites_async(targets, as_of, config))
