"""What each scheduled job does: build a ``govpatrol`` command line and run it in a child process.

Every crawl runs in its own subprocess because the Twisted reactor cannot be restarted inside one
process. Job functions take ``(config, run_time)`` and an injectable :class:`Runner`, so tests drive
them with a controlled clock (``run_time`` becomes ``--as-of``) and a recording runner.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Protocol

from crawlers.config import Config, ConfigError
from pipelines.store import Store, StoreUnavailable
from scheduler.schedule import JOB_NAMES, TIMEZONE, job_specs, timeline

log = logging.getLogger("govpatrol.scheduler")

# Test hook and deployment escape hatch: the command prefix that replaces `python -m govpatrol.cli`.
COMMAND_ENV = "GOVPATROL_SCHEDULER_COMMAND"

# Longest a cron job may run before it is stopped (interval jobs get their own period): a stuck crawl
# must not hold `max_instances=1` forever and silently skip every later run.
CRON_TIMEOUT_S = {"rollup": 3600.0, "recheck": 12 * 3600.0, "full": 2 * 24 * 3600.0}
STOP_GRACE_S = 10.0  # SIGTERM, then this long, then SIGKILL


class Runner(Protocol):
    """Runs one command line to completion and returns its exit code."""

    def run(self, argv: list[str], *, timeout: float) -> int: ...


class SubprocessRunner:
    """Production runner: each command in its own process group, stoppable as a whole on shutdown."""

    def __init__(self) -> None:
        self._children: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self._stopping = False

    def run(self, argv: list[str], *, timeout: float) -> int:
        with self._lock:
            if self._stopping:
                log.warning("not starting %s: the scheduler is shutting down", argv[:4])
                return 143
            # A new session, so a Ctrl-C on the service's terminal does not reach the crawl and
            # stop() can end the crawl together with any Chromium it started.
            child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
            self._children[child.pid] = child
        try:
            return child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.error("pid %d ran longer than %.0f s; stopping it", child.pid, timeout)
            _end(child)
            return child.returncode
        except BaseException:  # Ctrl-C in `--once`: the crawl is in its own session, end it too
            _end(child)
            raise
        finally:
            with self._lock:
                self._children.pop(child.pid, None)

    def stop(self) -> None:
        """Refuse new commands and end the running ones (SIGTERM, then SIGKILL after a grace)."""
        with self._lock:
            self._stopping = True
            children = list(self._children.values())
        for child in children:
            log.info("terminating job process %d", child.pid)
            _end(child)


def _end(child: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, sig)
        try:
            child.wait(timeout=STOP_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            continue


def command_prefix() -> list[str]:
    """``python -m govpatrol.cli`` with this interpreter, unless GOVPATROL_SCHEDULER_COMMAND says otherwise."""
    override = os.environ.get(COMMAND_ENV, "").strip()
    return shlex.split(override) if override else [sys.executable, "-m", "govpatrol"]


def resolve(config: Config, value: str) -> Path:
    """A path from the config: relative ones are relative to the config file, like [indicators] file."""
    path = Path(value).expanduser()
    if not path.is_absolute() and config.source:
        path = Path(config.source).resolve().parent / path
    return path


def state_dir(config: Config) -> Path:
    """Where the job store, the lock and the sweeps' JSON Lines live."""
    if config.scheduler.state_dir:
        return resolve(config, config.scheduler.state_dir)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "govpatrol"


def targets_path(config: Config) -> Path:
    if not config.scheduler.targets:
        raise ConfigError(
            f"{config.source or 'config'}: [scheduler] targets is not set: name the targets registry "
            "(CSV or XLSX) the service patrols"
        )
    return resolve(config, config.scheduler.targets)


def as_of_text(run_time: datetime) -> str:
    return run_time.astimezone(TIMEZONE).replace(microsecond=0).isoformat()


