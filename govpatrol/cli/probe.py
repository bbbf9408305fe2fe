"""``govpatrol probe`` and ``govpatrol rollup``: availability probes and their weekly roll-up.

The scheduler runs ``probe`` every ``probe_minutes`` and ``rollup`` weekly, each in a subprocess;
both are also useful by hand. Each run leaves a record in the sweeps index (kind ``probe`` or
``rollup``) so the patrol ledger shows that availability was watched, with a run id derived from
the as-of time: re-running a round replaces its record instead of adding one.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawlers.config import Config, ConfigError
from crawlers.models import Finding, PageObservation, Target
from govpatrol.services.discovery import hint
from govpatrol.sweep import InputError, SweepFailed, SweepOptions, load_inputs, parse_as_of

PROBE_HELP = """\
Probe every site's homepage once (one GET, following redirects) and record the result in
Elasticsearch as an availability probe. A probe fails when the homepage has not loaded within
[crawl] homepage_timeout (15 s, the national rule): DNS, connection refused, TLS, HTTP >= 400,
timeout. Accounts in the registry are ignored. `govpatrol rollup` judges a week of probes.

The national rule wants at least 20 probes a day per site: the scheduler runs this every
[scheduler] probe_minutes (60). --as-of is the scheduled time the probe is recorded under.

examples:
  govpatrol probe --targets sites.csv
  govpatrol probe --targets sites.csv --config patrol.toml --as-of 2025-03-31T10:00:00+08:00
"""

ROLLUP_HELP = """\
Judge SITE-VETO-UNREACHABLE (站点无法访问) from the probes of the 7 days before --as-of: a site
fails (veto) when >= 5% of its probes failed, gets a warning (预警) at >= 3%, nothing below. A
site with no probe in the window is reported unverified; fewer probes than 7 x 20 are judged on
the probes made, with the shortfall in the evidence. Thresholds: crawlers/data/indicators.toml.

