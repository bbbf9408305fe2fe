"""A quarter in the life of an office on the simulated web: the scenario and its ground truth.

Four sites and two Weibo accounts through 2025Q1 (90 days, hourly probes):

- S001 healthy: the control, never named anywhere;
- S002 down for 3 consecutive hours in every 50 (6%): every roll-up with the rule's coverage vetoes
  it (站点无法访问), the first one (Jan 6, only 126 probes) gives the early warning 探测次数不足, and
  every outage sends one 站点宕机 and one 已恢复 alert;
- S004 down for one hour in every 100 (1%): below every line, never alerted (no two in a row);
- S013 with stale columns (栏目不更新) until it is fixed in week 5;
- A001 posting every day-and-a-half; A002 a zombie (last post 20 days before the quarter) that
  starts posting again in week 8.

The clock is the run being made (:meth:`QuarterWorld.at`): probes see the outage plan of their
round, sweeps see the web as it is at their ``--as-of`` (content dated to it, fixes applied). The
schedule the truth assumes is :data:`SCHEDULE` (weekly patrols on Wednesdays 00:00, re-checks on
Thursdays 08:00, roll-ups on Mondays 06:00, the full sweep on Jan 1 02:00, hourly probes).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from crawlers.dates import BEIJING
from crawlers.thresholds import load_thresholds
from simweb.accounts import AccountWorld, make_posts, sim_account
from simweb.outages import ProbeOutages
from simweb.platforms import app_class
from simweb.platforms.base import SimAccount
from simweb.server import SimulatedWeb
from simweb.world import World, build_world

START = datetime(2025, 1, 1, tzinfo=BEIJING)
END = datetime(2025, 4, 1, tzinfo=BEIJING)
HOUR = timedelta(hours=1)
ROUNDS = int((END - START) / HOUR)  # 2160 hourly probe rounds
SITES = ("S001", "S002", "S004", "S013")
OUTAGE_SITE, OUTAGE_PERIOD, OUTAGE_HOURS = "S002", 50, (13, 14, 15)  # 3 / 50 = 6%
BLIP_SITE, BLIP_PERIOD, BLIP_HOURS = "S004", 100, (57,)  # 1 / 100 = 1%
STALE_SITE, STALE_FIXED = "S013", START + timedelta(days=29)  # Thursday of week 5
ACTIVE, ZOMBIE, ZOMBIE_POSTS_FROM = "A001", "A002", START + timedelta(days=50)  # Thursday of week 8
RESTART_AT = START + timedelta(days=36, hours=12, minutes=30)  # week 6: services stopped and started
ES_DOWN = (START + timedelta(days=55, hours=23, minutes=30), START + timedelta(days=56, hours=12, minutes=30))
SCHEDULE = {
    "probe_minutes": 60,
    "patrol_hours": 168,
    "rollup_cron": "0 6 * * mon",
    "full_cron": "0 2 1 1,4,7,10 *",
    "recheck_cron": "0 8 * * thu",
    "sample_ratio": 1.0,
}
WEEK = timedelta(days=7)


def rounds() -> list[datetime]:
    return [START + i * HOUR for i in range(ROUNDS)]


def is_down(site: str, when: datetime) -> bool:
    hour = int((when - START) / HOUR)
    if site == OUTAGE_SITE:
        return hour % OUTAGE_PERIOD in OUTAGE_HOURS
    if site == BLIP_SITE:
        return hour % BLIP_PERIOD in BLIP_HOURS
    return False


def _next(after: datetime, first: datetime, step: timedelta) -> datetime:
    """The first run of a schedule (``first`` + k × ``step``) at or after ``after``."""
    k = max(0, -(-(after - first) // step))
    return first + k * step


class QuarterTruth:
    """What a correct govpatrol must report about the quarter, from the plan alone."""

    def __init__(self, indicators: str | Path | None = None) -> None:
        self.rule = load_thresholds(indicators)["SITE-VETO-UNREACHABLE"]

    def rollups(self) -> dict[datetime, dict[str, tuple[int, int, str | None]]]:
        """Roll-up time -> site -> (probes, failed, verdict): veto | short (探测次数不足) | warning | None."""
        expected = int(self.rule["window_days"]) * int(self.rule["probes_per_day"])
        fail, warn = Fraction(str(self.rule["fail_ratio"])), Fraction(str(self.rule["warn_ratio"]))
        out: dict[datetime, dict[str, tuple[int, int, str | None]]] = {}
        when = _next(START, START + timedelta(days=5, hours=6), WEEK)  # Mondays 06:00
        while when < END:
            window = [t for t in rounds() if when - WEEK <= t < when]
            out[when] = {}
            for site in SITES:
                failed = sum(is_down(site, t) for t in window)
                share = Fraction(failed, len(window)) if window else Fraction(0)
                verdict = None
                if share >= fail:
                    verdict = "veto" if len(window) >= expected else "short"
                elif share >= warn:
                    verdict = "warning"
                out[when][site] = (len(window), failed, verdict)
            when += WEEK
        return out

    def outage_alerts(self) -> list[tuple[str, str, datetime]]:
        """(site, 站点宕机 | 已恢复, the round that sends it): each outage of 2+ failed probes in a row."""
        alerts: list[tuple[str, str, datetime]] = []
        for site in SITES:
            streak = 0
            for t in rounds():
                if is_down(site, t):
                    streak += 1
                    if streak == 2:
                        alerts.append((site, "站点宕机", t))
                else:
                    if streak >= 2:
                        alerts.append((site, "已恢复", t))
                    streak = 0
        return sorted(alerts, key=lambda a: (a[2], a[0]))

    def quarter(self) -> dict[str, Any]:
        """The 通报 of 2025Q1: each target's verdict, the problems of 二 and the 复查 lines."""
        recheck = START + timedelta(days=1, hours=8)  # Thursdays 08:00
        first_veto = next(t for t, sites in self.rollups().items() if sites[OUTAGE_SITE][2] == "veto")
        return {
            "verdicts": {
                "S001": "pass",
                "S002": "fail",
                "S004": "pass",
                "S013": "fail",
                ACTIVE: "pass",
                ZOMBIE: "fail",
            },
            "problems": {"站点无法访问": [OUTAGE_SITE], "栏目不更新": [STALE_SITE], "内容不更新": [ZOMBIE]},
            "first_seen": {OUTAGE_SITE: first_veto, STALE_SITE: START + 2 * HOUR, ZOMBIE: START},
            "rectified": {
                STALE_SITE: _next(STALE_FIXED, recheck, WEEK),
                ZOMBIE: min(_next(ZOMBIE_POSTS_FROM, recheck, WEEK), _next(ZOMBIE_POSTS_FROM, START, WEEK)),
            },
            "still_open": [],
            "sampled": 2,
            "forced": 1,  # the zombie found by the first patrol is always re-checked
        }


