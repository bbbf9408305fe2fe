"""A site is judged when its TargetDone and every fact the spider emitted for it have arrived.

Scrapy drains each callback's output with its own tasks, so a site's TargetDone (yielded by the
callback that settled the site last) can reach the recorder before the link checks another
callback yielded earlier. The spider counts the facts it yields per site and writes the count on
the TargetDone; the recorder waits for that many. Here the items come from a spider's own tallied
callbacks, in the order the spider yields them, and reach the Scrapy item pipeline in an order
Scrapy can deliver: the TargetDone first. A dead link that arrives late must still be judged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawlers.config import Config
from crawlers.models import ItemBatch, LinkCheck, PageObservation, Target, TargetDone, TextObservation
from govpatrol.distributed.crawl import LeaseAccountSpider, LeaseSiteSpider
from pipelines.session import SWEEP_SETTING, RecorderPipeline, Shared, SweepSession
from spiders.account import AccountSpider
from spiders.base import TargetSpider, tallied
from spiders.site import SiteSpider

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
SITE = Target(
    id="S001", kind="site", name="某市人民政府", owner="某市", region="某省", url="http://a.gov.cn/"
)
DEAD = "http://a.gov.cn/images/missing.png"


def homepage() -> PageObservation:
    return PageObservation(
        target_id=SITE.id, url=SITE.url, role="homepage", fetched_at=AS_OF, status=200, final_url=SITE.url
    )


def dead_image() -> LinkCheck:
    return LinkCheck(
        target_id=SITE.id,
        url=DEAD,
        kind="image",
        found_on=[SITE.url],
        on_homepage=True,
        checked_at=AS_OF,
        status=404,
        internal=True,
    )


class OneSite(TargetSpider):
    """A spider's shape in small: one callback answers the links, a later one settles the site."""

    name = "one-site"

    @tallied
    def begin_target(self, target: Target) -> list[Any]:
        return [homepage()]

    @tallied
    def answer_links(self) -> list[Any]:
        return [ItemBatch([dead_image()])]

    @tallied
    async def read_file(self) -> list[Any]:
        return [
            TextObservation(target_id=SITE.id, url=SITE.url + "a.pdf", kind="attachment", fetched_at=AS_OF)
        ]

    @tallied
    async def settle(self) -> Any:
        yield TargetDone(target_id=SITE.id, requests=3)


async def emitted() -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """Each callback's items, in the order the spider yields them."""
    spider = OneSite(targets=[SITE], as_of=AS_OF, config=Config())
    first = spider.begin_target(SITE)
    links = spider.answer_links()
    file = await spider.read_file()
    last = [item async for item in spider.settle()]
    return first, links, file, last


def recorder(tmp_path: Path) -> tuple[SweepSession, RecorderPipeline, Path]:
    out = tmp_path / "sweep.jsonl"
    session = SweepSession.open(Config(), registry=[SITE], as_of=AS_OF, output=str(out), use_es=False)
    crawler = get_crawler(settings_dict={SWEEP_SETTING: Shared(session)})
    return session, RecorderPipeline.from_crawler(crawler), out


def records(out: Path, kind: str) -> list[dict[str, Any]]:
    return [r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines()) if r["type"] == kind]


def test_the_target_done_carries_the_count_of_facts_the_spider_yielded_before_it() -> None:
    first, links, file, last = asyncio.run(emitted())
    (done,) = last
    assert done.facts == 3  # the homepage, the link check inside the batch, the attachment's text


def test_a_site_whose_target_done_overtakes_its_link_checks_is_judged_with_them(tmp_path, caplog) -> None:
    first, links, file, last = asyncio.run(emitted())
    session, pipeline, out = recorder(tmp_path)
    caplog.set_level(logging.ERROR)
    for item in [*first, *last]:  # the settling callback's items are delivered first
        pipeline.process_item(item)
    assert SITE.id not in session.recorder.done  # two facts are still on their way
    pipeline.process_item(links[0])
    assert SITE.id not in session.recorder.done
    pipeline.process_item(file[0])  # the last one: now it is judged
    assert SITE.id in session.recorder.done
    session.finish({})
    session.close()

    dead = [f for f in records(out, "finding") if DEAD in f["subject"]]
    assert dead, "the late dead link was not judged"
    assert [s["target_id"] for s in records(out, "target")] == [SITE.id]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_in_spider_order_the_site_is_judged_on_its_target_done(tmp_path) -> None:
    first, links, file, last = asyncio.run(emitted())
    session, pipeline, out = recorder(tmp_path)
    for item in [*first, *links, *file]:
        pipeline.process_item(item)
    assert SITE.id not in session.recorder.done
    pipeline.process_item(last[0])
    assert SITE.id in session.recorder.done
    session.finish({})
    session.close()
    assert [f for f in records(out, "finding") if DEAD in f["subject"]]


def test_facts_that_never_arrive_are_named_and_the_site_judged_at_the_end(tmp_path, caplog) -> None:
    first, links, file, last = asyncio.run(emitted())
    session, pipeline, out = recorder(tmp_path)
    caplog.set_level(logging.ERROR)
    for item in [*first, *links, *last]:  # the attachment's text is lost
        pipeline.process_item(item)
    assert SITE.id not in session.recorder.done
    session.finish({})
    session.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("S001: 2 of the 3 facts" in e for e in errors), errors
    assert [s["target_id"] for s in records(out, "target")] == [SITE.id]
    assert [f for f in records(out, "finding") if DEAD in f["subject"]]


def test_a_target_done_without_a_count_is_judged_at_once(tmp_path) -> None:
    session, pipeline, out = recorder(tmp_path)
    pipeline.process_item(homepage())
    pipeline.process_item(TargetDone(target_id=SITE.id))
    assert SITE.id in session.recorder.done
    session.close()


@pytest.mark.parametrize("extra", [0, 1])
def test_more_facts_than_counted_are_stored_and_named(tmp_path, caplog, extra) -> None:
    session, pipeline, out = recorder(tmp_path)
    caplog.set_level(logging.ERROR)
    pipeline.process_item(homepage())
    pipeline.process_item(TargetDone(target_id=SITE.id, facts=1))
    for _ in range(extra):
        pipeline.process_item(dead_image())
    session.finish({})
    session.close()
    late = [r for r in caplog.records if "arrived after the target was judged" in r.getMessage()]
    assert len(late) == extra


def callbacks_in(source: str) -> set[str]:
    """Names of spider methods handed to Scrapy (``self._on_x`` not called on the spot)."""
    return set(re.findall(r"self\.(_on_\w+|_check_links|_flush)\b(?!\()", source))


def test_every_callback_and_begin_target_of_both_spiders_counts_its_facts() -> None:
    root = Path(__file__).resolve().parents[2]
    sources = [*(root / "spiders").glob("*.py"), root / "govpatrol/distributed/crawl.py"]
    names = {"begin_target"}.union(*(callbacks_in(p.read_text(encoding="utf-8")) for p in sources))
    assert {"_on_homepage", "_check_links", "_on_file", "_on_reply", "_flush"} <= names
    for spider in (SiteSpider, AccountSpider, LeaseSiteSpider, LeaseAccountSpider):
        for name in sorted(n for n in names if hasattr(spider, n)):
            defined = [c.__dict__[name] for c in spider.__mro__ if name in c.__dict__]
            assert any(getattr(m, "tallied", False) for m in defined), (
                f"{spider.__name__}.{name} is not tallied"
            )
