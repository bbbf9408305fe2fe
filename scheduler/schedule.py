"""The schedules as data: which job fires when, built from ``[scheduler]`` in the TOML config.

Kept apart from the running service so the fire times can be computed (and tested) for any window
with the triggers' own ``get_next_fire_time``: a simulated week needs no waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawlers.config import Config

TIMEZONE = ZoneInfo("Asia/Shanghai")  # offices count days and quarters in Beijing time

# Interval jobs are aligned to Beijing midnight (probes on the hour, patrols at even hours), so the
# times an inspector reads in the ledger are the same whenever the service was started.
_ALIGN = datetime(2020, 1, 1, tzinfo=TIMEZONE)

JOB_NAMES = ("probe", "patrol", "rollup", "full", "recheck", "events")

DESCRIPTIONS = {
    "probe": "availability probe of every site's homepage",
    "patrol": "2-hour patrol: homepage freshness and links, every account's latest post",
    "rollup": "weekly SITE-VETO-UNREACHABLE roll-up over the last 7 days of probes",
    "full": "quarterly full sweep: every column, a seeded sample of accounts",
    "recheck": "daily re-check (复查) of every open finding",
    "events": "repost watch of the open 重大事件 (a no-op while none is open), and its deadline alerts",
}


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: a stable id (the job store key) and its trigger."""

    name: str
    trigger: BaseTrigger
    description: str

    @property
    def job_id(self) -> str:
        return f"govpatrol-{self.name}"


def job_specs(config: Config, *, probe_seconds: int | None = None) -> list[JobSpec]:
    """The schedules of issue 4 and the repost watch from the config; ``probe_seconds`` is a test hook only."""
    s = config.scheduler  # bounds and crontab syntax were checked when the config was read
    probe = (
        IntervalTrigger(seconds=probe_seconds, start_date=_ALIGN, timezone=TIMEZONE)
        if probe_seconds
        else IntervalTrigger(minutes=s.probe_minutes, start_date=_ALIGN, timezone=TIMEZONE)
    )
    triggers: dict[str, BaseTrigger] = {
        "probe": probe,
        "patrol": IntervalTrigger(hours=s.patrol_hours, start_date=_ALIGN, timezone=TIMEZONE),
    }
    # the repost watch: `govpatrol event watch` ends at once when no event is open
    triggers["events"] = IntervalTrigger(
        minutes=config.events.watch_minutes, start_date=_ALIGN, timezone=TIMEZONE
    )
    for name, expr in (("rollup", s.rollup_cron), ("full", s.full_cron), ("recheck", s.recheck_cron)):
        triggers[name] = CronTrigger.from_crontab(expr, timezone=TIMEZONE)
    return [JobSpec(name, triggers[name], DESCRIPTIONS[name]) for name in JOB_NAMES]


def job_defaults(config: Config) -> dict[str, object]:
    """Every job: missed runs collapse into one, never two at once, late runs within the grace."""
    return {"coalesce": True, "max_instances": 1, "misfire_grace_time": config.scheduler.misfire_grace_s}


def fire_times(trigger: BaseTrigger, start: datetime, end: datetime) -> Iterator[datetime]:
    """Fire times in [start, end), as the scheduler would compute them, without waiting."""
    previous = None
    now = start
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None or nxt >= end:
            return
        yield nxt
        previous, now = nxt, nxt + timedelta(microseconds=1)


def timeline(specs: list[JobSpec], start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Every (fire time, job name) in the window, in order: the driver of a controlled-clock replay."""
    events = [(t, spec.name) for spec in specs for t in fire_times(spec.trigger, start, end)]
    order = {name: i for i, name in enumerate(JOB_NAMES)}
    return sorted(events, key=lambda e: (e[0], order[e[1]]))
