"""``govpatrol review``: the security hits waiting for a person (list, show, confirm, dismiss)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from govpatrol.reviewtable import indicator_label, print_queue, what_matched, when

_HELP = """\
Security-watch hits (网页篡改, 暗链, 挂马, 搜索引擎劫持, 外链劫持, 错敏词, 隐私泄露) are written
pending_review: a person looks at the evidence and decides. `confirm` makes the hit a veto finding and
sends its alert at once; `dismiss` closes it and no later patrol raises the same hit again (a
dismissed 网页篡改 hit also accepts the page's new look as its baseline). Every decision is recorded
with who, when and the note.

examples:
  govpatrol review list
  govpatrol review show 3f2a9c0d1e2b4a5c6d7e
  govpatrol review show 3f2a9c0d1e2b4a5c6d7e --snapshot page.html   # the page as captured, inert
  govpatrol review confirm 3f2a9c0d1e2b4a5c6d7e --note "已通知网站管理员删除" --by 张三
  govpatrol review dismiss 3f2a9c0d1e2b4a5c6d7e --note "友情链接下拉菜单，非暗链"
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol review`."""
    p = subparsers.add_parser(
        "review",
        help="security hits awaiting a person: list, show, confirm, dismiss",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", choices=("list", "show", "confirm", "dismiss"))
    p.add_argument("id", nargs="?", help="the finding id (show, confirm, dismiss)")
    p.add_argument("--note", default="", help="why (recorded with the decision)")
    p.add_argument("--by", default="", help="who decides (default: the login name)")
    p.add_argument("--target", help="list: only this target id")
    p.add_argument("--indicator", help="list: only this indicator id")
    p.add_argument(
        "--snapshot", metavar="FILE.html", help="show: write the page's snapshot, made inert, here"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--es", metavar="URL", help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)"
    )
    p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
    p.set_defaults(func=_review_command)


def print_one(doc: dict[str, Any], audit: list[dict[str, Any]]) -> None:
    ev = doc.get("evidence") or {}
    print(
        f"编号：{doc['id']}  状态：{doc.get('status')}  指标：{indicator_label(str(doc.get('indicator', '')))}"
    )
    print(f"单位：{doc.get('owner', '')}  对象：{doc.get('target_name', '')}（{doc.get('target_id')}）")
    print(f"问题：{doc.get('message', '')}")
    print(f"命中内容：{what_matched(doc)}")
    print(f"问题网址：{doc.get('subject_url', '')}")
    if ev.get("page"):
        print(f"所在页面：{ev['page']}")
    shot = ev.get("snapshot") or {}
    if shot:
        print(
            f"页面快照：{Path(shot.get('root', '')) / shot.get('html', '')}"
            + (f"（截图 {shot['screenshot']}）" if shot.get("screenshot") else "")
        )
    print(f"首次发现：{when(doc.get('first_seen'))}  最近发现：{when(doc.get('last_seen'))}")
    for record in audit:
        print(
            f"审核记录：{when(record.get('at'))} {record.get('by')} {record.get('action')} {record.get('note', '')}"
        )
    print(
        "证据："
        + json.dumps({k: v for k, v in ev.items() if k not in ("observed",)}, ensure_ascii=False)[:2000]
    )


def _review_command(args: argparse.Namespace) -> int:
    from crawlers.alerts_config import load_alerts_config
    from govpatrol import review
    from govpatrol.services.discovery import command_store, hint
    from govpatrol.snapshots import write_inert

    if args.action != "list" and not args.id:
        print(f"error: review {args.action} needs a finding id", file=sys.stderr)
        return 2
    opened = command_store(args)
    if opened is None:
        return 2
    config, store = opened
    by = args.by or getpass.getuser()
    try:
        if args.action == "list":
            docs = review.pending(store, target_id=args.target, indicator=args.indicator)
            if args.json:
                print(json.dumps(docs, ensure_ascii=False, indent=1))
            else:
                print_queue(docs)
            return 0
        if args.action == "show":
            doc, audit = review.show(store, args.id)
            print(
                json.dumps({"finding": doc, "audit": audit}, ensure_ascii=False, indent=1)
            ) if args.json else print_one(doc, audit)
            if args.snapshot:
                print(f"snapshot: {write_inert(config, doc, Path(args.snapshot))}")
            return 0
        if args.action == "confirm":
            done = review.confirm(
                store, args.id, by=by, note=args.note, alerts=load_alerts_config(config.alerts)
            )
            sent = f"; {done.alert.summary()}" if done.alert else "; alerts are not configured"
            print(f"confirmed {args.id}: now open (veto){sent}")
            return 0
        done = review.dismiss(store, args.id, by=by, note=args.note)
        extra = (
            f"; baseline of {done.baseline.url} accepted (version {done.baseline.version})"
            if done.baseline
            else ""
        )
        print(f"dismissed {args.id}: the same hit is not raised again{extra}")
        return 0
    except review.ReviewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the client's transport and API errors alike
        print(f"error: Elasticsearch at {store.url}: {exc}\n{hint(config)}", file=sys.stderr)
        return 1
