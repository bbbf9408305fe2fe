"""What both spiders share: the as-of clock, request timing, and the safety net for lost requests.

Each spider ends every target with exactly one ``TargetDone`` (the judge runs per target while the
sweep goes on). A request can still get lost -- a download slot that never answers, a callback that
never runs -- and a target waiting for it would never be judged. So when Scrapy goes idle with
targets still open, the spider settles them itself (:meth:`TargetSpider.settle_lost`) and only then
lets the crawl close.

Every callback that yields items is :func:`tallied`: the facts it yields are counted per target as
they leave the spider, and each TargetDone carries its target's count (:mod:`crawlers.tally`), so
the recorder judges a target only once all of them have arrived, whatever order Scrapy delivers in.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response

from crawlers.config import Config
from crawlers.models import Target
from crawlers.pagewords import PageWords, load_page_words
from crawlers.tally import FactCount
from spiders.arguments import crawl_arguments
from spiders.fetchfacts import stamp


def tallied(method: Callable[..., Any]) -> Callable[..., Any]:
    """A spider method whose output leaves the spider (a callback, an errback, ``begin_target``):
    its items are counted (:class:`~crawlers.tally.FactCount`) as they are returned or yielded.
    Mark only the method Scrapy calls, never one it calls in turn (its items would count twice)."""
    run: Callable[..., Any]
    if inspect.isasyncgenfunction(method):

        async def run_agen(self: TargetSpider, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            async for item in method(self, *args, **kwargs):
                for one in self.tally.stamp([item]):
                    yield one

        run = run_agen
    elif inspect.iscoroutinefunction(method):

        async def run_coro(self: TargetSpider, *args: Any, **kwargs: Any) -> list[Any]:
            return self.tally.stamp(await method(self, *args, **kwargs))

        run = run_coro
    else:

        def run_sync(self: TargetSpider, *args: Any, **kwargs: Any) -> list[Any]:
            return self.tally.stamp(method(self, *args, **kwargs))

        run = run_sync
    wrapped = functools.wraps(method)(run)
    wrapped.tallied = True  # type: ignore[attr-defined]
    return wrapped


class TargetSpider(scrapy.Spider):
    """Base of the site and account spiders: ``Spider(targets, as_of, config, mode)``; ``unsettled()``
    and ``settle_lost()`` are theirs."""

    _flushed: bool = False  # the safety net fired (a distributed worker re-arms it)

    def __init__(
        self,
        targets: list[Target] | None = None,
        as_of: datetime | None = None,
        config: Config | None = None,
        mode: str = "full",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.targets = list(targets or [])
        self.as_of = as_of or datetime.now(UTC)
        self.config = config or Config()
        self.mode = mode
        self.tally = FactCount()  # facts emitted per target: each TargetDone carries its count
        # how pages look (pinned markers, anti-bot walls, navigation words): the office's override too
        self.words: PageWords = load_page_words(self.config.indicators_file or None)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        kwargs = crawl_arguments(crawler, cls.name, kwargs)  # config from settings; `scrapy crawl -a` strings
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(stamp, signal=signals.request_reached_downloader)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    def _now(self) -> datetime:
        return datetime.now(self.as_of.tzinfo or UTC)

    def unsettled(self) -> list[str]:
        """Ids of the targets begun and not yet done."""
        raise NotImplementedError

    def settle_lost(self, target_id: str) -> list[Any]:
        """Close a target whose requests were lost: its last items (ending with its TargetDone)."""
        raise NotImplementedError

    def _on_idle(self, spider: scrapy.Spider) -> None:
        """Nothing left to do but some target never closed (a lost request): close them all now."""
        if self._flushed:
            return
        open_ids = self.unsettled()
        if not open_ids:
            return
        self._flushed = True
        self.logger.warning("closing %d targets with unsettled requests: %s", len(open_ids), open_ids[:10])
        request = Request("data:,", callback=self._flush, dont_filter=True, meta={"target_id": ""})
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(request)
        raise DontCloseSpider

    @tallied
    def _flush(self, response: Response) -> Iterable[Any]:
        out: list[Any] = []
        for target_id in self.unsettled():
            out += self.settle_lost(target_id)
        return out
