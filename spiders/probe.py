"""Availability probes: one homepage GET per site, as a page observation (a fact).

A probe is a single GET, not a crawl, and runs 20+ times a day per site, so it goes through the
link checks' HTTP client (:mod:`spiders.httpclient`, aiohttp) instead of Scrapy (whose reactor
cannot restart in-process). The national rule counts a probe as failed when the homepage has not
*loaded* within the timeout, so the whole exchange — name resolution, TCP, TLS, redirects and the
body — runs under one deadline, on a fresh connection, with the certificate verified as a browser
would. Names resolve through the same ``[network] resolve`` map as the spiders and, offline,
unmapped names fail as DNS errors so a probe never leaks onto the real network. Every address
passes the SSRF guard (:mod:`crawlers.ssrf`); a refused one is recorded as error ``blocked`` and is
not counted by the roll-up: we refused to look, the site was not down.

Each probe is a page observation with role ``probe`` and ``fetched_at`` = the scheduled time (the
controlled clock); :mod:`govpatrol.probe` stores the rounds and rolls them up.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from datetime import datetime
from urllib.parse import urljoin

import aiohttp

from crawlers.config import Config
from crawlers.guard import policy_for
from crawlers.hostmap import ResolveMap
from crawlers.models import PageObservation, Target
from crawlers.ssrf import AddressPolicy
from spiders.httpclient import REDIRECT_STATUSES, classify_client_error, connector, guard_literal

ROLE = "probe"
MAX_REDIRECTS = 10  # as the site spider (REDIRECT_MAX_TIMES); beyond: redirect_loop
MAX_BODY = 8 * 1024 * 1024  # a homepage this large has loaded; stop reading
HEADERS = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Encoding": "identity"}


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


def _session(config: Config, policy: AddressPolicy) -> aiohttp.ClientSession:
    """One round's session: a fresh connection per request (a probe must really connect)."""
    network = config.network
    return aiohttp.ClientSession(
        connector=connector(
            resolve=ResolveMap.parse(network.resolve),
            offline=network.offline,
            guard=policy,
            limit=config.crawl.concurrency,
            verify=_tls_context(),
            force_close=True,
        ),
        headers={"User-Agent": network.user_agent, **HEADERS},
        auto_decompress=False,
        timeout=aiohttp.ClientTimeout(total=None),  # the probe's one deadline rules
    )


async def _get_once(url: str, session: aiohttp.ClientSession, policy: AddressPolicy) -> tuple[int, str]:
    """One GET: (status, Location header). A 2xx body is read to the end (the page has loaded)."""
    if not url.startswith(("http://", "https://")):
        raise ProbeError("other", f"not an http(s) URL: {url}")
    try:
        guard_literal(url, policy)
        async with session.get(url, allow_redirects=False) as response:
            if 200 <= response.status < 300 and response.status != 204:
                got = 0
                while got < MAX_BODY:
                    chunk = await response.content.read(65536)
                    if not chunk:
                        break
                    got += len(chunk)
            return response.status, response.headers.get("Location", "")
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        raise ProbeError(*classify_client_error(exc)) from exc


async def _probe(
    target: Target, as_of: datetime, session: aiohttp.ClientSession, policy: AddressPolicy, timeout: float
) -> PageObservation:
    """One site's probe, following redirects, everything under one deadline."""
    obs = PageObservation(target_id=target.id, url=target.url, role=ROLE, fetched_at=as_of)
    url, seen = target.url, [target.url]
    clock = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            for _ in range(MAX_REDIRECTS + 1):
                status, location = await _get_once(url, session, policy)
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
    policy = policy_for(config)
    limit = asyncio.Semaphore(max(1, config.crawl.concurrency))
    timeout = float(config.crawl.homepage_timeout)
    async with _session(config, policy) as session:

        async def one(target: Target) -> PageObservation:
            async with limit:  # the deadline starts when the probe does, never while it waits
                return await _probe(target, as_of, session, policy, timeout)

        return list(await asyncio.gather(*(one(t) for t in targets if t.kind == "site")))


def probe_sites(targets: list[Target], as_of: datetime, config: Config) -> list[PageObservation]:
    """One homepage probe per site target (accounts are skipped), concurrently, in registry order."""
    return asyncio.run(probe_sites_async(targets, as_of, config))
