"""``govpatrol sweeps``: the runs on record (sweeps, re-checks, roll-ups, probe rounds), newest first,
with the ids that ``report --sweep``, ``findings`` and the ledger refer to."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from crawlers.dates import BEIJING

KINDS = ("full", "patrol", "recheck", "rollup", "probe")
_HELP = """\
List the runs recorded in Elasticsearch, newest first: id, kind, as-of time (Beijing), targets
planned / done / failed / unverified and findings opened / closed. Probe rounds (one an hour) are
left out unless --kind probe asks for them.

examples:
  govpatrol sweeps
  govpatrol sweeps --kind full --limit 5
  govpatrol report --sweep "$(govpatrol sweeps --kind full --ids | head -1)" --format docx
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol sweeps`."""
    p = subparsers.add_parser(
        "sweeps",
        help="list the sweeps (and re-checks, roll-ups, probe rounds) on record, newest first",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--kind", choices=KINDS, help="only runs of this kind")
    p.add_argument("--limit", type=int, default=20, help="at most this many (default: 20)")
    p.add_argument("--ids", action="store_true", help="print the ids only, one a line")
    p.add_argument(
        "--es", metavar="URL", help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)"
    )
    p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
    p.set_defaults(func=_sweeps_command)


def list_sweeps(store: Any, kind: str | None, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` run records (probe rounds only when asked for by ``kind``)."""
    query: dict[str, Any] = (
        {"term": {"kind": kind}} if kind else {"bool": {"must_not": [{"term": {"kind": "probe"}}]}}
    )
    resp = store.es.search(
        index=store.index_name("sweeps"),
        query={"bool": {"filter": [query, {"exists": {"field": "as_of"}}]}},
        sort=[{"as_of": "desc"}, {"id": "asc"}],
        size=max(1, limit),
        ignore_unavailable=True,
    )
    return [hit["_source"] for hit in resp["hits"]["hits"]]


def _when(value: Any) -> str:
    return datetime.fromisoformat(str(value)).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if value else ""


def _sweeps_command(args: argparse.Namespace) -> int:
    from govpatrol.services.discovery import command_store, hint

    opened = command_store(args)
    if opened is None:
        return 2
    config, store = opened
    try:
        docs = list_sweeps(store, args.kind, args.limit)
    except Exception as exc:  # the client's transport and API errors alike
        print(f"error: Elasticsearch at {store.url}: {exc}\n{hint(config)}", file=sys.stderr)
        return 1
    if args.ids:
        print("\n".join(str(d["id"]) for d in docs))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"runs on record ({len(docs)})", header_style="bold")
    for col in (
        "id",
        "kind",
        "as of (Beijing)",
        "planned",
        "done",
        "failed",
        "unverified",
        "opened",
        "closed",
    ):
        table.add_column(
            col, no_wrap=True, justify="left" if col in ("id", "kind", "as of (Beijing)") else "right"
        )
    for d in docs:
        table.add_row(
            str(d.get("id", "")),
            str(d.get("kind", "")),
            _when(d.get("as_of")),
            *(
                str(d.get(k, ""))
                for k in ("targets_planned", "targets_done", "targets_failed", "targets_unverified")
            ),
            *(str(d.get(k, "")) for k in ("findings_opened", "findings_closed")),
        )
    Console(width=None if sys.stdout.isatty() else 200, highlight=False).print(table)
    return 0
