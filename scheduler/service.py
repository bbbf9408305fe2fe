"""The long-running service: lock the job store, register the schedules, run jobs until SIGTERM.

APScheduler 3.x ``BackgroundScheduler`` with a persistent job store (SQLite through SQLAlchemy by
default, Redis when ``[scheduler] redis_url`` is set). Each run's ``--as-of`` is its *scheduled* time,
handed to the job by :class:`RunTimeExecutor`, so a coalesced or late run still checks the moment it
was due and can be replayed.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.base import run_job as apscheduler_run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from crawlers.config import Config
from scheduler.jobs import Runner, SubprocessRunner, targets_path
from scheduler.lock import FileLock, RedisLock, lock_for, namespace, store_url
from scheduler.schedule import TIMEZONE, JobSpec, job_defaults, job_specs

log = logging.getLogger("govpatrol.scheduler")

JOB_FUNC = "scheduler.jobs:run_named"  # stored by reference: the job store survives restarts
LOCK_RETRY_S = 1.0  # a waiting scheduler tries the lock this often


class _RunWith:
    """A job as ``run_job`` sees it, with the scheduled time, config and runner added as arguments."""

    def __init__(self, job: Job, run_time: datetime, config: Config, runner: Runner) -> None:
        self.id = job.id
        self.misfire_grace_time = job.misfire_grace_time
        self.func = job.func
        self.args = job.args
        self.kwargs = {**job.kwargs, "config": config, "run_time": run_time, "runner": runner}
        self._text = str(job)

    def __str__(self) -> str:
        return self._text


class RunTimeExecutor(ThreadPoolExecutor):
    """A thread pool that passes each run its scheduled time (APScheduler 3 does not)."""

    def __init__(self, config: Config, runner: Runner, max_workers: int = 8) -> None:
        super().__init__(max_workers)
        self.config = config
        self.runner = runner

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        def call() -> list[JobExecutionEvent]:
            events: list[JobExecutionEvent] = []
            for run_time in run_times:
                bound = _RunWith(job, run_time, self.config, self.runner)
                events += apscheduler_run_job(bound, job._jobstore_alias, [run_time], self._logger.name)
            return events

        def done(future: Any) -> None:
            exc = future.exception()
            if exc:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        self._pool.submit(call).add_done_callback(done)


def make_jobstore(config: Config) -> BaseJobStore:
    """Redis when configured, else SQLAlchemy (SQLite in the state dir unless ``job_store`` names one)."""
    ns = namespace(config)
    if config.scheduler.redis_url:
        from apscheduler.jobstores.redis import RedisJobStore
        from redis import ConnectionPool

        return RedisJobStore(  # the pool carries the URL's db, password and TLS (rediss://)
            jobs_key=f"{ns}:scheduler:jobs",
            run_times_key=f"{ns}:scheduler:run_times",
            connection_pool=ConnectionPool.from_url(config.scheduler.redis_url),
        )
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    url = store_url(config)
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return SQLAlchemyJobStore(url=url, tablename=f"{ns}_scheduler_jobs".replace("-", "_"))


def build_scheduler(
    config: Config, runner: Runner, jobstore: BaseJobStore | None = None
) -> BackgroundScheduler:
    """The scheduler with the job store, the run-time executor and its job defaults."""
    scheduler = BackgroundScheduler(
        jobstores={"default": jobstore if jobstore is not None else make_jobstore(config)},
        executors={"default": RunTimeExecutor(config, runner)},
        job_defaults=job_defaults(config),
        timezone=TIMEZONE,
    )
    scheduler.add_listener(_log_crash, EVENT_JOB_ERROR | EVENT_JOB_EXECUTED)
    return scheduler


def _log_crash(event: JobExecutionEvent) -> None:
    if event.exception is not None:
        log.error("job %s crashed: %r (the service keeps running)", event.job_id, event.exception)


def register_jobs(scheduler: BackgroundScheduler, specs: list[JobSpec]) -> None:
    """Add every job under its stable id, replacing what the store holds.

    A job whose schedule did not change keeps its stored next run time: a restart then neither skips
    a run that fell due while the service was down (it runs coalesced, within the misfire grace) nor
    pushes every interval job one period into the future.
    """
    wanted = {spec.job_id for spec in specs}
    for job in scheduler.get_jobs():
        if job.id.startswith("govpatrol-") and job.id not in wanted:
            scheduler.remove_job(job.id)
    for spec in specs:
        existing = scheduler.get_job(spec.job_id)
        keep: dict[str, Any] = {}
        if existing is not None and str(existing.trigger) == str(spec.trigger) and existing.next_run_time:
            keep["next_run_time"] = existing.next_run_time
        scheduler.add_job(
            JOB_FUNC,
            trigger=spec.trigger,
            args=(spec.name,),
            id=spec.job_id,
            name=spec.description,
            replace_existing=True,
            **keep,
        )


class SchedulerService:
    """One scheduler process: waits for (or refuses without) the lock, runs jobs, stops cleanly."""

    def __init__(
        self,
        config: Config,
        *,
        runner: Runner | None = None,
        wait_for_lock: bool = True,
        probe_seconds: int | None = None,
    ) -> None:
        self.config = config
        self.runner: Runner = runner or SubprocessRunner()
        self.wait_for_lock = wait_for_lock
        self.specs = job_specs(config, probe_seconds=probe_seconds)
        self.lock: FileLock | RedisLock = lock_for(config)
        self.stopping = threading.Event()

    def request_stop(self, signum: int | None = None, _frame: object = None) -> None:
        if signum is not None:
            log.info("received %s: shutting down", signal.Signals(signum).name)
        self.stopping.set()

    def run(self) -> int:
        """Serve until stopped: 0 after a clean stop, 1 if the lock is held (no wait) or lost."""
        targets = targets_path(self.config)
        if not targets.is_file():
            log.warning("the targets registry %s does not exist (yet): jobs will fail until it does", targets)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.request_stop)
            signal.signal(signal.SIGINT, self.request_stop)
        if not self._take_lock():
            return 0 if self.stopping.is_set() else 1
        scheduler = None
        code = 0
        try:
            scheduler = build_scheduler(self.config, self.runner)
            scheduler.start(paused=True)
            register_jobs(scheduler, self.specs)
            scheduler.resume()
            for job in scheduler.get_jobs():
                log.info("scheduled %s (%s): next run %s", job.id, job.trigger, job.next_run_time)
            while not self.stopping.wait(1.0):
                if self.lock.lost.is_set():
                    log.error("lost the scheduler lock: stopping so that two schedulers never run")
                    code = 1
                    break
        finally:
            stop = getattr(self.runner, "stop", None)
            if stop is not None:
                stop()
            if scheduler is not None and scheduler.running:
                scheduler.shutdown(wait=True)
            self.lock.release()
            log.info("scheduler stopped, lock released")
        return code

    def _take_lock(self) -> bool:
        announced = False
        while not self.stopping.is_set():
            if self.lock.acquire():
                log.info("took the scheduler lock (%s)", self.lock)
                return True
            if not self.wait_for_lock:
                log.error(
                    "another scheduler holds the lock (%s: %s); not starting (omit --no-wait to wait)",
                    self.lock,
                    self.lock.holder(),
                )
                return False
            if not announced:
                log.warning(
                    "another scheduler holds the lock (%s: %s); waiting to take over",
                    self.lock,
                    self.lock.holder(),
                )
                announced = True
            self.stopping.wait(LOCK_RETRY_S)
        return False
