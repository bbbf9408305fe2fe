"""``python -m simweb serve``: serve the simulated web and write its targets, config and truth."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path

from simweb.accounts import build_accounts
from simweb.server import SimulatedWeb
from simweb.world import build_world


def _parse_as_of(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("--as-of needs a UTC offset, e.g. 2024-10-01T10:00:00+08:00")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simweb", description="The simulated government web.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve until SIGINT/SIGTERM")
    serve.add_argument("--as-of", type=_parse_as_of, required=True, help="ISO 8601 with offset")
    serve.add_argument("--port", type=int, default=0, help="listening port (default: any free port)")
    serve.add_argument("--seed", type=int, default=20241)
    serve.add_argument(
        "--out", type=Path, required=True, help="directory for targets.csv, config.toml, truth.json"
    )
    serve.add_argument("--es", default="", help="Elasticsearch URL to put in config.toml")
    serve.add_argument("--no-accounts", action="store_true", help="serve the websites only, no platforms")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    args.out.mkdir(parents=True, exist_ok=True)
    accounts = None if args.no_accounts else build_accounts(args.as_of, seed=args.seed)
    with SimulatedWeb(build_world(args.as_of, seed=args.seed), port=args.port, accounts=accounts) as web:
        web.write_targets_csv(args.out / "targets.csv", content_watch=True)
        web.write_config(args.out / "config.toml", es_url=args.es)
        web.write_truth(args.out / "truth.json")
        for site in web.world.sites.values():
            print(f"{site.id}  {web.url(site.host, '/'):45s}  {','.join(site.profiles)}")
        origins = web.accounts.origins() if web.accounts else {}
        for platform, origin in sorted(origins.items()):
            print(f"{platform:10s} {origin}")
        total = len(web.truth().get("accounts", {}))
        print(
            f"serving on 127.0.0.1:{web.port} (refused port {web.closed_port}): {len(web.world.sites)} sites, "
            f"{total} accounts on {len(origins)} platforms; files in {args.out}"
        )
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
