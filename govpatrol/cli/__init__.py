"""The ``govpatrol`` command line: one sub-command per job, each with help that teaches.

Exit codes: 0 done; 1 the job failed (a service down, a crash); 2 bad input (file, option, config).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from crawlers.redact import install_log_redaction

DESCRIPTION = """\
govpatrol (政务巡网) patrols government websites against the national inspection indicators
(国办秘函〔2019〕19号) and stores findings with evidence in Elasticsearch and JSON Lines.

common jobs:
  govpatrol services start              start the local Elasticsearch (and Redis; check Chromium)
  govpatrol targets check sites.xlsx    validate a registry (counts, or every problem by row and column)
  govpatrol sweep --targets sites.csv   check every site and account in a registry, print a summary
  govpatrol probe / rollup              availability probes; the weekly SITE-VETO-UNREACHABLE roll-up
  govpatrol recheck --targets F         re-check (复查) every open finding: rectified or still open
  govpatrol scheduler --config F        the service: probes, 2-hour patrols, quarterly sweeps, re-checks
  govpatrol worker --config F           distributed crawl worker (sweeps planned with --distributed)
  govpatrol ledger --month 2025-03      export the month's patrol ledger (巡网台账) as CSV or XLSX
  govpatrol findings --region 苏州市     search findings from the terminal (table, CSV, XLSX, JSON)
  govpatrol sweeps                      the runs on record and their ids, newest first
  govpatrol report --quarter 2025Q1     the quarterly 通报 draft (Markdown, DOCX or HTML, in Chinese)
  govpatrol dashboards import --kibana URL   load the Kibana saved objects (data views, searches, dashboards)
  govpatrol review list                 security hits (暗链, 挂马, 篡改, ...) awaiting a person: confirm or dismiss
  govpatrol baseline show --target ID   the accepted look of watched pages; accept a redesign
  govpatrol event add --title T --published ISO8601   a 重大事件 to repost; `event show ID`: who did, when
  govpatrol web                         the duty desk (值班台) in a browser; `govpatrol users add` first
  govpatrol demo                        offline: local Elasticsearch + simulated web + a full sweep
"""


#: every sub-command is a module of this package with an ``add_cli(subparsers)``; listed in the order
#: ``--help`` shows them
COMMANDS = (
    "sweep",
    "demo",
    "recheck",
    "probe",
    "scheduler",
    "worker",
    "ledger",
    "report",
    "dashboards",
    "findings",
    "sweeps",
    "services",
    "spool",
    "targets",
    "review",
    "baseline",
    "event",
    "web",
    "users",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``only`` (one of :data:`COMMANDS`): a sweep's start-up
    then never imports the other commands' modules (the demo's simulated web, the desk, ...)."""
    parser = argparse.ArgumentParser(
        prog="govpatrol",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"govpatrol {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"{__name__}.{name}").add_cli(sub)
    return parser


def _command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs when it is the first argument (else None: build every command)."""
    first = argv[0] if argv else ""
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_command_named(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    install_log_redaction()  # credentials never reach a log line, whichever command runs
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `govpatrol recheck | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing left to flush at exit, no traceback
        return 0


def _version() -> str:
    try:
        return version("govpatrol")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
