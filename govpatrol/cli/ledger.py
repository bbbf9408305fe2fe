"""``govpatrol ledger``: export a month's patrol ledger (巡网台账) from Elasticsearch as CSV or XLSX."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

_HELP = """\
Export the patrol ledger (巡网台账 / 值守日志) of one month: one row per sweep recorded in the
<prefix>-sweeps index -- quarterly full sweeps, 2-hour patrols, availability probes, daily re-checks
(复查) and weekly roll-ups -- with start and end, the check time (as-of), targets planned / done /
failed / unverified, findings opened and rectified, and the sample ratio and seed of sampled sweeps.

The month is a Beijing calendar month (a sweep started 2025-04-01 00:30 Beijing time is April's).
XLSX has a title row and Chinese headers, ready to file; CSV is UTF-8 with a BOM so Excel reads it.

examples:
  govpatrol ledger --month 2025-03                       # writes ledger-2025-03.xlsx
  govpatrol ledger --month 2025-03 --format csv --out 台账-2025-03.csv
  govpatrol ledger --month 2025-03 --config govpatrol.toml
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol ledger`."""
    p = subparsers.add_parser(
        "ledger",
        help="export a month's patrol ledger (巡网台账) as CSV or XLSX",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="the month to export, e.g. 2025-03")
    p.add_argument("--format", choices=("csv", "xlsx"), default="xlsx", help="file format (default: xlsx)")
    p.add_argument("--out", metavar="FILE", help="output file (default: ledger-YYYY-MM.<format>)")
    p.add_argument(
        "--es",
        metavar="URL",
        help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)",
    )
    p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
    p.set_defaults(func=_ledger_command)


def _ledger_command(args: argparse.Namespace) -> int:
    from crawlers.config import ConfigError
    from govpatrol.ledger import LedgerError, ledger_rows, month_bounds, write_ledger
    from govpatrol.services.discovery import hint, load_app_config
    from pipelines.store import Store, StoreUnavailable

    try:
        month_bounds(args.month)
        config = load_app_config(args.config, args.es)
    except (LedgerError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not config.elasticsearch.url:
        print("error: no Elasticsearch URL configured ([elasticsearch] url is empty)", file=sys.stderr)
        return 2
    out = Path(args.out or f"ledger-{args.month.strip()}.{args.format}")
    store = Store(config.elasticsearch)
    try:
        store.health()
        rows = ledger_rows(store, args.month)
        path = write_ledger(rows, args.month, args.format, out)
    except StoreUnavailable as exc:
        print(f"error: {exc}\n{hint(config)}", file=sys.stderr)
        return 1
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"ledger {args.month.strip()}: {len(rows)} sweep(s) written to {path}")
    return 0