@dataclass
class QuarterWorld:
    """The simulated web of the quarter, served, with the clock of the run being made."""

    web: SimulatedWeb
    outages: ProbeOutages

    @classmethod
    def build(cls) -> QuarterWorld:
        rng = random.Random(2025)
        accounts = [
            sim_account(n, "weibo", case, START, rng, digits=3) for n, case in ((1, "active"), (2, "zombie"))
        ]
        platforms = AccountWorld(as_of=START)
        platforms.apps["weibo"] = app_class("weibo")(accounts, START)
        web = SimulatedWeb(build_world(START), accounts=platforms)
        return cls(web=web, outages=ProbeOutages(web.world))

    def start(self) -> QuarterWorld:
        self.web.start()
        for site in (OUTAGE_SITE, BLIP_SITE):
            host = self.web.world.sites[site].host
            self.outages.plan(host, [t for t in rounds() if is_down(site, t)])
        self.at(START, rebuild=True)
        return self

    def stop(self) -> None:
        self.outages.restore()
        self.web.stop()

    @property
    def accounts(self) -> dict[str, SimAccount]:
        assert self.web.accounts is not None
        return {a.target_id: a for a in self.web.accounts.accounts}

    def at(self, when: datetime, rebuild: bool = False) -> None:
        """The web as the run at ``when`` finds it; ``rebuild``: content dated to ``when`` (sweeps)."""
        self.outages.now = when
        if rebuild:
            world: World = build_world(when)
            world.port, world.closed_port = self.web.port, self.web.closed_port
            if when >= STALE_FIXED:
                world.fix_site(STALE_SITE)
            self.outages.rebind(world)
            self.web.world = world
        rng = random.Random(int(when.timestamp()))
        self.accounts[ACTIVE].posts = make_posts("active", when, rng, prefix="we001")
        if when < ZOMBIE_POSTS_FROM:
            self.accounts[ZOMBIE].posts = make_posts("zombie", START, rng, prefix="we002")
        else:
            fresh = make_posts("active", when, rng, prefix="we002")
            self.accounts[ZOMBIE].posts = [p for p in fresh if p.date >= ZOMBIE_POSTS_FROM]

    def write_registry(self, path: Path) -> Path:
        """The office's registry: the four sites and the two accounts."""
        rows = self.web.write_targets_csv(path).read_text(encoding="utf-8").splitlines()
        keep = [rows[0], *(r for r in rows[1:] if r.split(",", 1)[0] in (*SITES, ACTIVE, ZOMBIE))]
        path.write_text("\n".join(keep) + "\n", encoding="utf-8")
        return path