Findings are upserted in Elasticsearch (stable ids: next week's roll-up updates them) and, with
--output, written as JSON Lines. Prints the sites at or above the warning ratio.

examples:
  govpatrol rollup --targets sites.csv
  govpatrol rollup --targets sites.csv --as-of 2025-03-31T06:00:00+08:00 --output week13.jsonl
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol probe` and `govpatrol rollup`."""
    for name, text, help_line, func in (
        ("probe", PROBE_HELP, "probe every site's homepage once (availability)", _probe_command),
        ("rollup", ROLLUP_HELP, "judge a week of probes: SITE-VETO-UNREACHABLE", _rollup_command),
    ):
        p = subparsers.add_parser(
            name, help=help_line, description=text, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        p.add_argument("--targets", required=True, metavar="FILE", help="the targets registry (CSV or XLSX)")
        p.add_argument(
            "--as-of",
            metavar="ISO8601",
            help="the scheduled time (default: now; no offset = Beijing time)"
            if name == "probe"
            else "the end of the 7-day window (default: now; no offset = Beijing time)",
        )
        p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
        p.add_argument(
            "--es", metavar="URL", help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or local)"
        )
        p.add_argument(
            "--output",
            metavar="FILE.jsonl",
            help="also write the findings as JSON Lines"
            if name == "rollup"
            else "also write the probes and the round's record as JSON Lines",
        )
        p.set_defaults(func=func)


def _run_id(kind: str, as_of: datetime) -> str:
    return f"{kind}-{as_of.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _load(args: argparse.Namespace) -> tuple[Config, list[Target], datetime]:
    """Config, the site targets and the as-of time; bad input raises InputError."""
    as_of = parse_as_of(args.as_of)
    options = SweepOptions(targets=Path(args.targets), as_of=as_of, es_url=args.es, config_path=args.config)
    config, targets = load_inputs(options)
    sites = [t for t in targets if t.kind == "site"]
    if not sites:
        raise InputError(f"{args.targets}: no site targets (probes check websites only)")
    if not config.elasticsearch.url:
        raise InputError("no Elasticsearch URL configured: probes are only useful recorded (--es URL)")
    return config, sites, as_of


def _prepare(args: argparse.Namespace) -> tuple[Config, list[Target], datetime, Any]:
    """Config, the site targets, the as-of time and a ready Store (the roll-up reads probes)."""
    from pipelines.store import Store, StoreUnavailable

    config, sites, as_of = _load(args)
    store = Store(config.elasticsearch)
    try:
        store.health()
        store.ensure_indices()
    except StoreUnavailable as exc:
        raise SweepFailed(f"{exc}\n{hint(config)}") from exc
    return config, sites, as_of, store


def _guarded(run: Any, args: argparse.Namespace) -> int:
    from pipelines.store import BulkWriteError, StoreUnavailable

    try:
        return run(args)
    except (InputError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (SweepFailed, StoreUnavailable, BulkWriteError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _probe_command(args: argparse.Namespace) -> int:
    return _guarded(_probe, args)


def _rollup_command(args: argparse.Namespace) -> int:
    return _guarded(_rollup, args)


def _record(kind: str, as_of: datetime, started: datetime, clock: float, **fields: Any) -> dict[str, Any]:
    """The sweeps-index document of one probe round or roll-up."""
    return {
        "id": _run_id(kind, as_of),
        "kind": kind,
        "as_of": as_of.isoformat(),
        "started_at": started.isoformat(),
        "ended_at": datetime.now(as_of.tzinfo).isoformat(),
        "accounts": 0,
        "elapsed_s": round(time.monotonic() - clock, 3),
        **fields,
    }


def _probe(args: argparse.Namespace) -> int:
    """One round: probe, then write through the spooled Elasticsearch sink (a round made while
    Elasticsearch is away is kept on disk, not lost) and JSON Lines; then the outage alerts."""
    from govpatrol.probe import write_probe_round
    from govpatrol.sweep import open_store_sink
    from pipelines.session import es_away, say_spooled
    from pipelines.sinks import JsonLinesSink
    from spiders.probe import probe_sites

    config, sites, as_of = _load(args)
    store_sink = open_store_sink(config)  # None when [elasticsearch] url is empty
    sinks: list[Any] = [store_sink] if store_sink is not None else []
    if args.output:
        sinks.append(JsonLinesSink(args.output, observations=True))
    if not sinks:
        raise InputError("no Elasticsearch URL configured ([elasticsearch] url is empty) and no --output")
    started, clock = datetime.now(as_of.tzinfo), time.monotonic()
    observations = probe_sites(sites, as_of, config)
    down = [o for o in observations if not o.ok]
    record = _record(
        "probe",
        as_of,
        started,
        clock,
        targets_planned=len(sites),
        targets_done=len(observations),
        targets_failed=len(down),
        targets_passed=len(observations) - len(down),
        sites=len(sites),
        observations=len(observations),
        requests=len(observations) + sum(len(o.redirects) for o in observations),
        targets_file=str(args.targets),
        config_file=config.source or None,
    )
    write_probe_round(observations, sinks, record)
    names = {t.id: t.name for t in sites}
    print(_probe_line(as_of, observations, down, time.monotonic() - clock, names))
    say_spooled(sinks)
    if store_sink is not None and not es_away(sinks):
        _outage_alerts(config, store_sink, sites, observations)
    return 0


def _outage_alerts(
    config: Config, sink: Any, sites: list[Target], observations: list[PageObservation]
) -> None:
    """站点宕机 / 已恢复 alerts after the round (``[alerts]``; the state lives in Elasticsearch)."""
    if not config.alerts.enabled:
        return
    from govpatrol.outage import alert_outages

    report = alert_outages(config.alerts, sink.store, sites, observations, gap=sink.replayed > 0)
    if report is not None and (report.down or report.back or report.failed):
        print(f"alerts: {report.summary()}", file=sys.stderr)


def _probe_line(
    as_of: datetime,
    observations: list[PageObservation],
    down: list[PageObservation],
    took: float,
    names: dict[str, str] | None = None,
) -> str:
    names = names or {}
    shown = ", ".join(
        f"{o.target_id} {names[o.target_id]}({o.error or o.status})"
        if names.get(o.target_id)
        else f"{o.target_id}({o.error or o.status})"
        for o in down[:10]
    )
    more = f" +{len(down) - 10} more" if len(down) > 10 else ""
    tail = f"; down: {shown}{more}" if down else ""
    return (
        f"probe {as_of.isoformat()}: {len(observations)} sites, {len(observations) - len(down)} up, "
        f"{len(down)} down in {took:.1f} s{tail}"
    )


def _rollup(args: argparse.Namespace) -> int:
    """Judge the window, reconcile with the findings on record (a site back under the line is
    ``rectified`` with this window's counts as evidence), write findings, record, table."""
    from govpatrol.probe import rollup_window
    from pipelines.lifecycle import STATUSES, reconcile
    from pipelines.rules.base import Rules
    from pipelines.rules.unreachable import INDICATOR, covered

    config, sites, as_of, store = _prepare(args)
    started, clock = datetime.now(as_of.tzinfo), time.monotonic()
    rules = Rules.load(config.indicators_file or None)
    run_id = _run_id("rollup", as_of)
    rollup = rollup_window(store, sites, as_of, rules)
    codes = {t.id: t.site_code for t in sites}
    for finding in rollup.findings:
        finding.sweep_id, finding.site_code = run_id, codes.get(finding.target_id)
    store.refresh()  # the last roll-up's findings are read back: they must be searchable
    previous = store.open_findings([t.id for t in sites], indicator=INDICATOR, statuses=STATUSES)
    result = reconcile(
        previous,
        rollup.findings,
        # a window with the rule's coverage decides; a shorter one neither confirms nor clears
        lambda doc: covered(rollup.counts.get(doc.get("target_id", ""), (0, 0))[0], rules),
        {"id": run_id, "kind": "rollup"},
        as_of,
        lambda doc: {"rollup_id": run_id, **rollup.evidence(doc.get("target_id", ""))},
    )
    store.upsert_findings(result.findings)
    current = rollup.findings
    vetoes = [f for f in current if f.level == "violation" and f.status == "open"]
    record = _record(
        "rollup",
        as_of,
        started,
        clock,
        targets_planned=len(sites),
        targets_done=sum(1 for total, _ in rollup.counts.values() if total),
        targets_failed=len(vetoes),
        targets_unverified=sum(1 for f in current if f.status == "unverified"),
        targets_passed=len(sites) - len({f.target_id for f in current if f.level == "violation"}),
        sites=len(sites),
        findings=len(current),
        findings_open=len(vetoes),
        findings_opened=len(result.opened),
        findings_closed=len(result.closed),
        warnings=sum(1 for f in current if f.level == "warning"),
        by_indicator={INDICATOR: len(vetoes)} if vetoes else {},
        observations=sum(total for total, _ in rollup.counts.values()),
        targets_file=str(args.targets),
        config_file=config.source or None,
    )
    store.write_sweep(record)
    if args.output:
        from pipelines.sinks import JsonLinesSink

        sink = JsonLinesSink(args.output)
        try:
            for finding in result.findings:
                sink.write_finding(finding)
            sink.write_sweep(record)
        finally:
            sink.close()
    print(_rollup_table(current, len(sites), as_of, rectified=len(result.closed)))
    return 0


def _rollup_table(findings: list[Finding], sites: int, as_of: datetime, rectified: int = 0) -> str:
    """Sites at or above the warning ratio, worst first; sites too rarely probed for a veto
    (探测次数不足) and sites without probes counted apart."""
    short = sorted(f.target_id for f in findings if f.evidence.get("reason") == "coverage_short")
    judged = [f for f in findings if f.status != "unverified" or f.target_id in short]
    judged.sort(key=lambda f: (-(f.evidence.get("failed_ratio") or 0), f.target_id))
    unverified = [f.target_id for f in findings if f.status == "unverified" and f.target_id not in short]
    warnings = sum(f.level == "warning" and f.status == "open" for f in judged)
    lines = [
        f"SITE-VETO-UNREACHABLE roll-up to {as_of.isoformat()}: {sites} sites, "
        f"{sum(f.level == 'violation' for f in judged)} veto, {warnings} warning, "
        f"{len(short)} too few probes for a veto (探测次数不足), {len(unverified)} without probes, "
        f"{rectified} rectified since the last roll-up"
    ]
    if judged:
        lines.append(f"{'site':<12} {'probes':>6} {'failed':>6} {'ratio':>7}  {'verdict':<8} name")
        for f in judged:
            ev = f.evidence
            verdict = "veto" if f.level == "violation" else "short" if f.target_id in short else "warning"
            lines.append(
                f"{f.target_id:<12} {ev['probes_total']:>6} {ev['probes_failed']:>6} "
                f"{100 * (ev['failed_ratio'] or 0):>6.1f}%  {verdict:<8} {f.target_name}"
            )
    if unverified:
        lines.append(
            f"no probes in the window: {', '.join(unverified[:20])}{' ...' if len(unverified) > 20 else ''}"
        )
    return "\n".join(lines)
