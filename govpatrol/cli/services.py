"""``govpatrol services start|stop|status``: the command line over :mod:`govpatrol.services`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from govpatrol.services import (
    SERVICES,
    ServiceError,
    check_chromium,
    default_data_dir,
    ensure_elasticsearch_entry,
    ensure_redis_entry,
    read_state,
    status,
    stop,
)
from govpatrol.services.elasticsearch import throwaway

_HELP = """\
Run the genuine local services govpatrol needs:
  elasticsearch  Elastic's runnable distribution (Maven Central, cached in $GOVPATROL_CACHE or
                 /var/cache/govpatrol as root, ~/.cache/govpatrol otherwise), single node on
                 127.0.0.1:9200 or a free port. Its data lives in a persistent directory
                 (--data-dir; default /var/lib/govpatrol/elasticsearch as root,
                 ~/.local/share/govpatrol/elasticsearch otherwise): findings, their history and
                 the alert marks survive stop, start and reboots. `stop --purge` deletes it.
  redis          Debian redis-server on 127.0.0.1:6379 or a free port, no persistence (distributed mode)
  chromium       checks Debian Chromium renders headless (nothing to start)
State lives in $GOVPATROL_RUN_DIR (default /tmp/govpatrol-services/state.json): `start` reuses what is
already running, `stop` ends it, and every command (sweep, probe, findings, report, ...) finds the
node there unless --es, the config's [elasticsearch] url or GOVPATROL_ES_URL names another.
Tests and the demo start throw-away nodes in temporary directories, removed on stop.
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol services {start,stop,status}`."""
    parser = subparsers.add_parser(
        "services",
        help="start/stop/status of local Elasticsearch, Redis, Chromium",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="services_command", required=True, metavar="{start,stop,status}")
    for name, func, text in (
        ("start", _cli_start, "start (or reuse) services; commands find them without any export"),
        ("stop", _cli_stop, "stop services (the Elasticsearch data is kept unless --purge)"),
        ("status", _cli_status, "show what runs, where, since when (JSON)"),
    ):
        cmd = sub.add_parser(
            name,
            help=text,
            description=f"{text}.\n\n{_HELP}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        cmd.add_argument(
            "--only",
            nargs="+",
            choices=SERVICES,
            metavar="SERVICE",
            help=f"limit to these services ({', '.join(SERVICES)}); default: all",
        )
        if name == "start":
            cmd.add_argument(
                "--data-dir",
                metavar="DIR",
                help=f"where Elasticsearch keeps its data (default: {default_data_dir()})",
            )
        if name == "stop":
            cmd.add_argument(
                "--purge", action="store_true", help="also delete the Elasticsearch data directory"
            )
        cmd.set_defaults(func=func)


def _cli_start(args: argparse.Namespace) -> int:
    failed = 0
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    for name in args.only or SERVICES:
        try:
            if name == "chromium":
                info = check_chromium()
                print(f"chromium {info['version']} at {info['path']}")
                continue
            if name == "elasticsearch":
                entry, reused = _start_es(data_dir, explicit=bool(args.data_dir))
            else:
                entry, reused = ensure_redis_entry()
            how = "already running" if reused else f"started in {entry['startup_s']} s"
            print(f"{name} {entry['version']} ready at {entry['url']} ({how}, pid {entry['pid']})")
            if name == "elasticsearch":
                kept = "throw-away, deleted on stop" if throwaway(entry) else "kept across restarts"
                print(f"elasticsearch data in {entry['data_dir']} ({kept})")
        except ServiceError as exc:
            failed += 1
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
    return 1 if failed else 0


def _start_es(data_dir: Path, explicit: bool) -> tuple[dict[str, Any], bool]:
    """The persistent node; a throw-away node that already runs (a test session's, the demo's) is
    reused unless --data-dir asks for a specific directory."""
    running = read_state().get("elasticsearch")
    if running and throwaway(running) and not explicit and status()["elasticsearch"]["running"]:
        print(
            f"note: a throw-away node (tests or the demo) runs at {running['url']}; using it. "
            "`govpatrol services stop` ends it, then `start` brings up the persistent node",
            file=sys.stderr,
        )
        return ensure_elasticsearch_entry()
    return ensure_elasticsearch_entry(data_dir=data_dir)


def _cli_stop(args: argparse.Namespace) -> int:
    try:
        stop([s for s in (args.only or SERVICES) if s != "chromium"], purge=args.purge)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _cli_status(args: argparse.Namespace) -> int:
    report = status()
    print(json.dumps({k: v for k, v in report.items() if not args.only or k in args.only}, indent=2))
    return 0
