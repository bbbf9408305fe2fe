"""The scheduler's schedules, jobs and lock, on a controlled clock: fire times come from the triggers'
own ``get_next_fire_time``, jobs run through a recording runner, nothing waits for real time."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.memory import MemoryJobStore

from crawlers.config import ConfigError, load_config
from scheduler.jobs import job_argv, replay, run_job, run_named
from scheduler.lock import FileLock
from scheduler.schedule import TIMEZONE, fire_times, job_specs, timeline
from scheduler.service import build_scheduler, register_jobs

MONDAY = datetime(2025, 3, 3, tzinfo=TIMEZONE)  # a Monday, Beijing midnight
WEEK = MONDAY + timedelta(days=7)


class RecordingRunner:
    """Records each command line; answers with a fixed exit code (or raises)."""

    def __init__(self, code: int = 0, error: Exception | None = None) -> None:
        self.calls: list[list[str]] = []
        self.code = code
        self.error = error
        self.ran = threading.Event()

    def run(self, argv: list[str], *, timeout: float) -> int:
        assert timeout > 0
        self.calls.append(argv)
        self.ran.set()
        if self.error:
            raise self.error
        return self.code


def config_file(tmp_path: Path, scheduler: str = "") -> Path:
    (tmp_path / "sites.csv").write_text("id,kind,name,owner,region,url\n", encoding="utf-8")
    path = tmp_path / "govpatrol.toml"
    path.write_text(f'[scheduler]\ntargets = "sites.csv"\nstate_dir = "state"\n{scheduler}', encoding="utf-8")
    return path


def per_day(spec_name: str, config, start=MONDAY, end=WEEK) -> Counter:
    spec = next(s for s in job_specs(config) if s.name == spec_name)
    return Counter(t.date() for t in fire_times(spec.trigger, start, end))


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_default_week_probes_at_least_20_a_day_patrols_every_2_hours_one_rollup_daily_recheck(tmp_path):
    config = load_config(config_file(tmp_path))
    probes, patrols = per_day("probe", config), per_day("patrol", config)
    assert len(probes) == len(patrols) == 7
    assert all(n >= 20 for n in probes.values())
    assert set(probes.values()) == {24}
    assert set(patrols.values()) == {12}
    rollups = list(fire_times(job_specs(config)[2].trigger, MONDAY, WEEK))
    assert rollups == [MONDAY.replace(hour=6)]
    rechecks = list(fire_times(job_specs(config)[4].trigger, MONDAY, WEEK))
    assert rechecks == [MONDAY.replace(hour=8) + timedelta(days=d) for d in range(7)]


def test_default_full_sweep_is_quarterly_on_the_first_of_jan_apr_jul_oct(tmp_path):
    config = load_config(config_file(tmp_path))
    full = next(s for s in job_specs(config) if s.name == "full")
    year = list(
        fire_times(full.trigger, datetime(2025, 1, 1, tzinfo=TIMEZONE), datetime(2026, 1, 1, tzinfo=TIMEZONE))
    )
    assert year == [datetime(2025, m, 1, 2, tzinfo=TIMEZONE) for m in (1, 4, 7, 10)]


def test_toml_overrides_change_the_schedules(tmp_path):
    config = load_config(
        config_file(
            tmp_path,
            "probe_minutes = 30\npatrol_hours = 4\n"
            'rollup_cron = "30 7 * * fri"\nfull_cron = "0 3 15 * *"\nrecheck_cron = "0 9,17 * * *"\n',
        )
    )
    assert set(per_day("probe", config).values()) == {48}
    assert set(per_day("patrol", config).values()) == {6}
    assert list(fire_times(job_specs(config)[2].trigger, MONDAY, WEEK)) == [
        datetime(2025, 3, 7, 7, 30, tzinfo=TIMEZONE)
    ]
    assert set(per_day("recheck", config).values()) == {2}
    full = next(s for s in job_specs(config) if s.name == "full")
    months = list(fire_times(full.trigger, MONDAY, MONDAY + timedelta(days=62)))
    assert months == [datetime(2025, 3, 15, 3, tzinfo=TIMEZONE), datetime(2025, 4, 15, 3, tzinfo=TIMEZONE)]


def test_a_bad_crontab_is_a_config_error_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"\[scheduler\]\.rollup_cron: not a crontab expression"):
        load_config(config_file(tmp_path, 'rollup_cron = "every monday"\n'))


def test_every_job_is_coalesced_single_instance_with_the_misfire_grace(tmp_path):
    config = load_config(config_file(tmp_path, "misfire_grace_s = 120\n"))
    scheduler = build_scheduler(config, RecordingRunner(), MemoryJobStore())
    scheduler.start(paused=True)
    try:
        register_jobs(scheduler, job_specs(config))
        jobs = scheduler.get_jobs()
        assert sorted(j.id for j in jobs) == sorted(
            f"govpatrol-{n}" for n in ("probe", "patrol", "rollup", "full", "recheck", "events")
        )
        for job in jobs:
            assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 120), job.id
    finally:
        scheduler.shutdown(wait=False)


def test_a_restart_keeps_the_stored_next_run_unless_the_schedule_changed(tmp_path):
    config = load_config(config_file(tmp_path))
    scheduler = build_scheduler(config, RecordingRunner(), MemoryJobStore())
    scheduler.start(paused=True)
    try:
        register_jobs(scheduler, job_specs(config))
        due = datetime.now(TIMEZONE).replace(microsecond=0) - timedelta(minutes=5)
        scheduler.modify_job("govpatrol-probe", next_run_time=due)
        register_jobs(scheduler, job_specs(config))  # restart, same schedule
        assert scheduler.get_job("govpatrol-probe").next_run_time == due
        config.scheduler.probe_minutes = 30
        register_jobs(scheduler, job_specs(config))  # restart with a new schedule
        assert scheduler.get_job("govpatrol-probe").next_run_time > datetime.now(TIMEZONE)
    finally:
        scheduler.shutdown(wait=False)


def test_a_run_gets_its_scheduled_time_as_as_of_even_when_it_runs_late(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVPATROL_SCHEDULER_COMMAND", "govpatrol-test")
    config = load_config(config_file(tmp_path))
    runner = RecordingRunner()
    scheduler = build_scheduler(config, runner, MemoryJobStore())
    scheduler.start(paused=True)
    try:
        register_jobs(scheduler, job_specs(config))
        due = datetime.now(TIMEZONE).replace(microsecond=0) - timedelta(minutes=5)  # within the grace
        scheduler.modify_job("govpatrol-probe", next_run_time=due)
        scheduler.resume()
        deadline = time.monotonic() + 10
        while not runner.calls and time.monotonic() < deadline:
            runner.ran.wait(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert [argv[:2] for argv in runner.calls] == [["govpatrol-test", "probe"]]
    assert option(runner.calls[0], "--as-of") == due.isoformat()


def test_job_command_lines(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVPATROL_SCHEDULER_COMMAND", raising=False)
    config = load_config(config_file(tmp_path, "sample_ratio = 0.25\nsample_seed = 7\n"))
    when = datetime(2025, 4, 1, 2, tzinfo=TIMEZONE)
    full = job_argv("full", config, when)
    assert full[1:4] == ["-m", "govpatrol", "sweep"]
    assert option(full, "--kind") == "full"
    assert option(full, "--as-of") == "2025-04-01T02:00:00+08:00"
    assert option(full, "--targets") == str(tmp_path / "sites.csv")
    assert option(full, "--config") == str(tmp_path / "govpatrol.toml")
    assert option(full, "--output") == str(tmp_path / "state" / "sweeps" / "full-20250401T020000.jsonl")
    assert (option(full, "--sample-ratio"), option(full, "--seed")) == ("0.25", "7")
    patrol = job_argv("patrol", config, when)
    assert option(patrol, "--kind") == "patrol"
    assert "--sample-ratio" not in patrol
    assert job_argv("probe", config, when)[3] == "probe"
    assert job_argv("rollup", config, when)[3] == "rollup"
    assert job_argv("recheck", config, when)[3] == "recheck"


def test_a_failing_job_is_logged_and_returned_never_raised(tmp_path, caplog):
    config = load_config(config_file(tmp_path))
    when = MONDAY
    assert run_job("patrol", config, when, RecordingRunner(code=3)) == 3
    assert run_job("patrol", config, when, RecordingRunner(error=OSError("no such program"))) == 1
    assert "could not run" in caplog.text
    assert "exit 3" in caplog.text
    config.scheduler.targets = ""
    assert run_job("probe", config, when, RecordingRunner()) == 1
    assert "targets is not set" in caplog.text


def test_run_named_needs_what_the_executor_adds():
    with pytest.raises(TypeError):
        run_named("probe")


def test_replaying_a_day_runs_every_due_job_in_order_with_its_time(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVPATROL_SCHEDULER_COMMAND", "govpatrol-test")
    monkeypatch.delenv("GOVPATROL_ES_URL", raising=False)  # no store named: every events run starts
    config = load_config(config_file(tmp_path))
    runner = RecordingRunner()
    day = MONDAY + timedelta(days=1)
    results = replay(config, MONDAY, day, runner)
    assert Counter(name for _, name, _ in results) == {
        "probe": 24,
        "patrol": 12,
        "rollup": 1,
        "recheck": 1,
        "events": 48,  # the repost watch every 30 minutes (it ends at once while no event is open)
    }
    assert [when for when, _, _ in results] == sorted(when for when, _, _ in results)
    assert [option(argv, "--as-of") for argv in runner.calls] == [when.isoformat() for when, _, _ in results]
    assert timeline(job_specs(config), MONDAY, day)[:3] == [
        (MONDAY, "probe"),
        (MONDAY, "patrol"),
        (MONDAY, "events"),
    ]


def test_one_lock_file_one_holder(tmp_path):
    first, second = FileLock(tmp_path / "jobs.sqlite.lock"), FileLock(tmp_path / "jobs.sqlite.lock")
    assert first.acquire()
    try:
        assert not second.acquire()
        assert "pid" in second.holder()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_every_job_command_line_is_one_the_govpatrol_cli_accepts(tmp_path, monkeypatch):
    from govpatrol.cli import build_parser

    monkeypatch.delenv("GOVPATROL_SCHEDULER_COMMAND", raising=False)
    config = load_config(config_file(tmp_path))
    parser = build_parser()
    for name in ("probe", "patrol", "rollup", "full", "recheck", "events"):
        argv = job_argv(name, config, MONDAY)
        args = parser.parse_args(argv[3:])  # after `python -m govpatrol.cli`
        assert args.command == argv[3]
        assert args.as_of == "2025-03-03T00:00:00+08:00"
