"""A file a collector downloaded answers its own link only when the link cache has no fresh answer.

Whether that download (the content watch reads attachments) lands before the site's links begin
is chance; it once decided between a cached copy and a fresh answer for the same dead attachment.
Now the cache answers first whichever way it fell, and a download that does answer its link is
cached like a check, so the next sweep finds it. Real Redis (the shared services' node).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import redis

from crawlers.config import Config
from crawlers.models import ItemBatch, LinkCheck
from govpatrol.services import ensure_redis
from spiders.budget import SiteBudget
from spiders.linkcache import Freshness, LinkCache
from spiders.linkcheck import LinkResult, LinkUse
from spiders.site import SiteSpider
from spiders.sitecore import SiteState
from tests.unit import factories as f

PDF = f.HOME + "attach/2023/P020230915123456.pdf"
EARLIER = datetime.fromisoformat("2024-10-08T09:30:00+08:00")


def spider_and_state(cache: LinkCache) -> tuple[SiteSpider, SiteState]:
    spider = SiteSpider(targets=[f.target()], as_of=f.AS_OF, config=Config(), mode="full")
    spider._cache = cache
    state = SiteState(target=f.target(), site_url=f.HOME, budget=SiteBudget(seconds=60, pages=10, links=100))
    state.links[PDF] = LinkUse(target_id=state.target.id, kind="attachment")
    state.links[PDF].add(f.HOME, homepage=True, text="附件")
    state.files[PDF] = LinkResult(url=PDF, checked_at=f.AS_OF, method="GET", status=404)  # downloaded
    spider.sites[state.target.id] = state
    return spider, state


def answer(spider: SiteSpider, state: SiteState) -> LinkCheck:
    (batch,) = spider._start_links(state)  # answered at once: no batch for the link engine
    assert isinstance(batch, ItemBatch)
    (check,) = batch.items
    return check


def test_the_cache_answers_a_downloaded_file_and_a_download_answers_what_the_cache_lacks() -> None:
    client = redis.Redis.from_url(ensure_redis())
    cache = LinkCache(client, f"govpatrol-unit-{uuid.uuid4().hex[:8]}", Freshness(24, 6, 1))
    try:
        spider, state = spider_and_state(cache)
        fresh = answer(spider, state)  # nothing cached yet: the download is the answer ...
        assert (fresh.status, fresh.cached, fresh.checked_at) == (404, False, f.AS_OF)
        cache.flush()
        assert cache.get_many([(state.target.id, PDF)])  # ... and it is cached for the next sweep

        cache.put(
            state.target.id,
            PDF,
            LinkResult(url=PDF, checked_at=EARLIER, method="HEAD", status=404),
            in_site_page=False,
        )
        cache.flush()
        spider, state = spider_and_state(cache)  # the next sweep: the download landed first again
        copy = answer(spider, state)
        assert (copy.status, copy.cached, copy.checked_at) == (404, True, EARLIER)
    finally:
        keys = list(client.scan_iter(f"{cache.prefix}:*"))
        if keys:
            client.delete(*keys)
