"""重大事件转载: each open event's accounts -- reposted at, delay, not yet, unverified -- with the
time left to each account's deadline, from :func:`govpatrol.events.event_rows`, the table
``govpatrol event show`` prints. The page needs no script: it is rendered at request time, so a
reload (or the officer's next visit) shows the countdown as of then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crawlers.dates import BEIJING
from crawlers.events import Event
from govpatrol.events import event_rows, open_event_store
from govpatrol.labels import PLATFORM_LABELS
from govpatrol.web.desk import desk_of
from govpatrol.web.security import require
from pipelines.judge import load_rules
from pipelines.store import Store


@dataclass
class EventTable:
    event: Event
    rows: list[dict[str, Any]]

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row["status"]] = out.get(row["status"], 0) + 1
        return out

    @property
    def next_deadline(self) -> datetime | None:
        """The nearest deadline of an account not yet seen reposting (None when none waits)."""
        waiting = [datetime.fromisoformat(r["deadline"]) for r in self.rows if r["seconds_left"] > 0]
        return min(waiting) if waiting else None


def open_events(store: Store, now: datetime, indicators_file: str | None = None) -> list[EventTable]:
    """Every open event with its accounts' rows as of ``now``."""
    events = open_event_store(store).events("open")
    rules = load_rules(indicators_file) if events else None
    return [EventTable(e, event_rows(store, e.id, now, rules)) for e in events]


def today_summary(store: Store, now: datetime, indicators_file: str | None = None) -> list[dict[str, Any]]:
    """What 今日值守 lists of each open event: title, nearest deadline, time left, counts."""
    out = []
    for table in open_events(store, now, indicators_file):
        counts = table.counts
        deadline = table.next_deadline
        out.append(
            {
                "id": table.event.id,
                "title": table.event.title,
                "deadline": deadline.isoformat() if deadline else "",
                "left_s": (deadline - now).total_seconds() if deadline else 0,
                "reposted": counts.get("reposted", 0) + counts.get("late", 0),
                "missing": counts.get("missing", 0) + counts.get("pending", 0) + counts.get("unverified", 0),
            }
        )
    return out


@require()
def events_page(request: Request) -> Response:
    desk = desk_of(request)
    now = datetime.now(BEIJING)
    tables = open_events(desk.store, now, desk.config.indicators_file or None)
    return desk.render(request, "events.html", tables=tables, platforms=PLATFORM_LABELS, as_of=now)


ROUTES = [Route("/events", events_page, methods=["GET"])]
