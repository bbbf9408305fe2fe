"""Per-page fact collectors: the site spider's place for "for every fetched page of role X, also
record these facts, or fetch these pages" (spiders/collectors.py).

Driven without a network or a reactor: the spider is handed fetched pages as Scrapy responses,
as its callbacks would be.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.http import HtmlResponse, Request

from crawlers.config import Config
from crawlers.models import PageObservation, TargetDone
from spiders.budget import SiteBudget
from spiders.collectors import FetchedPage, FollowPages
from spiders.site import SiteSpider
from spiders.sitecore import SiteState
from tests.unit import factories as f

HOME = f.HOME
HOMEPAGE = (
    "<html><head><title>某某市人民政府</title></head><body>"
    '<p><a href="/hudong/">互动交流</a></p></body></html>'
)
CHANNEL = "<html><head><title>互动交流</title></head><body><form action='/hudong/post'></form></body></html>"


class InteractionChannels:
    """A collector as a later watch would write one: a fact per homepage, and one page to follow."""

    roles = frozenset({"homepage"})

    def __init__(self) -> None:
        self.seen: list[FetchedPage] = []

    def collect(self, page: FetchedPage, spider: FollowPages) -> Iterable[Any]:
        self.seen.append(page)
        yield {"fact": "homepage_title", "target_id": page.target.id, "value": page.obs.title}
        yield spider.follow(page, HOME + "hudong/", "interaction", self.on_channel)

    def on_channel(self, page: FetchedPage) -> Iterable[Any]:
        forms = len(page.root.findall(".//form")) if page.root is not None else 0
        yield {"fact": "interaction_forms", "target_id": page.target.id, "value": forms}


def spider_with(collector: InteractionChannels, page_budget: int = 10) -> tuple[SiteSpider, SiteState]:
    class Spider(SiteSpider):
        collectors = (collector,)

    config = Config()
    config.crawl.check_links = False
    spider = Spider(targets=[f.target()], as_of=f.AS_OF, config=config, mode="patrol")
    budget = SiteBudget(seconds=60, pages=page_budget, links=100)
    budget.take_page()  # the homepage's
    state = SiteState(target=f.target(), site_url=HOME, budget=budget, pending=1, pages=1, requests=1)
    spider.sites[state.target.id] = state
    spider.open_sites = 1
    return spider, state


def response(url: str, body: str, **meta: Any) -> HtmlResponse:
    request = Request(url, meta={"target_id": "site-001", **meta})
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=request)


def homepage_seen(spider: SiteSpider, state: SiteState) -> list[Any]:
    obs, root, _ = spider._observe(response(HOME, HOMEPAGE, role="homepage"), "homepage")
    return spider._page_seen(state, obs, root) + spider._page_done(state)


def test_a_collector_sees_every_page_of_its_role_and_its_facts_are_yielded():
    collector = InteractionChannels()
    spider, state = spider_with(collector)
    out = homepage_seen(spider, state)
    assert [p.obs.role for p in collector.seen] == ["homepage"]
    assert {"fact": "homepage_title", "target_id": "site-001", "value": "某某市人民政府"} in out
    (follow,) = [r for r in out if isinstance(r, Request)]
    assert (follow.url, follow.meta["role"]) == (HOME + "hudong/", "interaction")
    assert not any(isinstance(i, TargetDone) for i in out)  # the site waits for the followed page


def test_a_followed_page_is_recorded_handed_back_and_counted_before_the_site_is_done():
    collector = InteractionChannels()
    spider, state = spider_with(collector)
    (follow,) = [r for r in homepage_seen(spider, state) if isinstance(r, Request)]
    reply = HtmlResponse(follow.url, body=CHANNEL.encode(), encoding="utf-8", request=follow)
    out = list(spider._on_followed(reply))
    (page,) = [o for o in out if isinstance(o, PageObservation)]
    assert (page.role, page.title) == ("interaction", "互动交流")
    assert {"fact": "interaction_forms", "target_id": "site-001", "value": 1} in out
    assert isinstance(out[-1], TargetDone)  # the followed page was the site's last


def test_a_follow_past_the_page_budget_is_refused_and_counted_as_cut():
    collector = InteractionChannels()
    spider, state = spider_with(collector, page_budget=1)
    out = homepage_seen(spider, state)
    assert not [r for r in out if isinstance(r, Request)]
    (cut,) = [o for o in out if isinstance(o, PageObservation) and o.role == "budget"]
    assert (cut.error, cut.pages_not_fetched) == ("page_budget", 1)
    assert isinstance(out[-1], TargetDone)
