"""One worker's crawl of one distributed sweep (run in a child process of ``govpatrol worker``).

The spiders are the ordinary site and account spiders with :class:`LeaseFeeder` mixed in: on start,
on every idle signal and after each commit it claims targets from the sweep's leased queue and
starts each with the spider's own ``begin_target`` (``engine.crawl``, Scrapy's public way to add a
request to a running crawl), so a "start URL" here is a whole target. The crawl is wired by the
same add-on as any other (:mod:`govpatrol.addon`), with this module's commit pipeline in place of
the sweep recorder (the coordinator judges) and the cross-worker host slots switched on. A target's
requests stay in this process (its pages and links are judged together), at most
``targets_in_flight`` targets at a time. :class:`CommitPipeline` buffers each target's items and
commits them in one step on its ``TargetDone``. A heartbeat renews the leases; the crawl ends when
the sweep has nothing pending and nothing leased anywhere.

Usage (the worker does this): ``python -m govpatrol.distributed.crawl --sweep ID --owner W
--redis URL [--config FILE]``.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import AsyncIterator
from typing import Any, cast

from scrapy import Request, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from twisted.internet import task
from twisted.internet.interfaces import IReactorTime

from crawlers.config import Config, DistributedConfig, load_config
from crawlers.models import ItemBatch, Target, TargetDone
from crawlers.tally import FACT_TYPES, Arrivals
from govpatrol.crawl import crawl_settings
from govpatrol.distributed import connect
from govpatrol.distributed.codec import CodecError, encode_items
from govpatrol.distributed.hostslots import HOLD_MARGIN_S, REDIS_URL_SETTING, HostSlots
from govpatrol.distributed.leases import LeasedQueue
from govpatrol.distributed.plan import SweepPlan, load
from pipelines.seentexts import SeenTexts
from pipelines.session import RecorderPipeline
from pipelines.store import Store
from spiders.account import AccountSpider
from spiders.site import SiteSpider


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _replay(items: list[Any], response: Any) -> list[Any]:
    """The callback of the data: request that carries a target's first items into the crawl."""
    return items


class LeaseFeeder:
    """Mixed into a spider: targets come from the sweep's leased queue instead of a list."""

    crawler: Crawler

    kind = "site"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, lease: dict[str, Any], **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[misc]
        spider.setup_leases(**lease)
        return spider

    def setup_leases(self, plan: SweepPlan, worker: str, dist: DistributedConfig, prefix: str) -> None:
        self.plan_targets: dict[str, Target] = {t.id: t for t in plan.targets}
        self.worker = worker
        self.dist = dist
        self.server = connect(self.crawler.settings[REDIS_URL_SETTING])
        self.lease_queue = LeasedQueue(self.server, plan.sweep_id, prefix)
        # the site spider's link engine takes the same cross-worker host slots as page downloads
        slots = HostSlots(
            self.server, prefix, self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 4)
        )
        hold_s = self.config.crawl.link_timeout * 3 + HOLD_MARGIN_S  # type: ignore[attr-defined]
        self.gate = lambda host: slots.hold(host, hold_s)
        self.leased: set[str] = set()
        self.stopping = False
        self._beats = 0
        self._loop: task.LoopingCall | None = None  # made once the crawl has installed its reactor
        self.crawler.signals.connect(self._opened, signal=signals.spider_opened)
        self.crawler.signals.connect(self._closed, signal=signals.spider_closed)
        self.crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    # ------------------------------------------------------------------ feeding

    async def start(self) -> AsyncIterator[Any]:
        for request in self.next_requests():
            yield request

    def next_requests(self) -> list[Request]:
        """The first requests of the targets claimed now (as many as there is room for)."""
        return [request for target_id in self._claim() for request in self.make_request_from_data(target_id)]

    def schedule_next_requests(self) -> None:
        for request in self.next_requests():
            self.crawler.engine.crawl(request)

    def _claim(self) -> list[str]:
        room = self.dist.targets_in_flight - len(self.leased)
        if self.stopping or room <= 0:
            return []
        ids = self.lease_queue.claim(self.kind, self.worker, room, self.dist.lease_seconds)
        if ids:
            self.leased.update(ids)
            say(f"worker {self.worker}: claimed {len(ids)} {self.kind} target(s): {', '.join(ids)}")
        return ids

    def make_request_from_data(self, data: str) -> list[Request]:
        """A claimed target's first request(s); items it yields at once ride on a data: request."""
        target = self.plan_targets[str(data)]
        out = self.begin_target(target)  # type: ignore[attr-defined]
        requests = [o for o in out if isinstance(o, Request)]
        items = [o for o in out if not isinstance(o, Request)]
        if items:
            requests.append(
                Request(
                    "data:,",
                    callback=functools.partial(_replay, items),
                    dont_filter=True,
                    meta={"target_id": target.id},
                )
            )
        return requests

    def _refill(self) -> None:
        if self.crawler.engine is not None and self.crawler.engine.running:
            self.schedule_next_requests()

    def committed(self, target_id: str) -> None:
        from twisted.internet import reactor  # imported late: the crawl installs the asyncio reactor

        self.leased.discard(target_id)
        task.deferLater(cast(IReactorTime, reactor), 0, self._refill)

    # ------------------------------------------------------------------ heartbeat and end

    def _opened(self, spider: Any) -> None:
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(max(0.1, self.dist.poll_seconds), now=False)

    def _tick(self) -> None:
        """Every poll: reap expired leases (anyone may), renew ours now and then, claim if there is room."""
        self._beats += 1
        queue = self.lease_queue
        if queue.reap():
            self._refill()
        every = max(1, round(self.dist.heartbeat_seconds / max(0.1, self.dist.poll_seconds)))
        if self.leased and self._beats % every == 0:
            held = set(queue.renew(self.worker, self.leased, self.dist.lease_seconds))
            lost = self.leased - held
            if lost:
                say(f"worker {self.worker}: lost the lease of {', '.join(sorted(lost))} (expired)")
                self.leased &= held
        self._refill()

    def spider_idle(self) -> None:
        """Claim more; keep the spider open until the sweep has nothing pending or leased anywhere."""
        self._refill()
        progress = self.lease_queue.progress()
        if self.stopping or (progress.idle and not self.leased):
            return
        raise DontCloseSpider

    def _closed(self, spider: Any, reason: str) -> None:
        self.stopping = True
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        given = self.lease_queue.release(self.worker)
        if given:
            say(f"worker {self.worker}: gave back {len(given)} lease(s): {', '.join(given)}")

    def _flush(self, response: Any) -> Any:  # the spiders' safety net may fire again later
        out = super()._flush(response)  # type: ignore[misc]
        self._flushed = False
        return out


