"""``govpatrol services start|stop|status``: the command line over :mod:`govpatrol.services`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from govpatrol.services import (
    SERVICES,
    ServiceError,
    check_chromium,
    ensure_elasticsearch_entry,
    ensure_redis_entry,
    status,
    stop,
)

_HELP = """\
Run the genuine local services govpatrol needs for development, tests and the offline demo:
  elasticsearch  Elastic's runnable distribution (Maven Central, cached in $GOVPATROL_CACHE or
                 /var/cache/govpatrol as root, ~/.cache/govpatrol otherwise), single node on
                 127.0.0.1:9200 or a free port, data in a temp dir removed on stop
  redis          Debian redis-server on 127.0.0.1:6379 or a free port, no persistence (distributed mode)
  chromium       checks Debian Chromium renders headless (nothing to start)
State lives in $GOVPATROL_RUN_DIR (default /tmp/govpatrol-services/state.json): `start` reuses what is
already running, `stop` ends it. In a shell:
  eval "$(govpatrol services start --only elasticsearch | grep ^export)"   # sets GOVPATROL_ES_URL
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
        ("start", _cli_start, "start (or reuse) services and print `export` lines for the shell"),
        ("stop", _cli_stop, "stop services and delete their temporary data"),
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
        cmd.set_defaults(func=func)


def _cli_start(args: argparse.Namespace) -> int:
    failed = 0
    for name in args.only or SERVICES:
        try:
            if name == "chromium":
                info = check_chromium()
                print(f"chromium {info['version']} at {info['path']}")
                continue
            entry, reused = ensure_elasticsearch_entry() if name == "elasticsearch" else ensure_redis_entry()
            how = "already running" if reused else f"started in {entry['startup_s']} s"
            print(f"{name} {entry['version']} ready at {entry['url']} ({how}, pid {entry['pid']})")
            print(f"export GOVPATROL_{'ES' if name == 'elasticsearch' else 'REDIS'}_URL={entry['url']}")
        except ServiceError as exc:
            failed += 1
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
    return 1 if failed else 0


def _cli_stop(args: argparse.Namespace) -> int:
    stop([s for s in (args.only or SERVICES) if s != "chromium"])
    return 0


def _cli_status(args: argparse.Namespace) -> int:
    report = status()
    print(json.dumps({k: v for k, v in report.items() if not args.only or k in args.only}, indent=2))
    return 0
