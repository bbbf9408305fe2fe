"""The content watch's text cache: facts kept whole in the shared Redis, under the reading settings.

What is kept is the fact a sweep recorded (masked text, privacy candidates, extraction status),
given back unchanged; a file that could not be read for a passing reason is not kept (it is fetched
again); another way of reading (a reading setting) is another key; the entry expires with
``[crawl] link_cache_page_hours``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import redis

from crawlers.config import Config
from crawlers.configsections import ContentWatchConfig, CrawlConfig
from crawlers.contentwatch import observe_text
from crawlers.models import TextObservation
from govpatrol.services import ensure_redis
from spiders.textcache import CachedText, TextCache, facts_key, keepable, text_cache

AT = datetime(2024, 10, 8, 2, tzinfo=UTC)
PAGE = "http://www.example.gov.cn/gsgg/index.html"
FILE = "http://www.example.gov.cn/gsgg/files/mingdan.pdf"


def a_text(url: str = PAGE, **kw: Any) -> TextObservation:
    return observe_text(
        "T1", url, "联系电话13962001234，国家工商行政管理总局", kind="page", fetched_at=AT, **kw
    )


def cache(hours: float = 6.0, key: str = "k1") -> TextCache:
    client = redis.Redis.from_url(ensure_redis(), socket_timeout=5)
    return TextCache(client, f"govpatrol-ut-{uuid.uuid4().hex[:8]}", hours, key)


def test_a_kept_page_comes_back_as_the_same_facts_with_its_files():
    kept = cache()
    page = a_text()
    kept.put("T1", PAGE, CachedText([page], [FILE], notice=True))
    kept.put("T1", FILE, CachedText([]))  # a file that answered 404: nothing to record
    kept.flush()
    got = kept.get_many("T1", [PAGE, FILE, "http://www.example.gov.cn/other.html"])
    assert set(got) == {PAGE, FILE}
    assert got[PAGE].texts == [page]
    assert "13962001234" not in got[PAGE].texts[0].text  # only ever the masked number
    assert got[PAGE].files == [FILE]
    assert got[PAGE].notice
    assert got[FILE].texts == []
    assert kept.get_many("T2", [PAGE]) == {}  # another site's page is another entry
    ttl = kept.redis.ttl(kept.key("T1", PAGE))
    assert 6 * 3600 - 60 < ttl <= 6 * 3600


def test_a_file_not_read_for_a_passing_reason_is_not_kept():
    timeout = a_text(FILE, extraction="unverified", reason="timeout")
    encrypted = a_text(FILE, extraction="unverified", reason="encrypted")
    assert not keepable(timeout)
    assert keepable(encrypted)
    kept = cache()
    kept.put("T1", FILE, CachedText([timeout]))
    kept.flush()
    assert kept.get_many("T1", [FILE]) == {}


def test_another_way_of_reading_is_another_key_and_the_cache_needs_its_hours_and_redis():
    base = Config(crawl=CrawlConfig(link_cache_page_hours=6))
    other = Config(crawl=CrawlConfig(link_cache_page_hours=6), content_watch=ContentWatchConfig(max_pages=10))
    more_threads = Config(
        crawl=CrawlConfig(link_cache_page_hours=6), content_watch=ContentWatchConfig(extract_workers=4)
    )
    assert facts_key(base) != facts_key(other)
    assert facts_key(base) == facts_key(more_threads)
    assert text_cache(base, ensure_redis()) is not None
    assert text_cache(base, "") is None
    assert text_cache(Config(), ensure_redis()) is None  # no page hours: nothing kept
    off = Config(crawl=CrawlConfig(link_cache_page_hours=6), content_watch=ContentWatchConfig(enabled=False))
    assert text_cache(off, ensure_redis()) is None
