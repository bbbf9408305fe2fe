"""Per-host politeness across workers: at most ``[crawl] per_host`` requests in flight per host,
counted over every worker of every machine, not per process.

Each host has a zset semaphore in Redis (member = one request's token, score = when it lapses).
Acquiring drops lapsed members first, so a worker killed while holding slots frees them after the
request's own timeout (plus a margin) instead of starving the host forever. A downloader middleware
acquires before the download (polling with short sleeps while the host is full; the wait is not
part of the request's measured time, which starts when it reaches the downloader) and releases on
the response or the exception. Enabled only in worker mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawlers.config import config_from_settings
from govpatrol.distributed import connect

# KEYS: the host's zset   ARGV: token, limit, hold_ms   -> 1 when acquired
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3])) end
  return 1
end
return 0
"""

HOLD_MARGIN_S = 5.0  # a slot outlives its request's timeout by this much before it lapses
POLL_S = 0.05  # wait between attempts while a host is full


class HostSlots:
    """The semaphore itself (usable without Scrapy): ``HostSlots(redis, prefix, limit)``."""

    def __init__(self, redis: Any, prefix: str, limit: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.limit = max(1, int(limit))
        self._acquire = redis.register_script(_ACQUIRE)

    def key(self, host: str) -> str:
        return f"{self.prefix}:hostslots:{host}"

    def try_acquire(self, host: str, hold_s: float) -> str | None:
        token = secrets.token_hex(8)
        ok = self._acquire(keys=[self.key(host)], args=[token, self.limit, int(hold_s * 1000)])
        return token if ok else None

    @contextlib.asynccontextmanager
    async def hold(self, host: str, hold_s: float) -> AsyncIterator[None]:
        """One slot of ``host`` for the body of an ``async with`` (the link engine's gate)."""
        while (token := self.try_acquire(host, hold_s)) is None:
            await asyncio.sleep(POLL_S)
        try:
            yield
        finally:
            self.release(host, token)

    def release(self, host: str, token: str) -> None:
        self.redis.zrem(self.key(host), token)

    def held(self, host: str) -> int:
        return int(self.redis.zcard(self.key(host)))


def request_host(request: Request) -> str:
    """The politeness key: the spider's ``download_slot`` (accounts name the real platform host
    while the URL may point at a mirror origin), else the URL's host."""
    slot = request.meta.get("download_slot")
    if slot:
        return str(slot)
    parts = urlsplit(request.url)
    return (parts.hostname or "") if parts.scheme in ("http", "https") else ""


REDIS_URL_SETTING = "PATROL_HOSTSLOTS_REDIS_URL"  # set by the worker's crawl: turns the middleware on


class HostSlotsMiddleware:
    """Downloader middleware: per-host places shared by every worker of a distributed sweep.

    On only in a worker's crawl (``PATROL_HOSTSLOTS_REDIS_URL``, the worker's Redis), else
    ``NotConfigured``; the keys live under ``[distributed] key_prefix`` and the cross-worker limit
    is ``CONCURRENT_REQUESTS_PER_DOMAIN`` (``[crawl] per_host``).
    """

    META = "patrol_hostslot"

    def __init__(self, slots: HostSlots, default_timeout: float) -> None:
        self.slots = slots
        self.default_timeout = default_timeout

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostSlotsMiddleware:
        settings = crawler.settings
        url = settings.get(REDIS_URL_SETTING)
        if not url:
            raise NotConfigured("host slots are for distributed sweeps only")
        config = config_from_settings(settings)
        slots = HostSlots(
            connect(url), config.distributed.key_prefix, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 4)
        )
        return cls(slots, settings.getfloat("DOWNLOAD_TIMEOUT", 20.0))

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        host = request_host(request)
        if not host:
            return
        timeout = float(request.meta.get("download_timeout") or self.default_timeout)
        while True:
            token = self.slots.try_acquire(host, timeout * 3 + HOLD_MARGIN_S)  # browser fetches: x3
            if token is not None:
                request.meta[self.META] = (host, token)
                return
            await asyncio.sleep(POLL_S)

    def _release(self, request: Request) -> None:
        held = request.meta.pop(self.META, None)
        if held is not None:
            self.slots.release(*held)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        self._release(request)
