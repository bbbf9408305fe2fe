"""The duty roster (值班表): who is on duty (值守) and who leads (带班) on each Beijing calendar day.

One document per day in ``<prefix>-roster`` (id = the day), edited by an admin on the desk; the duty
log names, for each patrol, the officer on duty the day it started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from elasticsearch import ApiError, TransportError

from crawlers.dates import BEIJING
from govpatrol.ledger import month_bounds
from pipelines.store import Store, StoreUnavailable


class RosterError(ValueError):
    """A roster entry that cannot be saved (bad day, unknown officer)."""


@dataclass(frozen=True)
class Duty:
    day: date
    officer: str = ""
    leader: str = ""
    updated_by: str = ""


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise RosterError(f"日期格式应为 YYYY-MM-DD：{text!r}") from None


def month_days(month: str) -> list[date]:
    start, end = month_bounds(month)
    return [start.date() + timedelta(days=i) for i in range((end.date() - start.date()).days)]


def month_roster(store: Store, month: str) -> dict[date, Duty]:
    """The month's entries by day (days nobody was put on are missing)."""
    start, end = month_bounds(month)
    query = {"range": {"day": {"gte": start.date().isoformat(), "lt": end.date().isoformat()}}}
    docs = store.search_all("roster", query, [{"day": "asc"}])
    out: dict[date, Duty] = {}
    for doc in docs:
        day = date.fromisoformat(str(doc["day"]))
        out[day] = Duty(
            day, str(doc.get("officer") or ""), str(doc.get("leader") or ""), str(doc.get("updated_by") or "")
        )
    return out


def set_duty(store: Store, day: date, officer: str, leader: str, *, by: str) -> Duty:
    """Put ``officer`` (and ``leader``) on ``day``; empty names clear the day."""
    doc: dict[str, Any] = {
        "day": day.isoformat(),
        "officer": officer.strip(),
        "leader": leader.strip(),
        "updated_by": by,
        "updated_at": datetime.now(UTC).isoformat(),
    }
    try:
        store.es.index(index=store.index_name("roster"), id=day.isoformat(), document=doc, refresh=True)
    except (TransportError, ApiError) as exc:
        raise StoreUnavailable(f"Elasticsearch at {store.url}: cannot write the roster: {exc}") from exc
    return Duty(day, doc["officer"], doc["leader"], by)


def on_duty(roster: dict[date, Duty], when: datetime | None) -> Duty | None:
    """The roster entry of the Beijing day ``when`` falls on."""
    if when is None:
        return None
    return roster.get(when.astimezone(BEIJING).date())
