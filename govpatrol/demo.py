"""``govpatrol demo``: the whole job offline — local Elasticsearch, the simulated web, a full sweep,
then two 2-hour patrols of the simulated hacked sites with the review step (:mod:`govpatrol.demowatch`).

It also checks the sweep against the simulated web's ground truth and says what, if anything, was
missed, so the demo doubles as a smoke test a user can run on a new machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawlers.models import Finding
from govpatrol.cli.event import print_table
from govpatrol.console import print_summary
from govpatrol.demodesk import serve_demo_desk
from govpatrol.demowatch import run_watch_demo
from govpatrol.sweep import InputError, SweepFailed, SweepOptions, parse_as_of, run_sweep

# the demo's own indices: a node it reuses (the office's, kept across restarts) keeps its data apart
DEMO_PREFIX = "govpatrol-demo"


def run_demo(args: argparse.Namespace) -> int:
    from govpatrol import services
    from govpatrol.demoevent import demo_event_rows, register_demo_event, repost_problems
    from simweb.accounts import build_accounts
    from simweb.reposts import plant_repost_event
    from simweb.server import SimulatedWeb
    from simweb.verify import compare_with_truth
    from simweb.world import build_world

    try:
        as_of = parse_as_of(args.as_of)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started_es = False
    es_url = ""
    if not args.no_es:
        was_running = bool(services.status().get("elasticsearch", {}).get("running"))
        print(
            "demo: starting the local Elasticsearch (first run downloads it from Maven Central)...",
            file=sys.stderr,
            flush=True,
        )
        es_url = services.ensure_elasticsearch()
        started_es = not was_running
    accounts = build_accounts(as_of)
    plan = plant_repost_event(accounts)  # a 重大事件 the Kunshan accounts must repost
    web = SimulatedWeb(build_world(as_of), accounts=accounts).start()
    event, rows = None, []
    try:
        targets = web.write_targets_csv(out / "targets.csv", content_watch=True)
        config = web.write_config(out / "config.toml", es_url=es_url, index_prefix=DEMO_PREFIX)
        web.write_truth(out / "truth.json")
        truth = web.truth()
        platforms = len(web.accounts.servers) if web.accounts else 0
        print(
            f"demo: simulated web on 127.0.0.1:{web.port}: {len(truth['sites'])} sites, "
            f"{len(truth.get('accounts', {}))} accounts on {platforms} simulated platforms",
            file=sys.stderr,
            flush=True,
        )
        options = SweepOptions(
            targets=targets,
            as_of=as_of,
            kind="full",
            output=str(out / "findings.jsonl"),
            es_url=es_url or None,
            use_es=not args.no_es,
            config_path=str(config),
        )
        if not args.no_es:
            event = register_demo_event(config, targets, plan, as_of)
        result = run_sweep(options)
        if event is not None:
            rows = demo_event_rows(config, event, as_of)
        reports = _write_reports(out, result.sweep_id, config) if not args.no_es else []
        watch = run_watch_demo(web, out, es_url, f"{DEMO_PREFIX}-watch", not args.no_es)
    except (InputError, SweepFailed, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        web.stop()
        if started_es and not args.keep_services and not _desk(args):
            services.stop(["elasticsearch"])
    print_summary(result, output=options.output)
    print_review(result.findings)
    if event is not None:
        print_table(event.id, rows, as_of)
    problems = compare_with_truth(truth, result.findings, result.summaries, content_watch=True)
    problems += repost_problems(truth, rows) if event is not None else []
    if problems:
        print(f"ground truth: {len(problems)} differences:")
        for line in problems:
            print(f"  - {line}")
    else:
        print(
            "ground truth: every planted problem found, no healthy site vetoed, every account's state right"
            + (", every account of the 重大事件 judged right " if event is not None else " ")
            + f"({len(truth['sites'])} sites, {len(truth.get('accounts', {}))} accounts); content watch: "
            f"{planted_hits(truth)} planted expressions and personal numbers raised for review, nothing else"
        )
    for line in watch:
        print(f"  - security watch: {line}")
    if not watch:
        print(
            "security watch: every planted incident raised, nothing on the healthy sites, the dismissed hit not again"
        )
    if es_url and (args.keep_services or not started_es):
        print(f"Elasticsearch: findings in {es_url} (index prefix {DEMO_PREFIX}), left running")
    elif es_url and not _desk(args):
        print(
            "Elasticsearch: findings were written to the demo node, now stopped "
            "(run with --keep-services to explore them)"
        )
    for path in reports:
        print(f"report (通报): {path}")
    if _desk(args):
        try:
            serve_demo_desk(config, args.desk_port)
        finally:
            if started_es and not args.keep_services:
                services.stop(["elasticsearch"])
    return 0


REVIEW_SHOWN = 5  # hits the demo prints from the review queue


def print_review(findings: list[Finding]) -> None:
    """A few content-watch hits waiting for a person (the review queue's job), one line each."""
    waiting = [f for f in findings if f.status == "pending_review"]
    if not waiting:
        return
    print(f"waiting in review (待人工审核): {len(waiting)}, for example:")
    for f in sorted(waiting, key=lambda f: (f.indicator, f.target_id, f.subject_url))[:REVIEW_SHOWN]:
        print(f"  - {f.target_id} {f.indicator}: {f.message}  {f.subject_url}")


def planted_hits(truth: dict[str, Any]) -> int:
    """How many content-watch hits the simulated web plants (pages, attachments, posts)."""
    sites = sum(len(site["expect"]) for site in truth.get("content_watch", {}).values())
    return sites + sum(len(a.get("content_watch", [])) for a in truth.get("accounts", {}).values())


def _desk(args: argparse.Namespace) -> bool:
    """Whether the demo serves the duty desk after the sweep: not without Elasticsearch, and only for
    a person at a terminal (a script or CI running the demo gets its exit status, never a server)."""
    wanted = not args.no_es and not getattr(args, "no_desk", True)
    return wanted and (getattr(args, "desk", False) or sys.stdin.isatty())


def _write_reports(out: Path, sweep_id: str, config: Path) -> list[Path]:
    """The sweep's 通报 draft, as HTML (charts inline) and DOCX, while the demo's Elasticsearch is up."""
    from crawlers.config import load_config
    from govpatrol.report import write_report
    from pipelines.store import Store

    store = Store(load_config(config).elasticsearch)
    store.refresh()
    return [
        write_report(store, sweep_id=sweep_id, fmt=fmt, out=out / f"通报-{sweep_id}.{fmt}", config=config)
        for fmt in ("html", "docx")
    ]
