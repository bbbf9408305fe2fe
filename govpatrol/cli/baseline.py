"""``govpatrol baseline``: the accepted look of watched pages (show), and accepting a redesign."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime
from typing import Any

from crawlers.dates import BEIJING

_HELP = """\
The first patrol of a site records the accepted look (baseline) of its homepage and key pages:
title, the hosts scripts, frames, styles and links come from, a text fingerprint that tolerates
ordinary churn, the block structure. 网页篡改 (SITE-SEC-TAMPER) compares every patrol with it. After
a legitimate redesign, accept the page as it looks now (the latest patrol's fetch); the acceptance
is recorded with who, when and the note.

examples:
  govpatrol baseline show --target S001
  govpatrol baseline accept --target S001 --page http://www.example.gov.cn/ --note "网站改版" --by 张三
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol baseline`."""
    p = subparsers.add_parser(
        "baseline",
        help="the accepted look of watched pages: show, accept a redesign",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", choices=("show", "accept"))
    p.add_argument("--target", required=True, help="the target id")
    p.add_argument("--page", help="one watched page's URL (default: every watched page of the target)")
    p.add_argument("--note", default="", help="why (recorded with the acceptance)")
    p.add_argument("--by", default="", help="who accepts (default: the login name)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--es", metavar="URL", help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)"
    )
    p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
    p.set_defaults(func=_baseline_command)


def _when(value: Any) -> str:
    if not value:
        return ""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _baseline_command(args: argparse.Namespace) -> int:
    from govpatrol import baseline
    from govpatrol.review import ReviewError
    from govpatrol.services.discovery import command_store, hint

    opened = command_store(args)
    if opened is None:
        return 2
    config, store = opened
    try:
        if args.action == "show":
            found = baseline.show(store, args.target, args.page)
        else:
            found = baseline.accept(
                store, args.target, args.page, by=args.by or getpass.getuser(), note=args.note
            )
            print(f"accepted {len(found)} baseline(s) of {args.target}")
    except ReviewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the client's transport and API errors alike
        print(f"error: Elasticsearch at {store.url}: {exc}\n{hint(config)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([b.to_dict() for b in found], ensure_ascii=False, indent=1))
        return 0
    for b in found:
        hosts = ", ".join(f"{k}: {' '.join(v)}" for k, v in sorted(b.hosts.items()) if v and k != "link")
        print(f"页面：{b.url}（{b.page_role}）  版本：{b.version}")
        print(f"  标题：{b.title}")
        print(f"  认可：{_when(b.accepted_at)} {b.accepted_by} {b.note}")
        print(
            f"  外部资源域名：{hosts or '（无）'}；链接域名 {len(b.hosts.get('link', []))} 个；页面区块 {len(b.blocks)} 个"
        )
        if b.recent_at:
            print(f"  最近一次无篡改巡查：{_when(b.recent_at)}")
    return 0
