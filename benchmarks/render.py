"""The simulated web's rendered pages: how long Chromium takes per page, and per account fetch.

``python -m benchmarks.render [--rounds N]`` crawls the demo world (sites and accounts, offline) N
times, one fresh process per round, and prints one JSON line per round: pages rendered in Chromium
and their mean and median time, browser fetches of accounts, and the crawl's wall time. The SSRF
guard's proxy sits on every browser connection; run this on a checkout before and after a change to
the browser path to compare (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

AS_OF = datetime.fromisoformat("2024-09-26T10:00:00+08:00")


def one_round(folder: Path) -> dict[str, object]:
    """One crawl of the demo world in this process (a crawl owns the process's reactor)."""
    from crawlers.config import load_config
    from crawlers.registry import load_targets
    from govpatrol.crawl import run_crawl
    from simweb.accounts import build_accounts
    from simweb.server import SimulatedWeb
    from simweb.world import build_world

    web = SimulatedWeb(build_world(AS_OF), accounts=build_accounts(AS_OF)).start()
    try:
        targets = load_targets(web.write_targets_csv(folder / "targets.csv"))
        config = load_config(web.write_config(folder / "config.toml"))
        items: list[object] = []
        clock = time.monotonic()
        stats = run_crawl(targets, AS_OF, config, mode="full", on_item=items.append)
        wall = time.monotonic() - clock
    finally:
        web.stop()
    rendered = [
        float(getattr(i, "elapsed_ms", 0) or 0)
        for i in items
        if type(i).__name__ == "PageObservation" and getattr(i, "rendered", False)
    ]
    return {
        "rendered_pages": len(rendered),
        "render_ms_mean": round(statistics.fmean(rendered), 1) if rendered else None,
        "render_ms_median": round(statistics.median(rendered), 1) if rendered else None,
        "browser_fetches": stats.get("browser_fetches"),
        "accounts_elapsed_s": stats.get("accounts_elapsed_s"),
        "crawl_wall_s": round(wall, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.render", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a round, in this process
    args = parser.parse_args(argv)
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(one_round(Path(tmp))), flush=True)
        return 0
    for _ in range(args.rounds):
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.render", "--one"], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        print(proc.stdout.strip().splitlines()[-1], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
