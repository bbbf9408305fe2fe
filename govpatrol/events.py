"""重大事件 (major events) and who reposted them: registration, storage, the per-account table.

An event lives in ``<prefix>-events``; the repost watch's facts are observations (``doc_type``
``repost``); the verdicts are computed from those facts by the rule (``pipelines/rules/
account_repost.py``) whenever asked, and recorded as ``ACCOUNT-REPOST-LATE`` findings after each
watching sweep. :func:`event_rows` is the table ``govpatrol event show`` prints and the duty desk
counts down from: plain rows, most urgent first.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from elasticsearch import ApiError, NotFoundError, TransportError

from crawlers.dates import BEIJING
from crawlers.errors import InputError
from crawlers.events import Event, RepostObservation, format_duration, parse_duration
from crawlers.models import Finding, Target
from crawlers.registry_vocab import vocabulary
from pipelines.judge import load_rules
from pipelines.rules.account_repost import INDICATOR, RepostVerdict, judge_event
from pipelines.rules.base import Rules
from pipelines.store import Store, StoreUnavailable, load_template

STATUS_ZH = {
    "missing": "未转载",
    "late": "转载超时",
    "unverified": "无法核实",
    "pending": "待转载",
    "reposted": "已按时转载",
}
DEADLINE_KIND_ZH = {"hours": "小时时限", "working_day": "次一工作日（订阅号）"}
FINAL = ("reposted", "late")  # a repost seen: no more watching (a missing one may still come, late)


@dataclass(frozen=True)
class Scope:
    """What selects an event's accounts from a registry (every filter narrows; values OR'ed)."""

    regions: tuple[str, ...] = ()  # region starts with one of them (a city covers its districts)
    owners: tuple[str, ...] = ()  # owner contains one of them
    platforms: tuple[str, ...] = ()  # platform keys
    targets_file: str = ""

    def record(self) -> dict[str, Any]:
        return {
            "region": list(self.regions),
            "owner": list(self.owners),
            "platform": list(self.platforms),
            "targets_file": self.targets_file,
        }

    def matches(self, target: Target) -> bool:
        return (
            target.kind == "account"
            and (not self.regions or any(target.region.startswith(r) for r in self.regions))
            and (not self.owners or any(o in target.owner for o in self.owners))
            and (not self.platforms or (target.platform or "") in self.platforms)
        )


def split_values(text: str | None) -> tuple[str, ...]:
    """``a,b，c`` -> ("a", "b", "c"): commas of either width, blanks dropped."""
    return tuple(v.strip() for v in (text or "").replace("，", ",").split(",") if v.strip())


def platform_keys(text: str | None) -> tuple[str, ...]:
    """Platform keys from ``--platform`` (keys or Chinese names); InputError names a bad one."""
    keys = []
    for value in split_values(text):
        key = vocabulary().platform(value)
        if key is None:
            raise InputError(f"--platform: unknown platform {value!r} (e.g. weibo, 微博, wechat, 微信公众号)")
        keys.append(key)
    return tuple(keys)


def new_event_id(published: datetime) -> str:
    return f"ev-{published.astimezone(BEIJING):%Y%m%d-%H%M}-{secrets.token_hex(2)}"


def new_event(
    registry: Sequence[Target],
    scope: Scope,
    *,
    title: str,
    url: str,
    keywords: Sequence[str],
    published: datetime,
    deadline: str | None,
    now: datetime,
) -> Event:
    """A validated event (InputError naming the option for bad input)."""
    title, url = title.strip(), url.strip()
    if not title and not url:
        raise InputError("--title / --url: give the authoritative post's title, its URL, or both")
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
        raise InputError(f"--url: not an http(s) URL: {url!r}")
    if published.tzinfo is None:
        raise InputError("--published: a time zone is required")
    minutes = None
    if deadline:
        try:
            minutes = int(round(parse_duration(deadline).total_seconds() / 60))
        except ValueError as exc:
            raise InputError(f"--deadline: {exc}") from None
        if minutes < 1:
            raise InputError(f"--deadline: shorter than a minute: {deadline!r}")
    accounts = [t for t in registry if scope.matches(t)]
    if not accounts:
        given = [
            f"--{name} {','.join(values)}"
            for name, values in (
                ("region", scope.regions),
                ("owner", scope.owners),
                ("platform", scope.platforms),
            )
            if values
        ]
        where = scope.targets_file or "the registry"
        raise InputError(f"{' '.join(given) or '--targets'}: matches no account in {where}")
    return Event(
        id=new_event_id(published),
        title=title,
        url=url,
        keywords=[k for k in dict.fromkeys(keywords) if k],
        published=published,
        deadline_minutes=minutes,
        scope=scope.record(),
        accounts=[t.to_dict() for t in accounts],
        created_at=now,
    )


class EventStore:
    """The events index and the repost facts, on one :class:`~pipelines.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = store.index_name("events")

    def ensure(self) -> None:
        """The events index (a node set up before events existed gets it here)."""
        try:
            if self.store.es.indices.exists(index=self.index):
                return
            body = load_template("events", self.store.prefix)
            self.store.es.indices.put_index_template(name=f"{self.store.prefix}-events", **body)
            self.store.es.indices.create(index=self.index)
        except ApiError as exc:
            if exc.error != "resource_already_exists_exception":
                raise StoreUnavailable(
                    f"Elasticsearch at {self.store.url}: cannot create {self.index}: {exc}"
                ) from exc
        except TransportError as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.store.url} unavailable: {exc}") from exc

    def save(self, event: Event) -> None:
        doc = event.to_dict() | {"target_ids": event.target_ids}
        try:
            self.store.es.index(index=self.index, id=event.id, document=doc, refresh="wait_for")
        except (ApiError, TransportError) as exc:
            raise StoreUnavailable(
                f"Elasticsearch at {self.store.url}: cannot store event {event.id}: {exc}"
            ) from exc

    def get(self, event_id: str) -> Event | None:
        try:
            doc = self.store.es.get(index=self.index, id=event_id)
        except NotFoundError:
            return None
        except (ApiError, TransportError) as exc:
            raise StoreUnavailable(
                f"Elasticsearch at {self.store.url}: cannot read event {event_id}: {exc}"
            ) from exc
        return Event.from_dict(doc["_source"])

    def events(self, status: str | None = None) -> list[Event]:
        """Events, newest publication first (``status``: open | closed | None for all)."""
        query: dict[str, Any] = {"term": {"status": status}} if status else {"match_all": {}}
        docs = self.store.search_all("events", query, [{"published": "desc"}, {"id": "asc"}])
        return [Event.from_dict(d) for d in docs]

    def close(self, event: Event, at: datetime) -> Event:
        event.status, event.closed_at = "closed", at
        self.save(event)
        return event

    def facts(self, event_ids: Sequence[str]) -> list[RepostObservation]:
        """Every repost-watch fact recorded for these events."""
        if not event_ids:
            return []
        query = {
            "bool": {"filter": [{"term": {"doc_type": "repost"}}, {"terms": {"event_id": list(event_ids)}}]}
        }
        sort = [{"event_id": "asc"}, {"target_id": "asc"}, {"@timestamp": "asc"}, {"sweep_id": "asc"}]
        return [RepostObservation.from_dict(d) for d in self.store.search_all("observations", query, sort)]


def verdicts_of(
    es: EventStore, events: Sequence[Event], as_of: datetime, rules: Rules
) -> dict[str, list[RepostVerdict]]:
    """Each event's verdicts at ``as_of``, from the facts on record."""
    facts = es.facts([e.id for e in events])
    return {e.id: judge_event(e, [f for f in facts if f.event_id == e.id], as_of, rules) for e in events}


def row(v: RepostVerdict, as_of: datetime) -> dict[str, Any]:
    """One verdict as a plain row (what the duty desk's countdown needs, JSON-ready). ``delay`` is
    the repost's delay after the event; ``overdue`` how far past the deadline a late repost came or
    a missing one is; ``seconds_left`` the time to the deadline for an account not yet seen."""
    overdue = None
    if v.status == "late" and v.reposted_at is not None:
        overdue = v.reposted_at - v.deadline
    elif v.status == "missing":
        overdue = as_of - v.deadline
    waiting = v.status in ("pending", "unverified") and as_of < v.deadline
    return {
        "event_id": v.event_id,
        "target_id": v.target_id,
        "account": v.name,
        "owner": v.owner,
        "region": v.region,
        "platform": v.platform,
        "url": v.url,
        "status": v.status,
        "status_zh": STATUS_ZH[v.status],
        "reposted_at": v.reposted_at.isoformat() if v.reposted_at else None,
        "delay_minutes": int(v.delay.total_seconds() // 60) if v.delay is not None else None,
        "delay": format_duration(v.delay) if v.delay is not None else "",
        "deadline": v.deadline.isoformat(),
        "deadline_kind": v.deadline_kind,
        "seconds_left": int((v.deadline - as_of).total_seconds()) if waiting else 0,
        "overdue_minutes": int(overdue.total_seconds() // 60) if overdue is not None else None,
        "overdue": format_duration(overdue) if overdue is not None else "",
        "repost_url": v.repost_url,
        "repost_title": v.repost_title,
        "matched_by": v.matched_by,
        "checked_at": v.checked_at.isoformat() if v.checked_at else None,
        "reason": v.reason,
    }


def event_rows(
    store: Store, event_id: str, as_of: datetime | None = None, rules: Rules | None = None
) -> list[dict[str, Any]]:
    """The table of one event's accounts at ``as_of`` (default now), most urgent first: account,
    platform, status, reposted at, delay, deadline (and what else a row of :func:`row` carries).
    KeyError when there is no such event."""
    es = EventStore(store)
    event = es.get(event_id)
    if event is None:
        raise KeyError(event_id)
    at = as_of or datetime.now(BEIJING)
    verdicts = verdicts_of(es, [event], at, rules or load_rules())[event.id]
    return [row(v, at) for v in verdicts]


def record_findings(
    store: Store, verdicts: dict[str, list[RepostVerdict]], as_of: datetime, sweep_id: str
) -> list[Finding]:
    """Store each late, missing or unverified account's finding; a finding on record for an account
    that now passes (a repost seen after all) is marked rectified."""
    findings = [v.finding for vs in verdicts.values() for v in vs if v.finding is not None]
    for f in findings:
        f.sweep_id, f.first_seen, f.last_seen = sweep_id, None, as_of
    passing = {
        (f"event:{v.event_id}", v.target_id): v
        for vs in verdicts.values()
        for v in vs
        if v.status == "reposted"
    }
    if findings:
        store.upsert_findings(findings)
    if passing:
        query = {
            "bool": {
                "filter": [
                    {"term": {"indicator": INDICATOR}},
                    {"terms": {"subject": sorted({subject for subject, _ in passing})}},
                    {"terms": {"status": ["open", "unverified"]}},
                ]
            }
        }
        stale = store.search_all("findings", query, [{"id": "asc"}])
        updates = {}
        for doc in stale:
            v = passing.get((doc.get("subject", ""), doc.get("target_id", "")))
            if v is not None:
                evidence = {
                    "outcome": "reposted",
                    "reposted_at": v.reposted_at.isoformat() if v.reposted_at else None,
                }
                updates[doc["id"]] = {
                    "status": "rectified",
                    "rectified_at": as_of.isoformat(),
                    "rectified_evidence": evidence | {"repost_url": v.repost_url},
                }
        if updates:
            store.update_findings(updates)
    return findings


def open_event_store(store: Store) -> EventStore:
    es = EventStore(store)
    es.ensure()
    return es


__all__ = [
    "DEADLINE_KIND_ZH",
    "FINAL",
    "STATUS_ZH",
    "EventStore",
    "Scope",
    "event_rows",
    "new_event",
    "open_event_store",
    "record_findings",
    "row",
    "verdicts_of",
]
