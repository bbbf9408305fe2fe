"""The shared link cache is used whenever ``[crawl]`` keeps a class of result and a Redis is named,
the content watch on or off; with the content watch on, the site spider checks in-site pages itself
(the content watch reads their text, which a cached result does not carry)."""

from __future__ import annotations

from crawlers.config import Config
from spiders.contentwatch import ContentCollector
from spiders.linkcache import LinkCache
from spiders.site import SiteSpider
from spiders.sitelinks import link_cache

REDIS = "redis://127.0.0.1:6379/0"


def config(content_watch: bool) -> Config:
    return Config.model_validate(
        {
            "crawl": {"link_cache_hours": 24, "link_cache_failed_hours": 1},
            "content_watch": {"enabled": content_watch},
        }
    )


def test_the_link_cache_is_used_with_the_content_watch_on_or_off() -> None:
    assert isinstance(link_cache(config(False), REDIS), LinkCache)
    assert isinstance(link_cache(config(True), REDIS), LinkCache)


def test_no_redis_named_means_no_cache() -> None:
    assert link_cache(config(True), "") is None


def test_the_content_watch_reads_linked_pages_only_when_enabled() -> None:
    watch = next(c for c in SiteSpider.collectors if isinstance(c, ContentCollector))
    assert watch.reads_linked(config(True))
    assert not watch.reads_linked(config(False))