class LeaseSiteSpider(LeaseFeeder, SiteSpider):
    kind = "site"


class LeaseAccountSpider(LeaseFeeder, AccountSpider):
    kind = "account"


class CommitPipeline:
    """Buffers each target's items; once its ``TargetDone`` and every fact it counted are in
    (:mod:`crawlers.tally`), commits them, encoded, in one step, the TargetDone last."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.buffers: dict[str, list[object]] = {}
        self.arrivals = Arrivals()
        self.held: dict[str, TargetDone] = {}  # TargetDones waiting for facts still on their way

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CommitPipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        for one in item.items if isinstance(item, ItemBatch) else [item]:
            self._buffer(one, spider or self.crawler.spider)
        return item

    def _buffer(self, item: Any, spider: Any) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"patrol/items/{type(item).__name__}")
        target_id = getattr(item, "target_id", "")
        if isinstance(item, TargetDone):
            if self.arrivals.done(item):
                self._commit(item, spider)
            else:
                self.held[target_id] = item
            return
        self.buffers.setdefault(target_id, []).append(item)
        if isinstance(item, FACT_TYPES) and self.arrivals.fact(target_id):
            self._commit(self.held.pop(target_id), spider)

    def _commit(self, done: TargetDone, spider: Any) -> None:
        stats = self.crawler.stats
        assert stats is not None
        target_id = done.target_id
        self.arrivals.forget(target_id)
        items = [*self.buffers.pop(target_id, []), done]
        try:
            ok = spider.lease_queue.commit(spider.worker, target_id, encode_items(items))
        except CodecError as exc:
            say(f"worker {spider.worker}: cannot encode {target_id}: {exc}")
            ok = False
        stats.inc_value("patrol/committed" if ok else "patrol/commit_refused")
        if not ok:
            say(f"worker {spider.worker}: commit of {target_id} refused (lease lost or already done)")
        spider.committed(target_id)

    def close_spider(self, spider: Any = None) -> None:
        """Targets whose facts never all arrived are committed with what came (and said so)."""
        for target_id, (arrived, expected) in sorted(self.arrivals.missing().items()):
            say(
                f"worker: {target_id}: {arrived} of the {expected} facts its spider emitted arrived; committed without the rest"
            )
            self._commit(self.held.pop(target_id), spider or self.crawler.spider)


def crawl_sweep(plan: SweepPlan, config: Config, worker: str, url: str) -> dict[str, int]:
    """Blocking: this process's share of one sweep; returns how many targets it committed."""
    dist, prefix = config.distributed, config.distributed.key_prefix
    # a patrol reads only what is new: the memory is the store the coordinator writes to
    seen = (
        SeenTexts(Store(config.elasticsearch)) if plan.mode == "patrol" and config.elasticsearch.url else None
    )
    settings = crawl_settings(config, seen=seen)
    # the coordinator judges: the worker commits its items instead of recording them
    settings["ITEM_PIPELINES"] = {RecorderPipeline: None, CommitPipeline: 100}
    settings[REDIS_URL_SETTING] = url  # switches the cross-worker host slots on
    process = CrawlerProcess(settings)
    kinds = {t.kind for t in plan.targets}
    crawlers: list[Crawler] = []
    for kind, spider in (("site", LeaseSiteSpider), ("account", LeaseAccountSpider)):
        if kind not in kinds:
            continue
        crawler = process.create_crawler(spider)
        crawlers.append(crawler)
        lease = {"plan": plan, "worker": worker, "dist": dist, "prefix": prefix}
        extra = {"watches": plan.watches} if kind == "account" and plan.watches else {}  # open 重大事件
        process.crawl(crawler, targets=[], as_of=plan.as_of, mode=plan.mode, lease=lease, **extra)
    if crawlers:
        process.start()
    stats = [c.stats.get_stats() if c.stats else {} for c in crawlers]
    return {
        "failed": len([s for s in stats if s.get("finish_reason") is None]),
        "committed": sum(int(s.get("patrol/committed", 0)) for s in stats),
        "refused": sum(int(s.get("patrol/commit_refused", 0)) for s in stats),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govpatrol.distributed.crawl")
    parser.add_argument("--sweep", required=True)
    parser.add_argument("--owner", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--config")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    plan = load(connect(args.redis), config.distributed.key_prefix, args.sweep)
    if plan is None:
        say(f"worker {args.owner}: sweep {args.sweep} has no plan in Redis")
        return 1
    counts = crawl_sweep(plan, config, args.owner, args.redis)
    say(
        f"worker {args.owner}: sweep {args.sweep}: committed {counts['committed']}, refused {counts['refused']}"
    )
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
