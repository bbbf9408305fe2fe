"""今日值守: what needs the officer now -- the last and next patrol, sites down, new hits, events.

"New" means first seen since the officer last opened this page (the first visit looks back a day);
the visit is remembered after the page is built, so a reload shows only what came in meanwhile.
Pages read without forcing a refresh: what a sweep wrote is searchable within Elasticsearch's
one-second refresh interval, and the desk's own writes wait for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crawlers.dates import BEIJING
from govpatrol.ledger import KIND_LABELS
from govpatrol.web.desk import desk_of
from govpatrol.web.events import today_summary
from govpatrol.web.security import current_user, require
from pipelines.store import Store

NEW_SHOWN = 50
PATROL_KINDS = ["patrol", "full"]
FIRST_LOOK_BACK = timedelta(days=1)


@dataclass
class Today:
    now: datetime
    since: datetime
    last_patrol: dict[str, Any] | None = None
    last_patrol_label: str = ""
    next_patrol: datetime | None = None
    down: list[dict[str, Any]] = field(default_factory=list)
    new_count: int = 0
    new_hits: list[dict[str, Any]] = field(default_factory=list)
    pending: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        """Nothing down, nothing new, nothing waiting, no event open."""
        return not (self.down or self.new_count or self.pending or self.events)


def _count(store: Store, kind: str, query: dict[str, Any]) -> int:
    resp = store.es.count(index=store.index_name(kind), query=query, ignore_unavailable=True)
    return int(resp["count"])


def build_today(store: Store, *, since: datetime, now: datetime, patrol_hours: int) -> Today:
    """The page's facts from Elasticsearch (a handful of small queries, each with a limit)."""
    view = Today(now=now, since=since)
    last = store.search_all(
        "sweeps", {"terms": {"kind": PATROL_KINDS}}, [{"started_at": "desc"}, {"id": "asc"}], limit=1
    )
    if last:
        view.last_patrol = last[0]
        view.last_patrol_label = KIND_LABELS.get(str(last[0].get("kind")), str(last[0].get("kind")))
        started = datetime.fromisoformat(str(last[0]["started_at"]))
        view.next_patrol = started + timedelta(hours=patrol_hours)
    down_query = {"bool": {"filter": [{"term": {"kind": "outage"}}, {"term": {"state": "down"}}]}}
    for doc in store.search_all("alerts", down_query, [{"down_since": "asc"}, {"id": "asc"}], limit=500):
        began = datetime.fromisoformat(str(doc.get("down_since") or now.isoformat()))
        view.down.append({**doc, "lasting_s": (now - began).total_seconds()})
    new_query = {
        "bool": {
            "filter": [
                {"terms": {"status": ["open", "pending_review"]}},
                {"range": {"first_seen": {"gte": since.isoformat()}}},
            ]
        }
    }
    view.new_count = _count(store, "findings", new_query)
    view.new_hits = store.search_all(
        "findings", new_query, [{"first_seen": "desc"}, {"id": "asc"}], limit=NEW_SHOWN
    )
    view.pending = _count(store, "findings", {"term": {"status": "pending_review"}})
    return view


@require()
def today_page(request: Request) -> Response:
    desk = desk_of(request)
    username = str((current_user(request) or {}).get("username", ""))
    now = datetime.now(BEIJING)
    account = desk.users.get(username)
    since = (
        datetime.fromisoformat(account.last_visit)
        if account and account.last_visit
        else now - FIRST_LOOK_BACK
    )
    view = build_today(desk.store, since=since, now=now, patrol_hours=desk.config.scheduler.patrol_hours)
    view.events = today_summary(desk.store, now, desk.config.indicators_file or None)
    desk.users.touch_visit(username, now)
    return desk.render(request, "today.html", view=view)


ROUTES = [Route("/", today_page, methods=["GET"])]
