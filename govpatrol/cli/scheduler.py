"""``govpatrol scheduler``: the patrol service, one job on demand, or the schedule as configured."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime, timedelta
from typing import Any

from crawlers.config import ConfigError, load_config

_HELP = """\
Run the patrol service: it fires every scheduled job as its own `govpatrol` subprocess, with
--as-of set to the time the run was due, until SIGTERM or Ctrl-C.

jobs (schedules are configuration: the [scheduler] section of --config, defaults shown)
  probe     availability probe of every homepage     probe_minutes = 60   (>= 20 a day per site)
  patrol    the 2-hour patrol (sweep --kind patrol)  patrol_hours = 2
  rollup    weekly SITE-VETO-UNREACHABLE roll-up     rollup_cron = "0 6 * * mon"
  full      quarterly full sweep, sampled accounts   full_cron = "0 2 1 1,4,7,10 *"
  recheck   daily re-check (复查) of open findings   recheck_cron = "0 8 * * *"
Times are Beijing time; cron weekdays by name (mon..sun). [scheduler] targets names the registry.

Jobs live in a persistent job store: SQLite in state_dir (default ~/.local/state/govpatrol) or
[scheduler] job_store (an SQLAlchemy URL), or Redis when redis_url is set. A run missed by less than
misfire_grace_s still runs, once (coalesced); a job never runs twice at once. Patrol and full sweeps
write JSON Lines to <state_dir>/sweeps/.

One scheduler per job store: a second one waits for the lock ("another scheduler holds the lock")
and takes over when the first stops; with --no-wait it exits with status 1 instead.

examples:
  govpatrol scheduler --config /etc/govpatrol.toml
  govpatrol scheduler --config govpatrol.toml --list          # the schedule and next run times
  govpatrol scheduler --config govpatrol.toml --once patrol   # run one job now, in the foreground
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol scheduler`."""
    from scheduler.schedule import JOB_NAMES

    parser = subparsers.add_parser(
        "scheduler",
        help="run the patrol service (probes, 2-hour patrols, roll-ups, full sweeps, re-checks)",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", metavar="FILE.toml", help="configuration file with a [scheduler] section")
    parser.add_argument(
        "--once", choices=JOB_NAMES, metavar="JOB", help=f"run one job now and exit ({', '.join(JOB_NAMES)})"
    )
    parser.add_argument("--as-of", metavar="ISO8601", help="with --once: the run's check time (default: now)")
    parser.add_argument(
        "--list", action="store_true", help="print the jobs, their triggers and next run times"
    )
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="exit (status 1) instead of waiting when another scheduler runs",
    )
    parser.add_argument("--probe-seconds", type=int, help=argparse.SUPPRESS)  # test hook: fast probes
    parser.set_defaults(func=_scheduler_command)


class ZonedFormatter(logging.Formatter):
    """Log times in the schedules' time zone with its offset (``2025-03-31T10:00:00+08:00``): a
    duty officer reads them next to the runs' --as-of times, and the zone is never left to guess."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        from scheduler.schedule import TIMEZONE

        return datetime.fromtimestamp(record.created, TIMEZONE).isoformat(timespec="seconds")


def _scheduler_command(args: argparse.Namespace) -> int:
    from govpatrol.sweep import InputError, parse_as_of

    handler = logging.StreamHandler()
    handler.setFormatter(ZonedFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    try:
        config = load_config(args.config)
        if args.list:
            print(_describe(config, args.probe_seconds))
            return 0
        if args.once:
            from scheduler.jobs import SubprocessRunner, run_job, targets_path

            targets_path(config)  # a missing [scheduler] targets is a config error, exit 2
            return run_job(args.once, config, parse_as_of(args.as_of), SubprocessRunner())
        from scheduler.service import SchedulerService

        service = SchedulerService(config, wait_for_lock=not args.no_wait, probe_seconds=args.probe_seconds)
        return service.run()
    except (ConfigError, InputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _describe(config: Any, probe_seconds: int | None) -> str:
    from scheduler.jobs import state_dir
    from scheduler.lock import lock_for, store_url
    from scheduler.schedule import TIMEZONE, fire_times, job_defaults, job_specs

    now = datetime.now(TIMEZONE)
    store = f"Redis {config.scheduler.redis_url}" if config.scheduler.redis_url else store_url(config)
    lines = [
        f"job store: {store}",
        f"lock: {lock_for(config)}",
        f"state dir: {state_dir(config)}",
        f"targets: {config.scheduler.targets or '(not set: [scheduler] targets)'}",
        f"every job: {job_defaults(config)}",
        "",
    ]
    for spec in job_specs(config, probe_seconds=probe_seconds):
        upcoming = []
        for when in fire_times(spec.trigger, now, now + timedelta(days=400)):
            upcoming.append(f"{when:%Y-%m-%d %H:%M}")
            if len(upcoming) == 3:
                break
        lines.append(f"{spec.name:<8} {spec.description}")
        lines.append(f"{'':<8} {spec.trigger!s}; next: {', '.join(upcoming)}")
    return "\n".join(lines)


if __name__ == "__main__":  # `python -m govpatrol.cli.scheduler`, before the main CLI registers it
    _parser = argparse.ArgumentParser(prog="govpatrol")
    add_cli(_parser.add_subparsers(dest="command"))
    _args = _parser.parse_args(["scheduler", *sys.argv[1:]])
    sys.exit(_args.func(_args))
