"""``govpatrol findings``: search the findings in Elasticsearch and show them as a table or a file."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from crawlers.dates import BEIJING
from govpatrol.exports import csv_cell, xlsx_cell
from govpatrol.labels import PLATFORM_LABELS, SEVERITY_ZH, STATUS_ZH

FORMATS = ("table", "csv", "xlsx", "json")
HEADERS = (
    "单位",
    "地区",
    "对象",
    "对象编号",
    "平台",
    "标识码",
    "网址",
    "问题",
    "级别",
    "状态",
    "首次发现",
    "最近发现",
    "说明",
)
TABLE_COLUMNS = (0, 1, 2, 7, 8, 9, 10, 11, 12)  # the terminal table leaves ids, URL and codes out
_TIME_FORMAT = "%Y-%m-%d %H:%M"

_HELP = """\
Search the findings (问题) on record in Elasticsearch. Every filter narrows the result (AND):

  --region    part of the region: "苏州市" finds 江苏省苏州市 and every district under it
  --owner     part of the owner unit's name: "公安局" finds every 公安局
  --indicator an id (SITE-VETO-HOME-STALE), a Chinese name (首页不更新) or part of names
              (链接不可用 finds both dead-link indicators)
  --status    open (未整改) | rectified (已整改) | unverified (待核实) | dismissed (已排除),
              in English or in the words the tables print
  --platform  weibo (微博), wechat (微信公众号), douyin (抖音), ...: either word
  --since     last seen on or after: 2025-03-01 (Beijing midnight), 2025-03-01T08:00+08:00, or 7d / 12h / 2w

Rows are sorted by region, owner unit and indicator. Formats: table (Chinese headers, to the
terminal), csv (a file written with --out has a UTF-8 BOM so Excel reads it), xlsx (needs --out;
times are Excel dates), json (JSON Lines: one stored finding document per line). CSV and XLSX add the
target id, platform, 标识码 and URL; a cell that would start a formula (=, +, -, @) is kept as text.

