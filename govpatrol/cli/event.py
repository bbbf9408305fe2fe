"""``govpatrol event add|list|show|close|watch``: 重大事件 to repost, and who has (see
:mod:`govpatrol.events`)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crawlers.config import Config
from crawlers.dates import BEIJING, parse_as_of
from crawlers.errors import InputError
from crawlers.events import format_duration

EVENT_HELP = """\
Register a 重大事件 (major event) whose authoritative post every account in scope must repost, and
follow who has. While an event is open every sweep (and the scheduler's `event watch`, every
[events] watch_minutes while any event is open) reads the posts each in-scope account published
since the event and records them; a post is a repost when its title is alike to the event's, when it
holds every keyword, or when it links to the event's URL. The deadline is --deadline (default:
the indicator data's 2 hours); a WeChat subscription account (every WeChat account whose registry
row does not say 服务号 in its 账号类型 column) has until the end of the next working day.

  govpatrol event add --title "苏州市防汛防旱指挥部关于启动防汛Ⅳ级应急响应的通告" \\
      --url https://www.suzhou.gov.cn/.../notice.shtml --keywords 防汛,Ⅳ级应急响应 \\
      --published 2025-07-01T15:00+08:00 --region 江苏省苏州市
  govpatrol event list
  govpatrol event show ev-20250701-1500-ab12     # reposted at / delay / late / missing / unverified
  govpatrol event close ev-20250701-1500-ab12

