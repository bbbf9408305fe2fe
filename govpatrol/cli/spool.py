"""``govpatrol spool status|replay``: records a run could not write to Elasticsearch, on disk.

A sweep or probe that found Elasticsearch away, or waited ``[elasticsearch] outage_wait`` seconds
in vain, leaves its records in the spool; ``replay`` delivers them (oldest first) to the node in use
now, found like every command finds it, into the index prefix they were written for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawlers.config import Config, ConfigError
from govpatrol.services.discovery import hint, load_app_config

SPOOL_HELP = """\
When Elasticsearch is unreachable or refuses a bulk write, a sweep or probe keeps its observations,
findings and summaries in a spool on disk (one directory per run id) and delivers them, in order,
when Elasticsearch returns. `replay` sends every spool to the node in use now (--es, the config's
[elasticsearch] url, GOVPATROL_ES_URL, or the node `govpatrol services start` recorded), into the
index prefix each spool was written for, and exits 1 while records remain. Records Elasticsearch
refuses for good (a mapping error) go to the spool's dead-letter.jsonl with the reason.

examples:
  govpatrol spool status                      # what waits, per run, and where it would go
  govpatrol spool replay                      # deliver it (the next sweep would do so first, too)
  govpatrol spool replay --es http://127.0.0.1:9201
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
        ("status", "list each run's spool: records waiting, dead letters, in use, and where they go"),
        ("replay", "deliver every spool to the Elasticsearch in use now, oldest first"),
    ):
        a = actions.add_parser(name, help=help_text, description=help_text)
        a.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
        a.add_argument("--dir", metavar="DIR", help="the spool root (default: [elasticsearch] spool_dir)")
        a.add_argument(
            "--es",
            metavar="URL",
            help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)",
        )
        a.set_defaults(func=_status if name == "status" else _replay)
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])


def _root(args: argparse.Namespace) -> tuple[Config, Path]:
    from pipelines.spool import spool_root

    config = load_app_config(args.config, args.es)
    return config, Path(args.dir) if args.dir else spool_root(config.elasticsearch)


def _status(args: argparse.Namespace) -> int:
    from pipelines.spool import list_spools
    from pipelines.store import safe_url

    try:
        config, root = _root(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    spools = list_spools(root)
    if not spools:
        print(f"nothing spooled in {root}")
        return 0
    print(f"{'run':40} {'waiting':>9} {'segments':>8} {'MB':>8} {'dead':>6} {'prefix':>12}  state")
    for s in spools:
        state = "in use" if s.in_use else ("to replay" if s.pending else "done")
        mb = s.bytes / 1e6
        print(
            f"{s.name:40} {s.pending:>9,} {s.segments:>8} {mb:>8.1f} {s.dead_letters:>6} "
            f"{s.prefix or '?':>12}  {state}"
        )
    now = safe_url(config.elasticsearch.url)
    for url in sorted({s.es for s in spools if s.es and s.es != now}):
        print(f"written for {url}: {', '.join(s.name for s in spools if s.es == url)}")
    waiting = sum(s.pending for s in spools)
    dead = sum(s.dead_letters for s in spools)
    print(f"{waiting:,} records waiting, {dead:,} dead letters in {root}")
    if waiting:
        print(f"`govpatrol spool replay` would deliver them to {now} (from {config.es_url_from})")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from pipelines.essink import index_preparer
    from pipelines.spool import list_spools, replay_all
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
        print(f"error: {exc}; the spool in {root} is kept\n{hint(config)}", file=sys.stderr)
        return 1
    for s in list_spools(root):
        if s.pending and s.es and s.es != store.url:
            print(f"{s.name}: written for {s.es}, delivered to {store.url}", file=sys.stderr)
    send = lambda records: store.send_records(records, bulk_attempts=1)  # noqa: E731
    try:
        result = replay_all(root, send, prepare=index_preparer(store))
    except StoreUnavailable as exc:
        print(f"error: {exc}; the spool in {root} is kept", file=sys.stderr)
        return 1
    print(
        f"delivered {result.delivered:,} records to {store.url} from {root}; {result.rejected:,} refused for good"
    )
    for name in result.busy or []:
        print(f"skipped {name}: in use by a running sweep", file=sys.stderr)
    if result.rejected:
        print("refused records and the reasons are in each spool's dead-letter.jsonl", file=sys.stderr)
    if result.stopped:
        print(f"error: replay stopped at {result.stopped}; run it again later", file=sys.stderr)
    left = sum(s.pending for s in list_spools(root))
    if left:
        print(f"error: {left:,} records still wait in {root}", file=sys.stderr)
        return 1
    return 0
