"""``govpatrol sweep``: load inputs, wire crawl -> judge -> sinks, print progress and the summary."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.config import Config
from crawlers.models import Target
from crawlers.redact import install_log_redaction
from govpatrol.console import SweepProgress
from govpatrol.services.discovery import hint, load_app_config
from pipelines.recorder import Sink, SweepRecorder, SweepResult, new_sweep_id

MAX_ERROR_LINES = 50  # a registry with thousands of bad rows still prints a readable screen


class InputError(ValueError):
    """Bad user input: printed as is, exit code 2."""


@dataclass
class SweepOptions:
    targets: Path
    as_of: datetime
    kind: str = "full"
    output: str | None = None
    es_url: str | None = None
    use_es: bool = True
    config_path: str | None = None
    quiet: bool = False
    sample_ratio: float | None = None  # quarterly full sweep: share of accounts, stratified
    sample_seed: int | None = None  # None: [scheduler] sample_seed
    target_ids: frozenset[str] | None = None  # a re-check: sweep only these targets of the registry
    recheck_ids: frozenset[str] | None = None  # a re-check: only these findings can be rectified
    distributed: bool = False  # crawl through `govpatrol worker` processes sharing Redis
    workers: int = 0  # --distributed: also start this many local workers
    redis_url: str | None = None


def parse_as_of(text: str | None) -> datetime:
    """ISO 8601; a time without an offset is Beijing time. None = now."""
    from crawlers.dates import BEIJING

    if not text:
        return datetime.now(BEIJING).replace(microsecond=0)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(
            f"--as-of: not an ISO 8601 time: {text!r} (example: 2025-03-31T10:00:00+08:00)"
        ) from exc
    return value if value.tzinfo else value.replace(tzinfo=BEIJING)


class SweepFailed(RuntimeError):
    """The sweep could not run (a service down); the message says what to do."""


def load_inputs(options: SweepOptions) -> tuple[Config, list[Target]]:
    from crawlers.registry import RegistryError, load_targets

    config = load_app_config(options.config_path, options.es_url)
    install_log_redaction(config.secrets())  # this configuration's secrets are masked in every log line
    try:
        targets = load_targets(options.targets, indicators=config.indicators_file or None)
    except RegistryError as exc:
        shown = exc.errors[:MAX_ERROR_LINES]
        more = len(exc.errors) - len(shown)
        tail = [f"... and {more} more (fix these first)"] if more else []
        raise InputError(
            f"the targets registry has {len(exc.errors)} errors; nothing was imported:\n"
            + "\n".join(shown + tail)
        ) from exc
    return config, targets


def open_sinks(options: SweepOptions, config: Config) -> list[Sink]:
    from pipelines.sinks import JsonLinesSink

    sinks: list[Sink] = []
    if options.use_es and not config.elasticsearch.url:
        if not options.output:
            raise InputError("no Elasticsearch URL configured ([elasticsearch] url is empty) and no --output")
        print("note: [elasticsearch] url is empty: writing JSON Lines only", file=sys.stderr)
    elif options.use_es:
        sinks.append(open_store_sink(config))
    if options.output:
        sinks.append(JsonLinesSink(options.output))
    return sinks


def open_store_sink(config: Config) -> Any:
    """The Elasticsearch sink of a run (sweep or probe). When Elasticsearch does not answer at the
    start, the run goes on: its records wait in the spool for `govpatrol spool replay` or the next
    run, and the sink says so (``sink.wait_at_end`` is then False)."""
    from pipelines.sinks import open_es_sink
    from pipelines.store import Store, StoreUnavailable

    store = Store(config.elasticsearch)
    try:
        # the templates are put once per node and prefix (the last fixed index ensure_indices creates
        # stands for them): an hourly probe round then costs one request here, not eleven
        try:
            ready = bool(store.es.indices.exists(index=store.index_name("alerts")))
        except Exception as exc:  # the client's transport and API errors alike
            raise StoreUnavailable(f"Elasticsearch at {store.url} unavailable: {exc}") from exc
        if not ready:
            store.ensure_indices()
        return open_es_sink(store, config.elasticsearch)  # earlier runs' spools go first
    except StoreUnavailable as exc:
        print(
            f"note: {str(exc).splitlines()[0][:300]}\n{hint(config)}\n"
            "  this run goes on: its records are spooled on disk and delivered by "
            "`govpatrol spool replay` or the next run",
            file=sys.stderr,
        )
        return open_es_sink(store, config.elasticsearch, away=True)


def say_spooled(sinks: list[Any]) -> int:
    """After a run: say how many records wait in the spool, and where (returns the count)."""
    from pipelines.sinks import ElasticsearchSink

    spools = [s.spool for s in sinks if isinstance(s, ElasticsearchSink) and s.spool is not None]
    waiting = sum(spool.pending for spool in spools)
    if waiting:
        print(
            f"note: {waiting:,} records wait for Elasticsearch in {spools[0].dir}; "
            "`govpatrol spool replay` delivers them (the next run does so first, too)",
            file=sys.stderr,
        )
    return waiting


def es_away(sinks: list[Any]) -> bool:
    """Did this run start without Elasticsearch (its records spooled, its lifecycle not known)?"""
    from pipelines.sinks import ElasticsearchSink

    return any(isinstance(s, ElasticsearchSink) and not s.wait_at_end for s in sinks)


def open_lifecycle(
    sinks: list[Sink], registry: list[Target], result: SweepResult, only: frozenset[str] | None
) -> Any:
    """The findings on record for the registry, read before this sweep's writes change them.

    Without Elasticsearch there is no record: every finding of the sweep is new. With Elasticsearch
    away at the start there is no lifecycle (None): the findings are stored without history, which
    keeps ``first_seen`` and the history of those on record, and nothing is rectified.
    """
    from pipelines.lifecycle import STATUSES, SweepLifecycle
    from pipelines.sinks import ElasticsearchSink

    if es_away(sinks):
        return None
    stores = [s.store for s in sinks if isinstance(s, ElasticsearchSink)]
    if stores:
        stores[0].refresh()  # findings a run just before this one wrote (a roll-up, a re-check) count
    previous = (
        stores[0].open_findings(target_ids=[t.id for t in registry], statuses=STATUSES) if stores else []
    )
    return SweepLifecycle(previous, {"id": result.sweep_id, "kind": result.kind}, result.as_of, only)


def run_sweep(options: SweepOptions) -> SweepResult:
    """Run one sweep and return its result (sinks written and closed)."""
    config, targets = load_inputs(options)  # bad input fails fast, before anything heavy is imported
    from pipelines.judge import judge_account, judge_registry, judge_site, load_rules
    from pipelines.sinks import observation_doc

    rules = load_rules(config.indicators_file or None)
    sinks = open_sinks(options, config)
    registry, sample = targets, None
    if options.sample_ratio is not None:  # quarterly: all sites, a stratified sample of accounts
        from govpatrol.sampling import sample_for_sweep

        sample = sample_for_sweep(targets, options.sample_ratio, options.sample_seed, config, options.use_es)
        targets = sample.targets
    if options.target_ids is not None:  # a re-check sweeps only the targets of its findings
        targets = [t for t in targets if t.id in options.target_ids]
    started = datetime.now(options.as_of.tzinfo)
    result = SweepResult(
        sweep_id=new_sweep_id(options.kind, options.as_of),
        kind=options.kind,
        as_of=options.as_of,
        started_at=started,
    )

    def judge(target: Target, observed: Any, as_of: datetime) -> Any:
        if target.kind == "site":
            return judge_site(observed, as_of, rules)
        return judge_account(observed, target, as_of, rules)

    progress = SweepProgress(total=len(targets), enabled=not options.quiet)
    recorder = SweepRecorder(
        targets=targets,
        as_of=options.as_of,
        judge=judge,
        sinks=sinks,
        result=result,
        observation_doc=observation_doc,
        on_progress=progress.advance,
        lifecycle=open_lifecycle(sinks, registry, result, options.recheck_ids),
    )
    recorder.write_findings(judge_registry(registry, options.as_of, rules))
    clock = time.monotonic()
    try:
        with progress:
            stats = _crawl(options, config, targets, result.sweep_id, recorder.on_item)
        recorder.finish()
        delivery = _drain(sinks)  # the sweep is not done while Elasticsearch lacks any of it
        result.stats = {**(stats or {}), "elapsed_s": time.monotonic() - clock}
        result.ended_at = datetime.now(options.as_of.tzinfo)
        record = result.record(
            planned=len(targets),
            extra={"targets_file": str(options.targets), "config_file": config.source or None, **delivery},
        )
        if sample is not None:
            record["sample"] = sample.record()
        if options.kind in ("full", "recheck"):  # the 通报 counts from these (the targets index keeps
            record["verdicts"] = {  # only each target's latest summary, which patrols overwrite)
                s.target_id: {"verdict": s.verdict, "score": s.score, "reasons": s.unverified_reasons}
                for s in result.summaries
            }
        if "distributed" in result.stats:
            record["distributed"] = result.stats["distributed"]
        for sink in sinks:
            sink.write_sweep(record)
    finally:
        for sink in sinks:
            sink.close()
    say_spooled(sinks)
    if not es_away(sinks):
        _alert(config, sinks, result, record)
    return result


def _crawl(
    options: SweepOptions, config: Config, targets: list[Target], sweep_id: str, on_item: Any
) -> dict[str, Any]:
    """The crawl step: this process (Scrapy), or the workers of a distributed sweep through Redis."""
    if not options.distributed:
        from govpatrol.crawl import run_crawl

        return run_crawl(targets, options.as_of, config, mode=options.kind, on_item=on_item)
    from govpatrol.distributed.coordinator import run_distributed_crawl

    return run_distributed_crawl(
        sweep_id,
        targets,
        options.as_of,
        options.kind,
        config,
        on_item,
        url=options.redis_url,
        workers=options.workers,
        quiet=options.quiet,
    )


def _drain(sinks: list[Sink]) -> dict[str, Any]:
    """Wait for spooled records to reach Elasticsearch (``[elasticsearch] outage_wait``)."""
    from pipelines.sinks import drain_sinks
    from pipelines.spool import SpoolNotDrained

    try:
        return drain_sinks(sinks)  # a run that started without Elasticsearch does not wait
    except SpoolNotDrained as exc:
        raise SweepFailed(str(exc)) from exc


def _alert(config: Config, sinks: list[Sink], result: SweepResult, record: dict[str, Any]) -> None:
    """Notify new veto findings once each (after the sinks flushed: the alert state lives in ES)."""
    if not config.alerts.get("enabled"):
        return
    from govpatrol.alerts import alert_after_sweep
    from pipelines.sinks import ElasticsearchSink

    stores = [s.store for s in sinks if isinstance(s, ElasticsearchSink)]
    report = alert_after_sweep(config.alerts, stores[0] if stores else None, result.findings, record)
    if report is not None:
        print(f"alerts: {report.summary()}", file=sys.stderr)
