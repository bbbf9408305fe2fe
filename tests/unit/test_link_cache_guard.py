"""The shared link cache stays off while the content watch is on (with both, a second sweep judged
a site without some of its cached homepage link checks, so a still-failing link came out rectified)."""

from __future__ import annotations

from crawlers.config import Config
from spiders.linkcache import LinkCache
from spiders.sitelinks import link_cache

REDIS = "redis://127.0.0.1:6379/0"


def config(content_watch: bool) -> Config:
    return Config.model_validate(
        {
            "crawl": {"link_cache_hours": 24, "link_cache_failed_hours": 1},
            "content_watch": {"enabled": content_watch},
        }
    )


def test_the_link_cache_is_used_when_the_content_watch_is_off() -> None:
    assert isinstance(link_cache(config(False), REDIS), LinkCache)


def test_the_link_cache_is_not_used_while_the_content_watch_is_on() -> None:
    assert link_cache(config(True), REDIS) is None


def test_no_redis_named_means_no_cache() -> None:
    assert link_cache(config(False), "") is None
