"""Writes to Redis gathered into one pipeline round trip, for the caches shared by workers.

A cache put during a crawl must not cost a round trip per key, and a Redis that fails must cost
only the cached copies (the next sweep reads or checks those again), never the crawl.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class BatchedWrites:
    """``add`` keys with their expiry; they go out every ``every`` keys and on :meth:`flush`."""

    def __init__(self, redis: Any, every: int, what: str) -> None:
        self.redis = redis
        self.every = every
        self.what = what  # names the cache in the warning when a write fails
        self._pending: list[tuple[str, Any, int]] = []

    def add(self, key: str, value: Any, ttl: int) -> None:
        self._pending.append((key, value, ttl))
        if len(self._pending) >= self.every:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            pipe = self.redis.pipeline(transaction=False)
            for key, value, ttl in pending:
                pipe.set(key, value, ex=ttl)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001 - any Redis failure costs the cached copies only
            log.warning("%s not written (%s): %d entries", self.what, exc, len(pending))
