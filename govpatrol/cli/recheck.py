"""``govpatrol recheck``: re-test the findings on record (复查) and say which were fixed.

A re-check is a sweep of kind ``recheck`` over exactly the targets that have open or unverified
findings (crawled like a full sweep, so column and page findings are re-tested too); only those
findings can be marked rectified, each with the observation that shows it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.config import ConfigError
from crawlers.models import Finding
from govpatrol.services.discovery import hint
from govpatrol.sweep import InputError, SweepFailed, SweepOptions, load_inputs, parse_as_of, run_sweep
from pipelines.recorder import SweepResult

RECHECK_HELP = """\
Re-check (复查) every open or unverified finding on record in Elasticsearch: the targets that have
one are swept again (every column and page, like a full sweep), and each finding becomes
  rectified   not found again: stamped with the time and the observation that shows it fixed
              (the new newest item, the link's new status, the account's new latest post);
  still open  found again: its re-check count and last re-check time go up, first_seen stays;
  unverified  retried: open, rectified or still unverified.
Findings of targets no longer in the registry are skipped (named on stderr). The re-check is
recorded in the sweeps index like any sweep (kind "recheck").

examples:
  govpatrol recheck --targets sites.csv
  govpatrol recheck --targets sites.csv --indicator SITE-VETO-HOME-STALE
  govpatrol recheck --targets sites.csv --target S011 --output recheck.jsonl
"""

NOTHING = "没有待复查的问题（无 open/unverified 的问题记录）"


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol recheck`."""
    p = subparsers.add_parser(
        "recheck",
        help="re-check open findings (复查) and mark the fixed ones rectified",
        description=RECHECK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--targets", required=True, metavar="FILE", help="the targets registry (CSV or XLSX)")
    p.add_argument(
        "--indicator", metavar="ID", help="only findings of this indicator (e.g. SITE-VETO-HOME-STALE)"
    )
    p.add_argument("--target", metavar="ID", help="only findings of this target (its registry id)")
    p.add_argument(
        "--as-of",
        metavar="ISO8601",
        help="the re-check time (default: now; no offset = Beijing time)",
    )
    p.add_argument("--output", metavar="FILE.jsonl", help="also write the re-check's records as JSON Lines")
    p.add_argument(
        "--es", metavar="URL", help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)"
    )
    p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=_recheck_command)


def run_recheck(
    config: str | Path | None,
    targets_path: str | Path,
    *,
    indicator: str | None = None,
    target: str | None = None,
    as_of: datetime | None = None,
    es_url: str | None = None,
    output: str | None = None,
    quiet: bool = True,
) -> SweepResult:
    """Re-check the open/unverified findings (filtered) and return the re-check sweep's result.

    With nothing to re-check, no sweep runs and the result has an empty ``sweep_id``.
    """
    from pipelines.store import Store, StoreUnavailable

    when = as_of or parse_as_of(None)
    options = SweepOptions(
        targets=Path(targets_path),
        as_of=when,
        kind="recheck",
        output=output,
        es_url=es_url,
        config_path=str(config) if config else None,
        quiet=quiet,
    )
    cfg, registry = load_inputs(options)
    if not cfg.elasticsearch.url:
        raise InputError(
            "a re-check needs Elasticsearch (the findings on record): set [elasticsearch] url or --es"
        )
    store = Store(cfg.elasticsearch)
    try:
        store.health()
        store.ensure_indices()
        docs = store.open_findings(target_ids=[target] if target else None, indicator=indicator)
    except StoreUnavailable as exc:
        raise SweepFailed(f"{exc}\n{hint(cfg)}") from exc
    known = {t.id for t in registry}
    gone = sorted({d["target_id"] for d in docs if d.get("target_id") not in known})
    if gone:
        print(f"note: not in the registry any more, not re-checked: {', '.join(gone)}", file=sys.stderr)
    docs = [d for d in docs if d.get("target_id") in known]
    if not docs:
        return SweepResult(sweep_id="", kind="recheck", as_of=when, started_at=when, ended_at=when)
    options.target_ids = frozenset(d["target_id"] for d in docs)
    options.recheck_ids = frozenset(d["id"] for d in docs)
    return run_sweep(options)


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _line(f: Finding) -> str:
    who = f"{f.target_id} {f.target_name}".strip()
    return f"  {who} [{f.indicator}] {f.message}"


def print_recheck(result: SweepResult) -> None:
    """What was fixed and what is still open, as an inspector writes it in a 复查 report."""
    if not result.sweep_id:
        print(NOTHING)
        return
    rechecked = [f for f in result.findings if f.recheck_count and f.last_recheck_at == result.as_of]
    key = lambda f: (f.target_id, f.indicator)  # noqa: E731
    fixed = sorted(result.rectified, key=key)
    cleared = sorted((f for f in result.findings if f.status == "dismissed"), key=key)
    unknown = sorted((f for f in rechecked if not_looked_at(f)), key=key)
    still = sorted((f for f in rechecked if f.status == "open" and not not_looked_at(f)), key=key)
    print(
        f"复查 {result.sweep_id}（检查时间 {_day(result.as_of)}）：已整改 {len(fixed)} 个，"
        f"仍未整改 {len(still)} 个，未能核实 {len(unknown)} 个，经核实无问题 {len(cleared)} 个"
    )
    if fixed:
        print("已整改：")
        for f in fixed:
            print(f"{_line(f)}——首次发现于 {_day(f.first_seen)}，整改于 {_day(f.rectified_at)}")
    for title, group in (
        ("仍未整改：", still),
        ("未能核实（本次无法访问或被拦截，不作整改判断）：", unknown),
    ):
        if group:
            print(title)
        for f in group:
            print(
                f"{_line(f)}——首次发现于 {_day(f.first_seen)}，"
                f"已复查 {f.recheck_count} 次，最近复查于 {_day(f.last_recheck_at)}"
            )
    if cleared:
        print("经核实无问题（此前待核实）：")
        for f in cleared:
            print(_line(f))


def not_looked_at(f: Finding) -> bool:
    """This re-check could not look (captcha, refused, timeout): the finding is unverified, or an
    open one kept with its old evidence."""
    last = f.history[-1] if f.history else {}
    return f.status == "unverified" or last.get("check") == "unverified"


def _recheck_command(args: argparse.Namespace) -> int:
    try:
        result = run_recheck(
            args.config,
            args.targets,
            indicator=args.indicator,
            target=args.target,
            as_of=parse_as_of(args.as_of),
            es_url=args.es,
            output=args.output,
            quiet=args.quiet,
        )
    except (InputError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SweepFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print_recheck(result)
    return 0
