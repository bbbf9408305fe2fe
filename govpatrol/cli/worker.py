"""``govpatrol worker``: a distributed crawl worker (any number, on any machines, one Redis)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

WORKER_HELP = """\
Crawl a share of every distributed sweep: watch Redis for sweeps planned by
`govpatrol sweep --distributed` (or the scheduler with [scheduler] distributed = true), lease their
targets, crawl them, and commit each target's observations for the coordinator to judge.

A target (a site with all its pages and links, or an account) is leased for [distributed]
lease_seconds and renewed every heartbeat_seconds; a worker that dies (even SIGKILL) loses its
leases and the others crawl those targets again. Politeness ([crawl] per_host) holds across all
workers. SIGTERM: stop claiming, give the leases back, exit.

examples:
  govpatrol worker --config govpatrol.toml
  govpatrol worker --redis redis://10.0.0.5:6379/0 --id crawler-03
  govpatrol worker --once          # crawl the sweeps under way, then exit
"""


def add_cli(sub: Any) -> None:
    p = sub.add_parser(
        "worker",
        help="distributed crawl worker: crawl the targets of sweeps planned in Redis",
        description=WORKER_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
    p.add_argument(
        "--redis",
        metavar="URL",
        help="Redis URL (default: [distributed] redis_url, GOVPATROL_REDIS_URL, or the local service's)",
    )
    p.add_argument("--once", action="store_true", help="crawl the sweeps under way, then exit")
    p.add_argument("--id", metavar="NAME", help="this worker's name in leases and logs (default: host-pid)")
    p.set_defaults(func=_worker_command)


def _worker_command(args: argparse.Namespace) -> int:
    from crawlers.config import ConfigError, load_config
    from govpatrol.distributed import redis_url
    from govpatrol.distributed.worker import Worker

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import redis

    try:
        return Worker(config, redis_url(config, args.redis), args.id).run(once=args.once)
    except redis.RedisError as exc:
        print(f"error: Redis: {exc} (start it with `govpatrol services start redis`)", file=sys.stderr)
        return 1