examples:
  govpatrol findings --region 苏州市 --status open
  govpatrol findings --indicator 首页不更新 --since 7d --format csv --out 首页不更新.csv
  govpatrol findings --kind account --platform weibo --format xlsx --out 微博.xlsx
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol findings`."""
    p = subparsers.add_parser(
        "findings",
        help="search findings in Elasticsearch (table, CSV, XLSX or JSON Lines)",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--region", metavar="R", help="part of the region, e.g. 苏州市")
    p.add_argument("--owner", metavar="O", help="part of the owner unit's name")
    p.add_argument("--indicator", metavar="I", help="indicator id or Chinese name, e.g. 首页不更新")
    p.add_argument(
        "--status", metavar="S", help="open | rectified | unverified | dismissed, or 未整改 | 已整改 | ..."
    )
    p.add_argument("--since", metavar="D", help="last seen on or after: ISO date/datetime or 7d, 12h, 2w")
    p.add_argument("--kind", metavar="K", help="site | account (or 网站 | 政务新媒体)")
    p.add_argument(
        "--platform", metavar="P", help="new-media platform, e.g. weibo or 微博, wechat or 微信公众号"
    )
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    p.add_argument("--out", metavar="FILE", help="output file (default: stdout; required for xlsx)")
    p.add_argument("--limit", type=int, default=10000, help="at most this many findings (default: 10000)")
    p.add_argument(
        "--es",
        metavar="URL",
        help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)",
    )
    p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
    p.set_defaults(func=findings_command)


def findings_command(args: argparse.Namespace) -> int:
    """Run the search and write the result; 2 for bad input, 1 when Elasticsearch is unreachable."""
    from crawlers.config import ConfigError
    from govpatrol.findings_search import SearchError, build_query, search
    from govpatrol.services.discovery import hint, load_app_config
    from pipelines.store import Store, StoreUnavailable

    try:
        config = load_app_config(args.config, args.es)
        build_query(
            region=args.region,
            owner=args.owner,
            indicator=args.indicator,
            status=args.status,
            since=args.since,
            kind=args.kind,
            platform=args.platform,
            indicators_file=config.indicators_file or None,
        )
    except (SearchError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "xlsx" and not args.out:
        print("error: --format xlsx needs --out FILE.xlsx", file=sys.stderr)
        return 2
    if not config.elasticsearch.url:
        print("error: no Elasticsearch URL configured ([elasticsearch] url is empty)", file=sys.stderr)
        return 2
    store = Store(config.elasticsearch)
    try:
        store.health()
        docs = search(
            store,
            region=args.region,
            owner=args.owner,
            indicator=args.indicator,
            status=args.status,
            since=args.since,
            kind=args.kind,
            platform=args.platform,
            limit=args.limit,
            indicators_file=config.indicators_file or None,
        )
    except StoreUnavailable:
        print(
            f"error: Elasticsearch at {store.url} is unreachable or failed\n{hint(config)}",
            file=sys.stderr,
        )
        return 1
    out = Path(args.out) if args.out else None
    write_findings(docs, args.format, out, indicators_file=config.indicators_file or None)
    if args.out:
        print(f"{len(docs)} finding(s) written to {args.out}", file=sys.stderr)
    return 0


def _when(value: Any) -> datetime | None:
    """A stored time as Beijing wall time."""
    if not value:
        return None
    return datetime.fromisoformat(str(value)).astimezone(BEIJING)


def finding_record(doc: dict[str, Any], names: dict[str, str]) -> list[Any]:
    """One finding as the columns of ``HEADERS`` (Chinese labels; times as Beijing datetimes)."""
    level = SEVERITY_ZH.get(doc.get("severity", ""), doc.get("severity", ""))
    if doc.get("level") == "warning":
        level += "（预警）"
    indicator = doc.get("indicator", "")
    platform = doc.get("platform") or ""
    return [
        doc.get("owner") or "",
        doc.get("region") or "",
        doc.get("target_name") or doc.get("target_id", ""),
        doc.get("target_id") or "",
        PLATFORM_LABELS.get(platform, platform) if doc.get("kind") == "account" else "网站",
        doc.get("site_code") or "",
        doc.get("subject_url") or "",
        names.get(indicator, indicator),
        level,
        STATUS_ZH.get(doc.get("status", ""), doc.get("status", "")),
        _when(doc.get("first_seen")),
        _when(doc.get("last_seen")),
        doc.get("message") or "",
    ]


def finding_row(doc: dict[str, Any], names: dict[str, str]) -> list[str]:
    """The same columns as text (times as ``YYYY-MM-DD HH:MM``)."""
    return [
        v.strftime(_TIME_FORMAT) if isinstance(v, datetime) else str(v) for v in finding_record(doc, names)
    ]


def write_findings(docs: list[dict], fmt: str, out: Path | None, indicators_file: str | None = None) -> None:
    """Write ``docs`` in ``fmt`` to ``out`` (or stdout); xlsx needs a file."""
    from govpatrol.findings_search import indicator_names

    if fmt == "json":
        text = "".join(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n" for doc in docs)
        _emit(text, out, encoding="utf-8")
        return
    names = indicator_names(indicators_file)
    if fmt == "xlsx":
        if out is None:
            raise ValueError("xlsx needs an output file")
        _write_xlsx([finding_record(doc, names) for doc in docs], out)
        return
    rows = [finding_row(doc, names) for doc in docs]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(HEADERS)
        writer.writerows([csv_cell(c) for c in row] for row in rows)
        # a BOM in files only: Excel needs it, pipes into other tools do not
        _emit(buf.getvalue(), out, encoding="utf-8-sig")
    elif fmt == "table":
        rows = [[row[i] for i in TABLE_COLUMNS] for row in rows]
        if out is None:
            _print_table(rows, sys.stdout)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8") as fh:
                _print_table(rows, fh)
    else:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def _emit(text: str, out: Path | None, encoding: str) -> None:
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding=encoding, newline="") as fh:
        fh.write(text)


def _print_table(rows: list[list[str]], file: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"问题清单（{len(rows)} 条）", show_lines=False)
    for i in TABLE_COLUMNS:
        table.add_column(HEADERS[i], overflow="fold")
    for row in rows:
        table.add_row(*row)
    # off a terminal (a pipe, a file) rows must not wrap: a wide fixed width keeps one line per finding
    width = None if file.isatty() else 400
    Console(file=file, width=width, highlight=False).print(table)


def _write_xlsx(rows: list[list[Any]], out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "问题清单"
    fill = PatternFill("solid", fgColor="DDEBF7")
    widths = (24, 18, 24, 12, 10, 12, 40, 16, 12, 8, 17, 17, 60)
    for col, (header, chars) in enumerate(zip(HEADERS, widths, strict=True), start=1):
        cell = xlsx_cell(sheet, 1, col, header)
        cell.font, cell.fill = Font(bold=True), fill
        sheet.column_dimensions[get_column_letter(col)].width = chars
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            xlsx_cell(sheet, r, col, value)
    sheet.freeze_panes = "A2"
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
