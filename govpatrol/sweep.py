"""``govpatrol sweep``: load inputs, open the sweep's session, crawl (here or distributed), alert.

The session (``pipelines/session.py``: sinks, lifecycle, the recorder that judges each target) is
the one the crawl's item pipeline feeds; ``scrapy crawl site`` opens the same session itself.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.config import Config
from crawlers.dates import parse_as_of
from crawlers.errors import InputError, SweepFailed
from crawlers.models import Target
from crawlers.redact import install_log_redaction
from crawlers.thresholds import load_thresholds
from govpatrol.accountwindow import AccountPlan, accounts_for_patrol
from govpatrol.console import SweepProgress
from govpatrol.services.discovery import hint, load_app_config
from pipelines.recorder import SweepResult
from spiders.arguments import load_registry

UNREACHABLE = "SITE-VETO-UNREACHABLE"  # the indicator whose probe_timeout_s the crawler's wait must cover

__all__ = ["InputError", "SweepFailed", "SweepOptions", "load_inputs", "parse_as_of", "run_sweep"]


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


def load_inputs(options: SweepOptions) -> tuple[Config, list[Target]]:
    config = load_app_config(options.config_path, options.es_url)
    install_log_redaction(config.secrets())  # this configuration's secrets are masked in every log line
    note = short_wait_note(config)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return config, load_registry(options.targets, config.indicators_file or None)


def short_wait_note(config: Config) -> str:
    """A warning when the crawler gives up on a homepage sooner than the availability rule's limit
    (``probe_timeout_s`` of the indicator data in force): such a load is recorded as a timeout."""
    limit = float(load_thresholds(config.indicators_file or None)[UNREACHABLE]["probe_timeout_s"])
    wait = config.crawl.homepage_timeout
    if wait >= limit:
        return ""
    return (
        f"[crawl] homepage_timeout ({wait:g} s) is shorter than probe_timeout_s ({limit:g} s) of "
        f"{UNREACHABLE}: a homepage that loads in between is recorded as a timeout"
    )


def open_store_sink(config: Config) -> Any | None:
    """The Elasticsearch sink of a run (sweep or probe), None when ``[elasticsearch] url`` is empty;
    when Elasticsearch does not answer at the start the run goes on and its records are spooled
    (:func:`pipelines.session.es_sink`)."""
    from scrapy.exceptions import NotConfigured

    from pipelines.session import es_sink

    try:
        return es_sink(config, True, hint(config))
    except NotConfigured:
        return None


def run_sweep(options: SweepOptions) -> SweepResult:
    """Run one sweep and return its result (sinks written and closed)."""
    config, targets = load_inputs(options)  # bad input fails fast, before anything heavy is imported
    from pipelines.session import SweepSession, say_spooled

    registry, sample = targets, None
    if options.sample_ratio is not None:  # quarterly: all sites, a stratified sample of accounts
        from govpatrol.sampling import sample_for_sweep

        sample = sample_for_sweep(targets, options.sample_ratio, options.sample_seed, config, options.use_es)
        targets = sample.targets
    if options.target_ids is not None:  # a re-check sweeps only the targets of its findings
        targets = [t for t in targets if t.id in options.target_ids]
    window: AccountPlan | None = None
    if options.kind == "patrol":  # each account once in its window ([accounts] check_every_hours)
        window = accounts_for_patrol(targets, options.as_of, config, options.use_es)
        targets = window.targets
    # open 重大事件: the accounts of this sweep to watch for reposts (imported here, like the crawl:
    # the rules it loads would slow every CLI command's start)
    from govpatrol.eventwatch import EventWatching

    watching = EventWatching.start(config, targets, options.as_of, options.use_es)
    progress = SweepProgress(total=len(targets), enabled=not options.quiet)
    session = SweepSession.open(
        config,
        registry=registry,
        targets=targets,
        as_of=options.as_of,
        kind=options.kind,
        output=options.output,
        use_es=options.use_es,
        recheck_ids=options.recheck_ids,
        on_progress=progress.advance,
        es_hint=hint(config),
    )
    try:
        with progress:
            stats = _crawl(options, config, targets, session, watching.watches if watching else ())
        extra: dict[str, Any] = {"targets_file": str(options.targets), "config_file": config.source or None}
        if sample is not None:
            extra["sample"] = sample.record()
        if window is not None:
            extra["accounts_window"] = window.record()
        if "distributed" in stats:
            extra["distributed"] = stats["distributed"]
        record = session.finish(stats, extra)
    finally:
        session.close()
    say_spooled(session.sinks)
    if not session.es_away:
        _alert(config, session, record)
        if watching is not None:
            watching.finish(session.result)
    return session.result


def _crawl(
    options: SweepOptions, config: Config, targets: list[Target], session: Any, watches: tuple[Any, ...] = ()
) -> dict[str, Any]:
    """The crawl step: this process (Scrapy), or the workers of a distributed sweep through Redis."""
    if not options.distributed:
        from govpatrol.crawl import run_crawl

        return run_crawl(targets, options.as_of, config, mode=options.kind, recorder=session, watches=watches)
    from govpatrol.distributed.coordinator import run_distributed_crawl

    return run_distributed_crawl(
        session.result.sweep_id,
        targets,
        options.as_of,
        options.kind,
        config,
        session.on_item,
        url=options.redis_url,
        workers=options.workers,
        quiet=options.quiet,
        watches=watches,
    )


def _alert(config: Config, session: Any, record: dict[str, Any]) -> None:
    """Notify new veto findings once each (after the sinks flushed: the alert state lives in ES)."""
    if not config.alerts.enabled:
        return
    from govpatrol.alerts import alert_after_sweep

    report = alert_after_sweep(config.alerts, session.store(), session.result.findings, record)
    if report is not None:
        print(f"alerts: {report.summary()}", file=sys.stderr)