Scope: the accounts of --targets FILE (default: [scheduler] targets of the config), narrowed by
--region (the region starts with it: a city covers its districts), --owner (part of the unit's name)
and --platform (weibo, 微博, ...); comma-separated values are alternatives.
"""

HEADERS = ("单位", "账号", "平台", "状态", "转载时间", "滞后", "时限", "超时", "说明")
LIST_HEADERS = ("编号", "事件", "发布时间", "账号", "未转载", "超时", "无法核实", "待转载", "已转载", "状态")


def add_cli(sub: Any) -> None:
    p = sub.add_parser(
        "event",
        help="重大事件 to repost: add, list, show who reposted, close",
        description=EVENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="add|list|show|close|watch")
    add = actions.add_parser("add", help="register an event and the accounts that must repost it")
    add.add_argument("--title", default="", help="the authoritative post's title")
    add.add_argument("--url", default="", help="the authoritative post's URL (a repost may only link to it)")
    add.add_argument("--keywords", default="", metavar="K,K", help="words every repost contains")
    add.add_argument(
        "--published", required=True, metavar="ISO8601", help="when it was published (no offset = Beijing)"
    )
    add.add_argument(
        "--deadline", metavar="DURATION", help="e.g. 2h, 90m, 1h30m (default: the indicator data's)"
    )
    add.add_argument("--region", help="accounts whose region starts with it (comma-separated: any)")
    add.add_argument("--owner", help="accounts whose owner unit contains it")
    add.add_argument("--platform", help="accounts on these platforms (weibo, 微博, ...)")
    add.add_argument("--targets", metavar="FILE", help="the registry (default: [scheduler] targets)")
    lst = actions.add_parser("list", help="events on record, newest first, with their counts")
    lst.add_argument("--status", choices=("open", "closed", "all"), default="all")
    show = actions.add_parser("show", help="the accounts of one event, most urgent first")
    show.add_argument("id")
    show.add_argument("--as-of", metavar="ISO8601", help="judge as of this time (default: now)")
    show.add_argument("--format", choices=("table", "json"), default="table", help="json: one row per line")
    close = actions.add_parser("close", help="stop watching an event (its findings stay)")
    close.add_argument("id")
    watch = actions.add_parser("watch", help="sweep the accounts of the open events still to watch")
    watch.add_argument("--targets", metavar="FILE", help="the registry (default: [scheduler] targets)")
    watch.add_argument("--as-of", metavar="ISO8601", help="the check time (default: now)")
    watch.add_argument("--output", metavar="FILE.jsonl", help="also write the sweep as JSON Lines")
    watch.add_argument("--quiet", action="store_true", help="no progress display")
    for q in (add, lst, show, close, watch):
        q.add_argument("--config", metavar="FILE.toml", help="configuration file")
        q.add_argument("--es", metavar="URL", help="Elasticsearch URL (default: config, env, the local node)")
    p.set_defaults(func=run_event)


def run_event(args: argparse.Namespace) -> int:
    from govpatrol.services.discovery import command_store, hint
    from pipelines.store import StoreUnavailable

    opened = command_store(args)
    if opened is None:
        return 2
    config, store = opened
    try:
        return ACTIONS[args.action](args, config, store)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:
        print(f"error: {str(exc)[:500]}\n{hint(config)}", file=sys.stderr)
        return 1


def _registry_path(args: argparse.Namespace, config: Config) -> Path:
    given = args.targets or config.scheduler.targets
    if not given:
        raise InputError("--targets: give the registry (or set [scheduler] targets in the config)")
    path = Path(given)
    if not path.is_absolute() and not args.targets and config.source:
        path = Path(config.source).parent / path
    return path


def _add(args: argparse.Namespace, config: Config, store: Any) -> int:
    from govpatrol.events import Scope, new_event, open_event_store, platform_keys, split_values
    from spiders.arguments import load_registry

    try:
        published = parse_as_of(args.published)
    except InputError:
        raise InputError(
            f"--published: not an ISO 8601 time: {args.published!r} (e.g. 2025-07-01T15:00+08:00)"
        ) from None
    path = _registry_path(args, config)
    scope = Scope(
        regions=split_values(args.region),
        owners=split_values(args.owner),
        platforms=platform_keys(args.platform),
        targets_file=str(path),
    )
    event = new_event(
        load_registry(path, config.indicators_file or None),
        scope,
        title=args.title,
        url=args.url,
        keywords=split_values(args.keywords),
        published=published,
        deadline=args.deadline,
        now=datetime.now(BEIJING).replace(microsecond=0),
    )
    open_event_store(store).save(event)
    print(event.id)
    print(
        f"event {event.id}: {len(event.accounts)} accounts in scope, published {_when(event.published)}",
        file=sys.stderr,
    )
    return 0


def _when(value: datetime | str | None) -> str:
    if not value:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _list(args: argparse.Namespace, config: Config, store: Any) -> int:
    from rich.console import Console
    from rich.table import Table

    from govpatrol.events import open_event_store, verdicts_of
    from pipelines.judge import load_rules

    es = open_event_store(store)
    events = es.events(None if args.status == "all" else args.status)
    now = datetime.now(BEIJING)
    verdicts = verdicts_of(es, events, now, load_rules(config.indicators_file or None))
    table = Table(title=f"重大事件（{len(events)}）", header_style="bold")
    for header in LIST_HEADERS:
        table.add_column(header, no_wrap=header in ("编号", "发布时间"))
    for e in events:
        counts = {
            s: sum(1 for v in verdicts[e.id] if v.status == s)
            for s in ("missing", "late", "unverified", "pending", "reposted")
        }
        status = "进行中" if e.status == "open" else "已结束"
        table.add_row(
            e.id,
            e.title or e.url,
            _when(e.published),
            str(len(e.accounts)),
            *(str(c) for c in counts.values()),
            status,
        )
    Console(width=None if sys.stdout.isatty() else 200, highlight=False).print(table)
    return 0


def _show(args: argparse.Namespace, config: Config, store: Any) -> int:
    from govpatrol.events import event_rows, open_event_store
    from pipelines.judge import load_rules

    open_event_store(store)
    as_of = parse_as_of(args.as_of)
    try:
        rows = event_rows(store, args.id, as_of, load_rules(config.indicators_file or None))
    except KeyError:
        raise InputError(f"no event {args.id!r} (govpatrol event list shows them)") from None
    if args.format == "json":
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
        return 0
    print_table(args.id, rows, as_of)
    return 0


def print_table(event_id: str, rows: list[dict[str, Any]], as_of: datetime) -> None:
    """The accounts of one event as the terminal table (Chinese headers, most urgent first)."""
    from rich.console import Console
    from rich.table import Table

    from govpatrol.labels import PLATFORM_LABELS

    table = Table(title=f"重大信息转载情况 {event_id}（截至{_when(as_of)}）", header_style="bold")
    for header in HEADERS:
        table.add_column(header, no_wrap=header in ("转载时间", "时限", "状态"))
    for r in rows:
        note = r["reason"] or (f"剩余{format_duration_s(r['seconds_left'])}" if r["seconds_left"] else "")
        table.add_row(
            r["owner"],
            r["account"],
            PLATFORM_LABELS.get(r["platform"], r["platform"]),
            r["status_zh"],
            _when(r["reposted_at"]),
            r["delay"],
            _when(r["deadline"]),
            r["overdue"],
            note,
        )
    Console(width=None if sys.stdout.isatty() else 200, highlight=False).print(table)


def format_duration_s(seconds: int) -> str:
    return format_duration(timedelta(seconds=seconds))


def _close(args: argparse.Namespace, config: Config, store: Any) -> int:
    from govpatrol.events import open_event_store

    es = open_event_store(store)
    event = es.get(args.id)
    if event is None:
        raise InputError(f"no event {args.id!r} (govpatrol event list shows them)")
    es.close(event, datetime.now(BEIJING).replace(microsecond=0))
    print(f"event {event.id} closed", file=sys.stderr)
    return 0


def _watch(args: argparse.Namespace, config: Config, store: Any) -> int:
    from govpatrol.eventwatch import watch_targets
    from govpatrol.sweep import SweepFailed, SweepOptions, run_sweep

    as_of = parse_as_of(args.as_of)
    path = _registry_path(args, config)
    ids = watch_targets(config, store, as_of)
    if not ids:
        print("event watch: no open event has an account left to watch", file=sys.stderr)
        return 0
    options = SweepOptions(
        targets=path,
        as_of=as_of,
        kind="watch",
        output=args.output,
        es_url=args.es,
        config_path=args.config,
        quiet=args.quiet,
        target_ids=frozenset(ids),
    )
    try:
        result = run_sweep(options)
    except SweepFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"event watch: {len(result.summaries)} accounts checked, {len(result.reposts)} repost checks",
        file=sys.stderr,
    )
    return 0


ACTIONS = {"add": _add, "list": _list, "show": _show, "close": _close, "watch": _watch}
