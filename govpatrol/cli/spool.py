"""``govpatrol spool status|replay``: records a sweep could not write to Elasticsearch, on disk.

A sweep that waited ``[elasticsearch] outage_wait`` seconds in vain exits non-zero and leaves its
records in the spool; ``replay`` delivers them (oldest sweep first) once Elasticsearch is back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawlers.config import ConfigError, load_config

SPOOL_HELP = """\
When Elasticsearch is unreachable or refuses a bulk write, a sweep keeps its observations, findings
and summaries in a spool on disk (one directory per sweep id) and delivers them, in order, when
Elasticsearch returns. Records Elasticsearch refuses for good (a mapping error) go to the spool's
dead-letter.jsonl with the reason.

examples:
  govpatrol spool status                      # what waits, per sweep
  govpatrol spool replay --config prod.toml   # deliver it (the next sweep would do so first, too)
"""


def add_cli(sub: Any) -> None:
    p = sub.add_parser(
        "spool",
        help="records waiting on disk for Elasticsearch: status, replay",
        description=SPOOL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="spool_action", metavar="ACTION")
    for name, help_text in (
        ("status", "list each sweep's spool: records waiting, dead letters, in use"),
        ("replay", "deliver every spool to Elasticsearch, oldest sweep first"),
    ):
        a = actions.add_parser(name, help=help_text, description=help_text)
        a.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
        a.add_argument("--dir", metavar="DIR", help="the spool root (default: [elasticsearch] spool_dir)")
        if name == "replay":
            a.add_argument(
                "--es",
                metavar="URL",
                help="Elasticsearch URL (default: config); only spools written for it are replayed",
            )
        a.set_defaults(func=_status if name == "status" else _replay)
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])


def _root(args: argparse.Namespace) -> tuple[Any, Path]:
    from pipelines.spool import spool_root

    config = load_config(args.config)
    if getattr(args, "es", None):
        config.elasticsearch.url = args.es
    return config, Path(args.dir) if args.dir else spool_root(config.elasticsearch)


def _status(args: argparse.Namespace) -> int:
    from pipelines.spool import list_spools

    try:
        _, root = _root(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    spools = list_spools(root)
    if not spools:
        print(f"nothing spooled in {root}")
        return 0
    print(f"{'sweep':40} {'waiting':>9} {'segments':>8} {'MB':>8} {'dead':>6}  state")
    for s in spools:
        state = "in use" if s.in_use else ("to replay" if s.pending else "done")
        mb = s.bytes / 1e6
        print(f"{s.name:40} {s.pending:>9,} {s.segments:>8} {mb:>8.1f} {s.dead_letters:>6}  {state}")
    for url in sorted({s.es for s in spools if s.es}):
        print(f"for {url}: {', '.join(s.name for s in spools if s.es == url)}")
    waiting = sum(s.pending for s in spools)
    dead = sum(s.dead_letters for s in spools)
    print(f"{waiting:,} records waiting, {dead:,} dead letters in {root}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from pipelines.spool import replay_all
    from pipelines.store import Store, StoreUnavailable

    try:
        config, root = _root(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = Store(config.elasticsearch)
    try:
        store.health()
        store.ensure_indices()
    except StoreUnavailable as exc:
        print(f"error: {exc}; the spool in {root} is kept", file=sys.stderr)
        return 1
    send = lambda records: store.send_records(records, bulk_attempts=1)  # noqa: E731
    result = replay_all(root, send, es=store.url)
    print(f"delivered {result.delivered:,} records from {root}; {result.rejected:,} refused for good")
    for name in result.busy or []:
        print(f"skipped {name}: in use by a running sweep", file=sys.stderr)
    if result.rejected:
        print("refused records and the reasons are in each spool's dead-letter.jsonl", file=sys.stderr)
    if result.stopped:
        print(f"error: replay stopped at {result.stopped}; run it again later", file=sys.stderr)
        return 1
    return 0
