"""``govpatrol dashboards``: import the Kibana saved objects, or check them against the index mappings."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

_HELP = """\
Kibana saved objects for inspectors (dashboards/govpatrol.ndjson): data views for findings,
observations, sweeps and targets; a saved search per indicator (僵尸账号, 首页不更新, 栏目不更新,
空白栏目, 链接不可用, 站点无法访问, 页面标识缺失, 待核实 ...); dashboards 总览, 政务新媒体,
网站可用性 and 复查. dashboards/README.md lists every object.

  import  POST the export to Kibana's saved-objects import API (objects with the same id are
          overwritten) and report what was imported and what Kibana rejected.
  check   check that every field the objects use exists in the index mappings with a usable type,
          and that every reference resolves inside the export. Without --es the mapping files the
          code installs are used; with --es the mappings are read back from Elasticsearch.

examples:
  govpatrol dashboards import --kibana http://127.0.0.1:5601
  govpatrol dashboards import --kibana https://kibana.example.gov.cn --space patrol --api-key KEY
  govpatrol dashboards check
  govpatrol dashboards check --es http://127.0.0.1:9200
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol dashboards import|check`."""
    p = subparsers.add_parser(
        "dashboards",
        help="import the Kibana dashboards, or check them against the index mappings",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="dashboards_command", metavar="{import,check}", required=True)
    imp = sub.add_parser("import", help="import dashboards/govpatrol.ndjson into Kibana")
    imp.add_argument(
        "--kibana", required=True, metavar="URL", help="Kibana base URL, e.g. http://127.0.0.1:5601"
    )
    imp.add_argument("--space", metavar="S", help="Kibana space id (default: the default space)")
    imp.add_argument(
        "--api-key",
        metavar="K",
        help="Kibana API key (base64 id:key); default: the GOVPATROL_KIBANA_API_KEY environment variable",
    )
    imp.add_argument("--file", metavar="F", help="the NDJSON export (default: dashboards/govpatrol.ndjson)")
    imp.set_defaults(func=_import_command)
    chk = sub.add_parser("check", help="check the saved objects against the index mappings")
    chk.add_argument(
        "--es", metavar="URL", help="read the mappings from this Elasticsearch instead of the files"
    )
    chk.add_argument("--config", metavar="FILE.toml", help="configuration file (index prefix, credentials)")
    chk.add_argument("--file", metavar="F", help="the NDJSON export (default: dashboards/govpatrol.ndjson)")
    chk.set_defaults(func=_check_command)


def _import_command(args: argparse.Namespace) -> int:
    from govpatrol.kibana import DEFAULT_NDJSON, KibanaError, import_saved_objects

    path = args.file or DEFAULT_NDJSON
    api_key = args.api_key or os.environ.get("GOVPATROL_KIBANA_API_KEY") or None
    try:
        result = import_saved_objects(args.kibana, path, space=args.space, api_key=api_key)
    except (KibanaError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for item in result["successResults"]:
        title = (item.get("meta") or {}).get("title", "")
        print(f"  imported {item.get('type')} {item.get('id')}  {title}")
    for err in result["errors"]:
        print(f"  FAILED   {err['type']} {err['id']}  {err['title']}: {err['error']}", file=sys.stderr)
    print(f"{result['successCount']} object(s) imported into {result['url']}, {len(result['errors'])} failed")
    return 0 if result["success"] and not result["errors"] else 1


def _check_command(args: argparse.Namespace) -> int:
    from govpatrol.kibana import DEFAULT_NDJSON, check_saved_objects, file_mappings, live_mappings

    path = args.file or DEFAULT_NDJSON
    mappings = file_mappings()
    source = "the mapping files"
    if args.es:
        from govpatrol.services.discovery import command_store

        opened = command_store(args)
        if opened is None:
            return 2
        config, store = opened
        try:
            live = live_mappings(store.es, store.prefix)
        except Exception as exc:  # the client's transport and API errors alike
            print(f"error: cannot read mappings from {store.url}: {exc}", file=sys.stderr)
            return 1
        for kind in sorted(set(mappings) - set(live)):
            print(f"note: no {store.prefix}-{kind} index yet; {kind} checked against its mapping file")
        mappings |= live
        source = f"the mappings in {store.url} (prefix {store.prefix})"
    try:
        problems = check_saved_objects(path, mappings)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"  {problem}")
    if problems:
        print(f"{len(problems)} problem(s) in {path} against {source}")
        return 1
    print(f"{path}: every field and reference checks out against {source}")
    return 0
