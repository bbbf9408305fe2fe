"""The link-result cache of incremental sweeps, shared by every worker through Redis.

A full sweep checks the same tens of thousands of link URLs each time, and almost all of them answer
as they did before. A result is kept in Redis under a key that expires when its class stops being
fresh (``[crawl] link_cache_hours`` for a link that answered, ``link_cache_page_hours`` for an
in-site page read for the soft-404 test, ``link_cache_failed_hours`` for a failure; 0 keeps nothing
of that class), so a later sweep -- in this worker or another -- answers it without a request.

The classes are the crawler's own freshness policy, read from the answer alone (an error, an HTTP
status of 400 or more, or a page that said a not-found stem is a "failed" answer, kept the shortest
time); whether a link is dead stays the rules' decision. A result answered from here is marked
``cached`` and keeps the time of the real check, so the dead-link rule, which confirms a failure by
its tries across sweeps, never counts a copy as one more try.

External URLs are one key per URL (shared by every site that links to them); in-site URLs are one key
per site and URL, as they are checked once per site.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spiders.linkcheck import LinkResult, PageSignals
from spiders.rediswrites import BatchedWrites

log = logging.getLogger(__name__)

FLUSH_EVERY = 200  # results written to Redis in one round trip
LINK_CACHE_REDIS = "PATROL_LINK_CACHE_REDIS"  # the shared Redis's URL (the add-on sets it)


@dataclass(frozen=True)
class Freshness:
    """Hours each class of result stays fresh (0: never kept)."""

    answered_hours: float = 0.0
    page_hours: float = 0.0
    failed_hours: float = 0.0

    @property
    def enabled(self) -> bool:
        return max(self.answered_hours, self.page_hours, self.failed_hours) > 0

    def seconds(self, result: LinkResult, *, in_site_page: bool) -> int:
        """How long ``result`` stays fresh, in whole seconds."""
        failed = result.error is not None or (result.status or 0) >= 400 or result.signals is not None
        if failed:
            hours = self.failed_hours
        elif in_site_page:
            hours = self.page_hours
        else:
            hours = self.answered_hours
        return int(hours * 3600)


def encode(result: LinkResult) -> str:
    data: dict[str, Any] = {
        "checked_at": result.checked_at.isoformat(),
        "method": result.method,
        "status": result.status,
        "error": result.error,
        "error_detail": result.error_detail,
        "final_url": result.final_url,
        "elapsed_ms": result.elapsed_ms,
    }
    if result.signals is not None:
        s = result.signals
        data["signals"] = [s.title, s.text_chars, s.text_excerpt, s.tagged]
    return json.dumps(data, ensure_ascii=False)


def decode(url: str, raw: str | bytes) -> LinkResult:
    data = json.loads(raw)
    signals = data.get("signals")
    return LinkResult(
        url=url,
        checked_at=datetime.fromisoformat(data["checked_at"]),
        method=data["method"],
        status=data["status"],
        error=data["error"],
        error_detail=data["error_detail"],
        final_url=data["final_url"],
        elapsed_ms=data["elapsed_ms"],
        signals=PageSignals(*signals) if signals else None,
        cached=True,
    )


class LinkCache:
    """``get_many([(scope, url), ...])`` -> the fresh results; ``put(scope, url, result, page=)``.

    ``scope`` is ``""`` for an external URL, else the site's target id. Writes are buffered and sent
    in one pipeline every :data:`FLUSH_EVERY` results and on :meth:`flush`. A Redis that fails costs
    the cache (the links are checked), never the sweep.
    """

    def __init__(self, redis: Any, prefix: str, freshness: Freshness) -> None:
        self.redis = redis
        self.prefix = prefix
        self.freshness = freshness
        self.writes = BatchedWrites(redis, FLUSH_EVERY, "link cache")
        self.hits = 0

    def key(self, scope: str, url: str) -> str:
        digest = hashlib.sha1(url.encode("utf-8", "surrogatepass")).hexdigest()  # noqa: S324 - a key
        return f"{self.prefix}:linkcache:{scope}:{digest}"

    def get_many(self, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], LinkResult]:
        if not wanted:
            return {}
        try:
            raws = self.redis.mget([self.key(scope, url) for scope, url in wanted])
        except Exception as exc:  # noqa: BLE001 - any Redis failure: check the links instead
            log.warning("link cache not read (%s): the links are checked", exc)
            return {}
        found = {}
        for (scope, url), raw in zip(wanted, raws, strict=True):
            if raw is not None:
                found[(scope, url)] = decode(url, raw)
        self.hits += len(found)
        return found

    def put(self, scope: str, url: str, result: LinkResult, *, in_site_page: bool) -> None:
        if result.cached:
            return  # a copy keeps the expiry of the key it came from
        ttl = self.freshness.seconds(result, in_site_page=in_site_page)
        if ttl <= 0:
            return
        self.writes.add(self.key(scope, url), encode(result), ttl)

    def flush(self) -> None:
        self.writes.flush()
