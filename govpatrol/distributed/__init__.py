"""Distributed sweeps: many ``govpatrol worker`` processes share one sweep's targets through Redis.

The unit of distribution is the target (a site with all its pages and link checks, or an account):
a worker leases targets from the sweep's queue, crawls them, and commits each target's items in
one atomic step; the coordinator (``govpatrol sweep --distributed``) judges what was committed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis

    from crawlers.config import Config

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url(config: Config, override: str | None = None) -> str:
    """--redis, else [distributed] redis_url, else GOVPATROL_REDIS_URL, else the local service's."""
    if override:
        return override
    if config.distributed.redis_url:
        return config.distributed.redis_url
    if env := os.environ.get("GOVPATROL_REDIS_URL"):
        return env
    from govpatrol.services import status

    recorded = status().get("redis", {})
    return str(recorded["url"]) if recorded.get("running") else DEFAULT_REDIS_URL


def text(value: bytes | str) -> str:
    """A Redis reply as str (the client decodes replies; its type stubs do not know that)."""
    return value.decode() if isinstance(value, bytes) else value


def connect(url: str) -> redis.Redis:
    """A client that speaks str (every key and payload here is UTF-8 text, never pickle)."""
    import redis

    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=10, health_check_interval=30)
