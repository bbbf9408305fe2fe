"""The link cache of incremental sweeps, on the real Redis: each class of result kept for its hours.

A link that answered is kept ``link_cache_hours``, an in-site page read for the soft-404 test
``link_cache_page_hours``, a failure ``link_cache_failed_hours`` (0: not kept). What comes back is
marked ``cached`` and keeps the time of the real check; a copy is never written back (its key keeps
the expiry of the real check).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from govpatrol.distributed import connect
from govpatrol.services import ensure_redis
from spiders.linkcache import Freshness, LinkCache
from spiders.linkcheck import LinkResult, PageSignals

AT = datetime(2024, 10, 8, 2, 0, tzinfo=UTC)


def result(url: str, **changes: object) -> LinkResult:
    fields: dict[str, object] = {"url": url, "checked_at": AT, "status": 200} | changes
    return LinkResult(**fields)  # type: ignore[arg-type]


def test_each_class_is_kept_for_its_own_hours_and_comes_back_marked_cached():
    redis = connect(ensure_redis())
    prefix = f"govpatrol-it-{uuid.uuid4().hex[:8]}"
    cache = LinkCache(redis, prefix, Freshness(answered_hours=24, page_hours=6, failed_hours=0))
    soft = PageSignals("404", 20, "页面不存在", False)
    try:
        cache.put("", "http://a.example/ok", result("http://a.example/ok"), in_site_page=False)
        cache.put("S001", "http://s/page", result("http://s/page", method="GET"), in_site_page=True)
        cache.put(
            "",
            "http://a.example/down",
            result("http://a.example/down", status=None, error="timeout"),
            in_site_page=False,
        )
        cache.put("S001", "http://s/soft", result("http://s/soft", signals=soft), in_site_page=True)
        cache.flush()
        ttl = {
            url: redis.ttl(cache.key(scope, url))
            for scope, url in [("", "http://a.example/ok"), ("S001", "http://s/page")]
        }
        assert 23 * 3600 < ttl["http://a.example/ok"] <= 24 * 3600
        assert 5 * 3600 < ttl["http://s/page"] <= 6 * 3600
        wanted = [
            ("", "http://a.example/ok"),
            ("S001", "http://s/page"),
            ("", "http://a.example/down"),
            ("S001", "http://s/soft"),
            ("S002", "http://s/page"),
        ]
        found = cache.get_many(wanted)
        assert set(found) == {
            ("", "http://a.example/ok"),
            ("S001", "http://s/page"),
        }  # failures not kept, scope kept apart
        page = found[("S001", "http://s/page")]
        assert (page.cached, page.checked_at, page.method, page.status) == (True, AT, "GET", 200)
        cache.put("", "http://b.example/", page, in_site_page=False)  # a copy is never written back
        cache.flush()
        assert redis.exists(cache.key("", "http://b.example/")) == 0
    finally:
        for key in redis.scan_iter(f"{prefix}:*"):
            redis.delete(key)


def test_a_failure_kept_for_its_hours_keeps_its_signals():
    redis = connect(ensure_redis())
    prefix = f"govpatrol-it-{uuid.uuid4().hex[:8]}"
    cache = LinkCache(redis, prefix, Freshness(answered_hours=0, page_hours=0, failed_hours=1))
    soft = PageSignals("404", 20, "页面不存在", False)
    try:
        cache.put("S001", "http://s/soft", result("http://s/soft", signals=soft), in_site_page=True)
        cache.put("", "http://a.example/ok", result("http://a.example/ok"), in_site_page=False)
        cache.flush()
        found = cache.get_many([("S001", "http://s/soft"), ("", "http://a.example/ok")])
        assert list(found) == [("S001", "http://s/soft")]
        assert found[("S001", "http://s/soft")].signals == soft
        assert 0 < redis.ttl(cache.key("S001", "http://s/soft")) <= 3600
    finally:
        for key in redis.scan_iter(f"{prefix}:*"):
            redis.delete(key)
