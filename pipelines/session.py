"""One sweep's recording, and the Scrapy item pipeline that feeds it.

:class:`SweepSession` is everything a sweep does around the crawl: it opens the sinks (the
Elasticsearch store and/or a JSON Lines file), reads the findings on record for the lifecycle,
writes the registry-level notices, then takes every crawl item (:class:`~pipelines.recorder.SweepRecorder`
judges each target as it completes) and at the end drains the sinks and writes the sweep record.

:class:`RecorderPipeline` is how a Scrapy crawl reaches it, the same way for ``govpatrol sweep``
and ``scrapy crawl site -a targets=sites.csv -a output=out.jsonl``: the sweep opens the session
itself (one session spans its site and account crawlers, or a distributed crawl) and hands it over
in the ``PATROL_SWEEP`` setting; without that setting the pipeline opens a session from the
spider's arguments when the spider opens and finishes it when the spider closes.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, Protocol

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawlers.config import Config, config_from_settings
from crawlers.errors import InputError, SweepFailed
from crawlers.models import ItemBatch, Target, TargetSummary
from pipelines.esclient import FIXED
from pipelines.essink import ElasticsearchSink, drain_sinks, open_es_sink
from pipelines.judge import judge_account, judge_registry, judge_site, load_rules
from pipelines.lifecycle import STATUSES, SweepLifecycle
from pipelines.recorder import Sink, SweepRecorder, SweepResult, new_sweep_id
from pipelines.sinks import JsonLinesSink, observation_doc
from pipelines.spool import SpoolNotDrained
from pipelines.store import Store, StoreUnavailable
from pipelines.stored import LinkHistory
from pipelines.watchbook import WatchBook

log = logging.getLogger(__name__)

#: the Scrapy setting that carries a sweep's session (or any object with ``on_item``) to the pipeline
SWEEP_SETTING = "PATROL_SWEEP"


class ItemTaker(Protocol):
    def on_item(self, item: object) -> None: ...


class Shared:
    """A value kept as it is when Scrapy copies settings (each crawler deep-copies them): the one
    session of a sweep must stay one object across its site and account crawlers."""

    def __init__(self, value: ItemTaker) -> None:
        self.value = value

    def __deepcopy__(self, memo: dict[int, Any]) -> Shared:
        return self


#: what the operator can do when Elasticsearch does not answer (the application names the node it found)
ES_HINT = (
    "  start the local node with `govpatrol services start`, point --es at your cluster, "
    "or use --no-es --output FILE.jsonl"
)


def es_sink(config: Config, use_es: bool, hint: str = ES_HINT) -> ElasticsearchSink:
    """The Elasticsearch sink; ``NotConfigured`` without a URL (or with ``--no-es``).

    When Elasticsearch does not answer at the start the run goes on: its records wait in the spool
    for ``govpatrol spool replay`` or the next run, and the sink says so (``wait_at_end`` is then
    False). ``hint`` follows the note: where the command looked for Elasticsearch.
    """
    if not use_es:
        raise NotConfigured("--no-es")
    if not config.elasticsearch.url:
        raise NotConfigured("[elasticsearch] url is empty")
    store = Store(config.elasticsearch)
    try:
        # the templates are put once per node and prefix (the last fixed index ensure_indices creates
        # stands for them): an hourly probe round then costs one request here, not eleven
        if not store.has_index(FIXED[-1]):
            store.ensure_indices()
        return open_es_sink(store, config.elasticsearch)  # earlier runs' spools go first
    except StoreUnavailable as exc:
        print(
            f"note: {str(exc).splitlines()[0][:300]}\n{hint}\n"
            "  this run goes on: its records are spooled on disk and delivered by "
            "`govpatrol spool replay` or the next run",
            file=sys.stderr,
        )
        return open_es_sink(store, config.elasticsearch, away=True)


def es_away(sinks: list[Sink]) -> bool:
    """Did this run start without Elasticsearch (its records spooled, its lifecycle not known)?"""
    return any(isinstance(s, ElasticsearchSink) and not s.wait_at_end for s in sinks)


def say_spooled(sinks: list[Sink]) -> int:
    """After a run: say how many records wait in the spool, and where (returns the count)."""
    spools = [s.spool for s in sinks if isinstance(s, ElasticsearchSink) and s.spool is not None]
    waiting = sum(spool.pending for spool in spools)
    if waiting:
        print(
            f"note: {waiting:,} records wait for Elasticsearch in {spools[0].dir}; "
            "`govpatrol spool replay` delivers them (the next run does so first, too)",
            file=sys.stderr,
        )
    return waiting


def jsonl_sink(output: str | None) -> JsonLinesSink:
    """The JSON Lines sink; ``NotConfigured`` without an output file."""
    if not output:
        raise NotConfigured("no output file")
    return JsonLinesSink(output)


def open_sinks(config: Config, *, output: str | None, use_es: bool, hint: str = ES_HINT) -> list[Sink]:
    """Every sink that is configured; at least one must be."""
    sinks: list[Sink] = []
    try:
        sinks.append(es_sink(config, use_es, hint))
    except NotConfigured as why:
        if use_es and output:
            print(f"note: {why}: writing JSON Lines only", file=sys.stderr)
    with contextlib.suppress(NotConfigured):
        sinks.append(jsonl_sink(output))
    if not sinks:
        raise InputError("no Elasticsearch URL configured ([elasticsearch] url is empty) and no --output")
    return sinks


def _lifecycle(
    sinks: list[Sink], registry: list[Target], result: SweepResult, only: Any, dismissed: Any = frozenset()
) -> SweepLifecycle | None:
    """The findings on record for the registry, read before this sweep's writes change them.

    Without Elasticsearch there is no record: every finding of the sweep is new. With Elasticsearch
    away at the start there is no lifecycle (None): the findings are stored without history, which
    keeps ``first_seen`` and the history of those on record, and nothing is rectified.
    """
    if es_away(sinks):
        return None
    stores = [s.store for s in sinks if isinstance(s, ElasticsearchSink)]
    if stores:
        stores[0].refresh()  # findings a run just before this one wrote (a roll-up, a re-check) count
    previous = (
        stores[0].open_findings(target_ids=[t.id for t in registry], statuses=STATUSES) if stores else []
    )
    sweep = {"id": result.sweep_id, "kind": result.kind}
    return SweepLifecycle(previous, sweep, result.as_of, only, dismissed=dismissed)


class SweepSession:
    """One sweep's sinks, lifecycle and recorder, from :meth:`open` to :meth:`finish`."""

    def __init__(self, result: SweepResult, sinks: list[Sink], recorder: SweepRecorder, planned: int) -> None:
        self.result = result
        self.sinks = sinks
        self.recorder = recorder
        self.planned = planned
        self.clock = time.monotonic()

    @classmethod
    def open(
        cls,
        config: Config,
        *,
        registry: list[Target],
        targets: list[Target] | None = None,
        as_of: datetime,
        kind: str = "full",
        output: str | None = None,
        use_es: bool = True,
        recheck_ids: Collection[str] | None = None,
        on_progress: Callable[[int, int, TargetSummary], None] | None = None,
        es_hint: str = ES_HINT,
    ) -> SweepSession:
        """Open the sinks and write the registry-level notices; ``targets`` default to the registry.
        ``es_hint``: what to tell the operator when Elasticsearch does not answer at the start."""
        targets = registry if targets is None else targets
        rules = load_rules(config.indicators_file or None)
        sinks = open_sinks(config, output=output, use_es=use_es, hint=es_hint)
        result = SweepResult(
            sweep_id=new_sweep_id(kind, as_of), kind=kind, as_of=as_of, started_at=datetime.now(as_of.tzinfo)
        )

        # earlier tries of suspected links (none to read while Elasticsearch is away)
        history = LinkHistory.for_sinks([] if es_away(sinks) else sinks, result.sweep_id, rules)
        # the security watch: baselines, dismissed hits, snapshots (pipelines/watchbook.py)
        watch = WatchBook.for_sinks(config, [] if es_away(sinks) else sinks, registry, result.sweep_id)

        def judge(target: Target, observed: Any, at: datetime) -> Any:
            if target.kind == "site":
                site = watch.fill(history.fill(observed))
                findings, summary = judge_site(site, at, rules)
                watch.after(site, findings, at)
                return findings, summary
            return judge_account(observed, target, at, rules)

        try:
            recorder = SweepRecorder(
                targets=targets,
                as_of=as_of,
                judge=judge,
                sinks=sinks,
                result=result,
                observation_doc=observation_doc,
                on_progress=on_progress,
                lifecycle=_lifecycle(sinks, registry, result, recheck_ids, watch.dismissed),
            )
            recorder.write_findings(judge_registry(registry, as_of, rules))
        except BaseException:
            for sink in sinks:
                sink.close()
            raise
        return cls(result, sinks, recorder, planned=len(targets))

    def on_item(self, item: object) -> None:
        self.recorder.on_item(item)

    def finish(self, stats: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Judge what the crawl left unfinished, wait for Elasticsearch, write the sweep record."""
        self.recorder.finish()
        try:
            delivery = drain_sinks(self.sinks)  # the sweep is not done while Elasticsearch lacks any of it
        except SpoolNotDrained as exc:
            raise SweepFailed(str(exc)) from exc
        result = self.result
        result.stats = {**stats, "elapsed_s": time.monotonic() - self.clock}
        result.ended_at = datetime.now(result.as_of.tzinfo)
        record = result.record(planned=self.planned, extra={**(extra or {}), **delivery})
        if result.kind in ("full", "recheck"):  # the 通报 counts from these (the targets index keeps
            record["verdicts"] = {  # only each target's latest summary, which patrols overwrite)
                s.target_id: {"verdict": s.verdict, "score": s.score, "reasons": s.unverified_reasons}
                for s in result.summaries
            }
        for sink in self.sinks:
            sink.write_sweep(record)
        return record

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()

    @property
    def es_away(self) -> bool:
        """Elasticsearch did not answer at the start: records spooled, no lifecycle, no alerts."""
        return es_away(self.sinks)

    def store(self) -> Store | None:
        """The Elasticsearch store written to, if any (alerts keep their state there)."""
        stores = [s.store for s in self.sinks if isinstance(s, ElasticsearchSink)]
        return stores[0] if stores else None


class RecorderPipeline:
    """Item pipeline: every crawl item to the sweep's session; a failure there is logged and
    counted (``patrol/on_item_errors``), never fatal to the crawl."""

    def __init__(self, crawler: Crawler, given: ItemTaker | None) -> None:
        self.crawler = crawler
        self.taker = given
        self.owned: SweepSession | None = None  # opened here (`scrapy crawl`), finished here

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecorderPipeline:
        shared = crawler.settings.get(SWEEP_SETTING)
        return cls(crawler, shared.value if isinstance(shared, Shared) else shared)

    def open_spider(self, spider: Spider | None = None) -> None:
        if self.taker is not None:
            return
        spider = spider or self.crawler.spider
        config = config_from_settings(self.crawler.settings)
        targets: list[Target] = list(getattr(spider, "targets", []))
        self.owned = SweepSession.open(
            config,
            registry=list(getattr(spider, "registry", None) or targets),
            targets=targets,
            as_of=spider.as_of,  # type: ignore[union-attr]
            kind=getattr(spider, "mode", "full"),
            output=getattr(spider, "output", None),
        )
        self.taker = self.owned

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        for one in item.items if isinstance(item, ItemBatch) else [item]:
            self._take(one)
        return item

    def _take(self, item: Any) -> None:
        stats = self.crawler.stats
        assert stats is not None
        assert self.taker is not None
        stats.inc_value(f"patrol/items/{type(item).__name__}")
        try:
            self.taker.on_item(item)
        except Exception:
            stats.inc_value("patrol/on_item_errors")
            log.exception("recording failed for %s", type(item).__name__)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.owned is None:
            return
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        extra = {
            "targets_file": getattr(spider or self.crawler.spider, "targets_file", None),
            "config_file": config_from_settings(self.crawler.settings).source or None,
        }
        try:
            self.owned.finish({"requests": int(stats.get("downloader/request_count", 0))}, extra)
        finally:
            self.owned.close()
        say_spooled(self.owned.sinks)
