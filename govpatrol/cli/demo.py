"""``govpatrol demo``: the whole job offline (see :mod:`govpatrol.demo`)."""

from __future__ import annotations

import argparse
from typing import Any

from govpatrol.demo import run_demo

DEMO_HELP = """\
Run the main job offline: start (or reuse) the local Elasticsearch, serve the simulated government
web (30+ sites in TRS, Hanweb, gov.cn and hand-made styles, with planted problems) and simulated
new-media platforms (all eleven, with active, zombie, pinned, gone, private, captcha and anti-bot
accounts), sweep it, print the summary table and the findings count, and compare the findings with the
world's ground truth.

Files written to --out: targets.csv, config.toml, truth.json, findings.jsonl.

Then it serves the duty desk (值班台) on the demo's data at http://127.0.0.1:8800/ and prints a
first login (user demo-admin, a new password each run, shown once) until Ctrl-C, when run at a
terminal (or with --desk); --no-desk, or a run without a terminal (a script, CI), ends after the sweep.
"""


def add_cli(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="offline demo: local Elasticsearch + simulated web + a full sweep",
        description=DEMO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--as-of", metavar="ISO8601", help="the simulated check time (default: now)")
    p.add_argument(
        "--out", default="out/demo", metavar="DIR", help="where to write files (default: out/demo)"
    )
    p.add_argument("--no-es", action="store_true", help="skip Elasticsearch; write JSON Lines only")
    p.add_argument(
        "--keep-services",
        action="store_true",
        help="leave a local Elasticsearch the demo started running afterwards (to explore the findings)",
    )
    p.add_argument(
        "--no-desk",
        action="store_true",
        help="end after the sweep instead of serving the duty desk (值班台) on the demo's data",
    )
    p.add_argument(
        "--desk",
        action="store_true",
        help="serve the duty desk even without a terminal (it is served by default only at one)",
    )
    p.add_argument("--desk-port", type=int, default=8800, help="the desk's port on 127.0.0.1 (default: 8800)")
    p.set_defaults(func=run_demo)
