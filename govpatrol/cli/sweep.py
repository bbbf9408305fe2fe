"""``govpatrol sweep``: parse the options, run the sweep, print the summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawlers.config import ConfigError
from crawlers.redact import redact_text
from govpatrol.console import print_summary
from govpatrol.sweep import InputError, SweepFailed, SweepOptions, parse_as_of, run_sweep

SWEEP_HELP = """\
Check every website and new-media account in a targets registry against the national indicators.

Sites: availability (15 s), homepage and column freshness, empty columns, dead links, footer marks and
meta tags. Accounts (weibo, wechat, douyin, toutiao, bilibili, kuaishou, baijiahao, qqnews, netease,
thepaper, rmh): the latest post by its own date; zombie (no post in 14 days), gone, or unverified when
the platform did not let us look (captcha, login wall, anti-bot) -- never a zombie then.

The registry is a CSV or XLSX file (UTF-8 or GBK) with the columns
  id, kind, name, owner, region, url[, platform, account_id, site_code]
Findings go to Elasticsearch (--es, the config's [elasticsearch] url, GOVPATROL_ES_URL, or the node
`govpatrol services start` recorded) and, with --output, to a JSON Lines file (one "finding" per
line, one "target" summary per target, one "sweep" record). When Elasticsearch does not answer at the
start, the sweep still runs: its records wait in the spool (`govpatrol spool status|replay`).

Verdicts: a target fails on any veto (单项否决); a site also fails when its score is below 60. The
score is 100 minus the site's deductions (dead links, policy columns ...; each indicator's total
held to its cap), as the national indicators count them (crawlers/data/indicators.toml [scoring]);
accounts have no score. Unverified means we could not look (never a pass, never a fail).

examples:
  govpatrol sweep --targets sites.csv
  govpatrol sweep --targets sites.xlsx --as-of 2025-03-31T10:00:00+08:00 --output q1.jsonl
  govpatrol sweep --targets sites.csv --kind patrol --no-es --output patrol.jsonl
  govpatrol sweep --targets all.csv --sample-ratio 0.2 --seed 2019   # quarterly: sampled accounts
"""


def add_cli(sub: Any) -> None:
    p = sub.add_parser(
        "sweep",
        help="check every target in a registry and store the findings",
        description=SWEEP_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--targets", required=True, metavar="FILE", help="the targets registry (CSV or XLSX)")
    p.add_argument(
        "--as-of",
        metavar="ISO8601",
        help="the check time that 'days since update' is counted from (default: now; "
        "no offset = Beijing time). Replaying a sweep with the same --as-of reproduces its findings.",
    )
    p.add_argument(
        "--kind",
        choices=("full", "patrol"),
        default="full",
        help="full: homepage, every column's first list page, links on all crawled pages (default); "
        "patrol: the 2-hour patrol, homepage freshness and homepage links only, and the accounts due "
        "([accounts] check_every_hours: each once a day in its own patrol, by default)",
    )
    p.add_argument("--output", metavar="FILE.jsonl", help="also write findings/targets/sweep as JSON Lines")
    p.add_argument(
        "--es",
        metavar="URL",
        help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)",
    )
    p.add_argument("--no-es", action="store_true", help="do not write to Elasticsearch (needs --output)")
    p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument(
        "--sample-ratio",
        type=float,
        metavar="R",
        help="quarterly full sweep: check every site but only this share (0-1] of the accounts, drawn "
        "at random per region and platform (at least one each); accounts with open ACCOUNT-* findings "
        "are always included. The sample is recorded in the sweep record.",
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="random seed of the quarterly sample (default: [scheduler] sample_seed, 2019); "
        "the same seed and registry always draw the same accounts",
    )
    p.add_argument(
        "--distributed",
        action="store_true",
        help="plan the sweep in Redis and let `govpatrol worker` processes (any machines) crawl it; "
        "this process judges the results and writes the sweep record when every target is done",
    )
    p.add_argument(
        "--workers", type=int, default=0, metavar="N", help="--distributed: start N local workers too"
    )
    p.add_argument(
        "--redis", metavar="URL", help="--distributed: Redis URL (default: [distributed] redis_url)"
    )
    p.set_defaults(func=_sweep_command)


def _sweep_command(args: argparse.Namespace) -> int:
    try:
        options = SweepOptions(
            targets=Path(args.targets),
            as_of=parse_as_of(args.as_of),
            kind=args.kind,
            output=args.output,
            es_url=args.es,
            use_es=not args.no_es,
            config_path=args.config,
            quiet=args.quiet,
            sample_ratio=args.sample_ratio,
            sample_seed=args.seed,
            distributed=args.distributed,
            workers=args.workers,
            redis_url=args.redis,
        )
        if (args.workers or args.redis) and not args.distributed:
            raise InputError("--workers and --redis go with --distributed")
        _check_sample_options(options)
        if not options.use_es and not options.output:
            raise InputError("--no-es needs --output FILE.jsonl (otherwise the findings go nowhere)")
        result = run_sweep(options)
    except (InputError, ConfigError) as exc:
        print(f"error: {redact_text(str(exc))}", file=sys.stderr)
        return 2
    except SweepFailed as exc:
        print(f"error: {redact_text(str(exc))}", file=sys.stderr)
        return 1
    print_summary(result, output=options.output)
    return 0


def _check_sample_options(options: SweepOptions) -> None:
    if options.sample_ratio is None:
        if options.sample_seed is not None:
            raise InputError("--seed needs --sample-ratio R (the seed of the quarterly account sample)")
        return
    if not 0 < options.sample_ratio <= 1:
        raise InputError(f"--sample-ratio: expected a share in (0, 1], got {options.sample_ratio}")
    if options.kind != "full":
        raise InputError(
            "--sample-ratio is for --kind full (the quarterly sweep); a patrol checks every account"
        )
