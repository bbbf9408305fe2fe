"""``govpatrol report``: the 通报 of one sweep or one quarter as Markdown, DOCX or HTML."""

from __future__ import annotations

import argparse
import sys
import tomllib
from typing import Any

_HELP = """\
Write the inspection report (通报) in the structure of the provincial reports: 一、总体情况 (period,
population by kind and platform, number checked, sampling ratio, failures, 合格率 to two decimals),
二、发现的主要问题 (by indicator, each failing site/account named with its owner unit), 三、复查情况
(previous failures rectified or still open), 四、下一步要求 (with the rectification deadline) and
the annexes (full lists). HTML and DOCX include pass-rate charts by platform and by region.

--quarter takes every sweep whose as-of falls in that Beijing-time quarter. Wording is set in the
config file's [report] table: scope ("全省"/"全市"), office, title, deadline_working_days (15),
deadline ("YYYY-MM-DD"), requirements ("...{deadline}...{office}..."), review_days, report_date.

examples:
  govpatrol report --quarter 2025Q1 --format docx
  govpatrol report --sweep full-20250331T020000-a1b2c3 --format html --out 通报.html
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol report`."""
    p = subparsers.add_parser(
        "report",
        help="write the inspection report (通报) as md, docx or html",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--sweep", metavar="ID", help="report on one sweep")
    which.add_argument("--quarter", metavar="YYYYQn", help="report on a quarter, e.g. 2025Q1")
    p.add_argument("--format", choices=("md", "docx", "html"), default="docx", help="default: docx")
    p.add_argument("--out", metavar="FILE", help="output file (default: 通报-<sweep|quarter>.<format>)")
    p.add_argument("--deadline", metavar="YYYY-MM-DD", help="rectification deadline (overrides [report])")
    p.add_argument(
        "--targets",
        metavar="FILE",
        help="the targets registry the 总数 (population) come from (default: the registry file the "
        "inspection sweep read, else every target on record)",
    )
    p.add_argument("--config", metavar="FILE.toml", help="configuration file ([elasticsearch], [report])")
    p.add_argument(
        "--es", metavar="URL", help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)"
    )
    p.set_defaults(func=_report_command)


def _config(path: str | None, es: str | None) -> Any:
    """The config with the Elasticsearch URL resolved as every command does."""
    from govpatrol.services.discovery import load_app_config

    return load_app_config(path, es)


def _report_command(args: argparse.Namespace) -> int:
    from datetime import date

    from crawlers.config import ConfigError
    from govpatrol.report import ReportError, load_settings, write_report
    from pipelines.store import Store, StoreUnavailable

    try:
        config = _config(args.config, args.es)
        settings = load_settings(args.config)
        if args.deadline:
            date.fromisoformat(args.deadline)
            settings.deadline = args.deadline
    except (ConfigError, ReportError, tomllib.TOMLDecodeError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: --deadline: {exc}", file=sys.stderr)
        return 2
    registry = None
    if args.targets:
        from crawlers.registry import RegistryError, load_targets

        try:
            registry = load_targets(args.targets, indicators=config.indicators_file or None)
        except RegistryError as exc:
            print(f"error: {args.targets}: " + "\n".join(exc.errors[:20]), file=sys.stderr)
            return 2
    store = Store(config.elasticsearch)
    try:
        store.health()
        path = write_report(
            store,
            sweep_id=args.sweep,
            quarter=args.quarter,
            fmt=args.format,
            out=args.out,
            config=settings,
            indicators_file=config.indicators_file or None,
            registry=registry,
        )
    except StoreUnavailable as exc:
        from govpatrol.services.discovery import hint

        print(f"error: {exc}\n{hint(config)}", file=sys.stderr)
        return 1
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0