def job_argv(name: str, config: Config, run_time: datetime) -> list[str]:
    """The command line of one run: ``--as-of`` is the scheduled time, so the run can be replayed."""
    if name not in JOB_NAMES:
        raise ValueError(f"unknown job {name!r} (jobs: {', '.join(JOB_NAMES)})")
    common = ["--targets", str(targets_path(config)), "--as-of", as_of_text(run_time)]
    if config.source:
        common += ["--config", str(Path(config.source).resolve())]
    output = [
        "--output",
        str(state_dir(config) / "sweeps" / f"{name}-{run_time.astimezone(TIMEZONE):%Y%m%dT%H%M%S}.jsonl"),
    ]
    prefix = command_prefix()
    if (
        name == "probe"
    ):  # the probes as JSON Lines too: a round made while Elasticsearch is away is kept twice
        return [*prefix, "probe", *common, *output]
    if name == "rollup":
        return [*prefix, "rollup", *common, *output]
    if name == "recheck":
        return [*prefix, "recheck", *common, *output, "--quiet"]
    if name == "events":
        return [*prefix, "event", "watch", *common, *output, "--quiet"]
    argv = [*prefix, "sweep", "--kind", "patrol" if name == "patrol" else "full", *common, *output, "--quiet"]
    if config.scheduler.distributed:  # the workers crawl; this run plans, judges and records
        argv.append("--distributed")
    if name == "full":
        s = config.scheduler
        argv += ["--sample-ratio", str(s.sample_ratio), "--seed", str(s.sample_seed)]
    return argv


def job_timeout(name: str, config: Config) -> float:
    if name == "probe":
        return config.scheduler.probe_minutes * 60.0
    if name == "patrol":
        return config.scheduler.patrol_hours * 3600.0
    if name == "events":
        return config.events.watch_minutes * 60.0
    return CRON_TIMEOUT_S[name]


def nothing_to_watch(config: Config) -> bool:
    """No 重大事件 is open, as the store named in the config (or GOVPATROL_ES_URL) says: the
    ``events`` run has nothing to do and starts no process. Any doubt -- no store named (the command
    finds the one ``services start`` recorded), no answer -- runs the command, which says why."""
    if config.es_url_from not in ("config", "env") or not config.elasticsearch.url:
        return False
    try:
        return Store(config.elasticsearch).open_events() == 0
    except StoreUnavailable as exc:
        log.warning("open events not counted (%s): the repost watch runs and looks itself", str(exc)[:300])
        return False


def run_job(name: str, config: Config, run_time: datetime, runner: Runner) -> int:
    """Run one job for its scheduled time; a failure is logged and returned, never raised. An
    ``events`` run with no event open ends here, without a process (it still counts as a run)."""
    started = time.monotonic()
    if name == "events" and nothing_to_watch(config):
        log.info("job events as of %s: no event is open, nothing to watch", as_of_text(run_time))
        return 0
    try:
        (state_dir(config) / "sweeps").mkdir(parents=True, exist_ok=True)
        code = runner.run(job_argv(name, config, run_time), timeout=job_timeout(name, config))
    except Exception:
        log.exception("job %s (as of %s) could not run", name, as_of_text(run_time))
        code = 1
    took = time.monotonic() - started
    level = logging.INFO if code == 0 else logging.ERROR
    log.log(level, "job %s as of %s: exit %d after %.1f s", name, as_of_text(run_time), code, took)
    return code


def run_named(
    name: str, *, config: Config | None = None, run_time: datetime | None = None, runner: Runner | None = None
) -> int:
    """The callable stored in the job store, by reference and with the job name only: config, run
    time and runner are added at run time by the service's executor (defaults keep APScheduler's
    argument check happy)."""
    if config is None or run_time is None or runner is None:
        raise TypeError("run_named needs config, run_time and runner (the service's executor adds them)")
    return run_job(name, config, run_time, runner)


def replay(
    config: Config, start: datetime, end: datetime, runner: Runner, *, only: set[str] | None = None
) -> list[tuple[datetime, str, int]]:
    """Run every job due in [start, end) in time order, as the service would: a controlled clock."""
    results = []
    for when, name in timeline(job_specs(config), start, end):
        if only is None or name in only:
            results.append((when, name, run_job(name, config, when, runner)))
    return results
