"""``govpatrol targets check|template``: validate a registry without sweeping; write a template.

``check`` reads the file exactly as ``sweep`` would and prints what it holds (counts by kind, region
and platform) or every problem with its file, row and column (exit 2). ``template`` writes an XLSX
with the Chinese headers, an example row per kind and a 填写说明 sheet.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawlers.config import ConfigError, load_config

TARGETS_HELP = """\
The targets registry is the office's list of websites and new-media accounts (CSV UTF-8/GBK or
XLSX). Headers may be English (id, kind, name, owner, region, url, platform, account_id, site_code)
or Chinese (编号, 类型, 网站名称/账号名称, 主办单位, 地区, 网址, 平台, 账号ID, 网站标识码 ...).

examples:
  govpatrol targets template --out 目标清单.xlsx     # a template to fill in (with 填写说明)
  govpatrol targets check 目标清单.xlsx              # counts, or every problem with row and column
"""


def add_cli(sub: Any) -> None:
    p = sub.add_parser(
        "targets",
        help="the targets registry: check a file without sweeping, write a template",
        description=TARGETS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="targets_action", metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate a registry: counts by kind, region and platform, or every problem",
        description="Validate a registry as sweep reads it; exit 2 when it has problems.",
    )
    check.add_argument("file", metavar="FILE", help="the registry (CSV or XLSX)")
    check.add_argument(
        "--config", metavar="FILE.toml", help="configuration ([indicators] file: site code length)"
    )
    check.set_defaults(func=_check)
    template = actions.add_parser(
        "template",
        help="write an XLSX template with Chinese headers, examples and instructions",
        description="Write an XLSX registry template: Chinese headers, one example row per kind, 填写说明.",
    )
    template.add_argument("--out", required=True, metavar="FILE.xlsx", help="where to write the template")
    template.add_argument("--force", action="store_true", help="overwrite an existing file")
    template.add_argument("--config", metavar="FILE.toml", help="configuration ([indicators] file)")
    template.set_defaults(func=_template)
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])


def _indicators(args: argparse.Namespace) -> str | None:
    config = load_config(args.config)
    return config.indicators_file or None


def _check(args: argparse.Namespace) -> int:
    from crawlers.registry import RegistryError, read_registry, summarize
    from crawlers.registry_vocab import vocabulary

    try:
        registry = read_registry(args.file, indicators=_indicators(args))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RegistryError as exc:
        for line in exc.errors:
            print(line)
        print(f"{args.file}: {len(exc.errors)} problems; a sweep would import nothing", file=sys.stderr)
        return 2
    counts = summarize(registry.targets)
    names = vocabulary().platform_names
    kinds = counts["by_kind"]
    print(f"{args.file}: {counts['total']} targets: {kinds['site']} sites, {kinds['account']} accounts")
    print("by region:")
    for region, n in counts["by_region"].items():
        print(f"  {region:<20} {n:>6}")
    if counts["by_platform"]:
        print("by platform:")
        for key, n in counts["by_platform"].items():
            print(f"  {names[key] + ' (' + key + ')':<20} {n:>6}")
    for line in registry.warnings:
        print(f"warning: {line}", file=sys.stderr)
    return 0


def _template(args: argparse.Namespace) -> int:
    from govpatrol.registry_template import write_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print(f"error: --out: {out} must end with .xlsx", file=sys.stderr)
        return 2
    if out.exists() and not args.force:
        print(f"error: --out: {out} exists (add --force to overwrite)", file=sys.stderr)
        return 2
    try:
        write_template(out, indicators=_indicators(args))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: --out: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}: fill in sheet 目标清单 (see 填写说明), then: govpatrol targets check {out}")
    return 0
