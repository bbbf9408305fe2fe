"""The ``govpatrol`` command line: one sub-command per job, each with help that teaches.

Exit codes: 0 done; 1 the job failed (a service down, a crash); 2 bad input (file, option, config).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from crawlers import commands, demo

DESCRIPTION = """\
govpatrol (政务巡网) patrols government websites against the national inspection indicators
(国办秘函〔2019〕19号) and stores findings with evidence in Elasticsearch and JSON Lines.

common jobs:
  govpatrol services start              start the local Elasticsearch (and Redis; check Chromium)
  govpatrol sweep --targets sites.csv   check every site and account in a registry, print a summary
  govpatrol probe / rollup              availability probes; the weekly SITE-VETO-UNREACHABLE roll-up
  govpatrol recheck --targets F         re-check (复查) every open finding: rectified or still open
  govpatrol scheduler --config F        the service: probes, 2-hour patrols, quarterly sweeps, re-checks
  govpatrol worker --config F           distributed crawl worker (sweeps planned with --distributed)
  govpatrol ledger --month 2025-03      export the month's patrol ledger (巡网台账) as CSV or XLSX
  govpatrol findings --region 苏州市     search findings from the terminal (table, CSV, XLSX, JSON)
  govpatrol report --quarter 2025Q1     the quarterly 通报 draft (Markdown, DOCX or HTML, in Chinese)
  govpatrol dashboards import --kibana URL   load the Kibana saved objects (data views, searches, dashboards)
  govpatrol demo                        offline: local Elasticsearch + simulated web + a full sweep
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govpatrol",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_sweep_cli(sub)
    demo.add_demo_cli(sub)
    from crawlers import (
        cli_dashboards,
        cli_findings,
        cli_ledger,
        cli_probe,
        cli_recheck,
        cli_report,
        cli_scheduler,
        cli_spool,
        cli_worker,
        services_cli,
    )

    cli_recheck.add_cli(sub)
    cli_probe.add_cli(sub)  # probe and rollup
    cli_scheduler.add_cli(sub)
    cli_worker.add_cli(sub)
    cli_ledger.add_cli(sub)
    cli_report.add_cli(sub)
    cli_dashboards.add_cli(sub)
    cli_findings.add_cli(sub)
    services_cli.add_cli(sub)
    cli_spool.add_cli(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from crawlers.redact import install_log_redaction

    install_log_redaction()  # credentials never reach a log line, whichever command runs
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
