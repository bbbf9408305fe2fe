"""Name resolution for Scrapy: the ``[network] resolve`` map (:mod:`crawlers.hostmap`) and the guard.

Scrapy's downloads resolve through the resolver installed on the reactor (setting
``TWISTED_DNS_RESOLVER``; ``DNS_RESOLVER`` is deprecated in Scrapy 2.19), so :class:`PatrolResolver`
is installed there; Chromium resolves nothing itself: its connections go through the guard's proxy
(:mod:`crawlers.guardproxy`), which uses the same map. With ``offline`` every unmapped name fails at
once as a DNS lookup error, so a test or demo can never leak onto the real network. Both components
read the crawl's Config from the ``PATROL_CONFIG`` setting.

The resolver is also where the SSRF guard (:mod:`crawlers.ssrf`) is enforced for Scrapy: every
address it hands out for a connection is checked, so a link or a redirect into a private range
fails the download with :class:`~crawlers.ssrf.BlockedAddress`. Twisted's endpoint turns a failed
lookup into a generic "no results" DNS error, so :class:`AddressGuardMiddleware` asks the same
resolver first and raises the typed refusal itself: the spider records the class ``blocked``. The
resolver does not know the port; the middleware, which has the URL, checks it (port-bound allow
entries, the project's own services).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawlers.config import config_from_settings
from crawlers.guard import policy_for
from crawlers.hostmap import LOCAL_NAMES, ResolveMap
from crawlers.ssrf import AddressPolicy, parse_ip, url_host, url_port

T0 = "patrol_t0"  # request meta: when the request reached the downloader (time.monotonic())

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred


class PatrolResolver(CachingThreadedResolver):
    """Scrapy's caching threaded resolver, answering mapped names itself, failing offline misses
    and refusing addresses the SSRF guard blocks."""

    def __init__(
        self,
        reactor: ReactorBase,
        cache_size: int,
        timeout: float,
        resolve: Mapping[str, str] | None = None,
        offline: bool = False,
        policy: AddressPolicy | None = None,
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.map = ResolveMap.parse(resolve or {})
        self.offline = offline
        self.policy = policy  # None: unguarded (only for tests of the map; from_crawler always sets one)

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> PatrolResolver:
        settings = crawler.settings
        config = config_from_settings(settings)
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor,
            cache_size,
            settings.getfloat("DNS_TIMEOUT"),
            resolve=config.network.resolve,
            offline=config.network.offline,
            policy=policy_for(config),
        )

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[Any]:  # noqa: N802
        answer = self._lookup(name, timeout)
        return answer.addCallback(self._checked, name)

    def _checked(self, ip: str, name: str) -> str:
        if self.policy is not None:
            self.policy.check(name, ip)
        return ip

    def _lookup(self, name: str, timeout: Sequence[int]) -> Deferred[Any]:
        mapped = self.map.lookup(name)
        if mapped is not None:
            return defer.succeed(mapped)
        literal = parse_ip(name)  # also 2130706433, 0177.0.0.1: the C library would accept them
        if literal is not None:
            return defer.succeed(str(literal))
        if self.offline and name.lower() not in LOCAL_NAMES:
            return defer.fail(DNSLookupError(f"{name}: not in [network] resolve (offline)"))
        return super().getHostByName(name, timeout)


class AddressGuardMiddleware:
    """Downloader middleware: refuse a request whose host the guard blocks, before any download.

    It asks the reactor's resolver (cached, so the connection that follows gets the same address,
    which the resolver checks again), so the errback receives :class:`BlockedAddress` itself and
    not Twisted's generic lookup error. Redirects are new requests and pass through here too, as
    do browser navigations (everything the browser itself connects to passes the guard's proxy).
    """

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(policy_for(config_from_settings(crawler.settings)))

    async def process_request(self, request: Request) -> None:
        if not request.url.startswith(("http://", "https://")):
            return
        host = url_host(request.url)
        if not host:
            return
        from twisted.internet import reactor

        started = time.monotonic()
        try:  # a failed lookup fails the download here, with its own error (one lookup, not two)
            ip = await maybe_deferred_to_future(reactor.resolver.getHostByName(host))
            self.policy.check(host, str(ip), url_port(request.url))  # the port too, and other resolvers
        except Exception:
            request.meta.setdefault(T0, started)  # never reached the downloader: time the lookup
            raise
