"""重大事件 (major events) to repost, and the repost watch's facts.

An office registers an :class:`Event`: the authoritative post (its title and/or URL), when it was
published, the keywords that name it, the accounts in scope and an optional deadline. While it is
open every patrol hands the account spider an :class:`EventWatch` per event (who to watch, since
when); the spider records one :class:`RepostObservation` per watched account: the posts it read that
were published since the event, with their time, title, text and links. Whether one of them is a
repost, and whether it came in time, is the rule's decision (``pipelines/rules/account_repost.py``),
so the same facts judged under another indicator file give other verdicts without a crawl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from crawlers.models import Record

EventStatus = Literal["open", "closed"]

_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*d)?\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$", re.I
)


def parse_duration(text: str) -> timedelta:
    """``2h``, ``90m``, ``1h30m``, ``1d``: a deadline after the event's publication (ValueError else)."""
    m = _DURATION.match(text or "")
    if not m or not any(m.groups()):
        raise ValueError(f"not a duration: {text!r} (expected e.g. 2h, 90m, 1h30m, 1d)")
    days, hours, minutes = (float(g) if g else 0.0 for g in m.groups())
    value = timedelta(days=days, hours=hours, minutes=minutes)
    if value <= timedelta(0):
        raise ValueError(f"not a positive duration: {text!r}")
    return value


def format_duration(value: timedelta) -> str:
    """A duration as an inspector reads it: 1小时50分, 2天3小时, 25分."""
    minutes = int(round(value.total_seconds() / 60))
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{mins}分" if mins else ""]
    return sign + ("".join(parts) or "0分")


@dataclass
class Event(Record):
    """One 重大事件 and the accounts that must repost it (a snapshot of the registry at ``add``)."""

    id: str
    title: str
    published: datetime  # timezone-aware: when the authoritative post went out
    url: str = ""  # the authoritative post's URL (a repost may only link to it)
    keywords: list[str] = field(default_factory=list)
    deadline_minutes: int | None = None  # None: the rule's default (indicator data)
    scope: dict[str, Any] = field(default_factory=dict)  # what selected the accounts (region, owner, ...)
    accounts: list[dict[str, Any]] = field(default_factory=list)  # Target.to_dict() of each account
    status: EventStatus = "open"
    created_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def target_ids(self) -> list[str]:
        return [str(a["id"]) for a in self.accounts]

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Event:
        """An event from its stored document (dates parsed back)."""

        def when(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        published = when(doc.get("published"))
        if published is None:
            raise ValueError(f"event {doc.get('id')!r} has no published time")
        return cls(
            id=str(doc["id"]),
            title=str(doc.get("title") or ""),
            published=published,
            url=str(doc.get("url") or ""),
            keywords=[str(k) for k in doc.get("keywords") or []],
            deadline_minutes=doc.get("deadline_minutes"),
            scope=dict(doc.get("scope") or {}),
            accounts=list(doc.get("accounts") or []),
            status="closed" if doc.get("status") == "closed" else "open",
            created_at=when(doc.get("created_at")),
            closed_at=when(doc.get("closed_at")),
        )

    def watch(self, target_ids: list[str] | None = None) -> EventWatch:
        """What the spider needs to watch this event (all its accounts, or those given)."""
        ids = self.target_ids if target_ids is None else target_ids
        return EventWatch(event_id=self.id, since=self.published, target_ids=tuple(ids))


@dataclass(frozen=True)
class EventWatch:
    """The spider's part of an event: which accounts, and posts published since when."""

    event_id: str
    since: datetime
    target_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "since": self.since.isoformat(),
            "target_ids": list(self.target_ids),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> EventWatch:
        return cls(str(doc["event_id"]), datetime.fromisoformat(doc["since"]), tuple(doc["target_ids"]))


@dataclass
class RepostPost(Record):
    """One post read while watching: its own time, words (personal numbers masked) and links."""

    date: datetime
    raw: str = ""  # the raw value the date was read from
    url: str = ""
    title: str = ""
    text: str = ""  # title and text as the page object saw them, masked
    links: list[str] = field(default_factory=list)  # URLs the post carries (in its text or its data)
    pinned: bool = False


@dataclass
class RepostObservation(Record):
    """What one check of one account showed for one event (a fact, never rewritten)."""

    event_id: str
    target_id: str
    platform: str
    url: str  # the profile checked
    fetched_at: datetime
    as_of: datetime  # the sweep's check time (its --as-of): what the rule judges the check by
    state: str  # the account check's state: latest | no_posts | gone | private | unverified
    since: datetime  # the event's publication: posts before it are not kept
    posts: list[RepostPost] = field(default_factory=list)  # posts published since the event
    posts_seen: int = 0  # posts on the page(s) read, of any date
    oldest_seen: datetime | None = None  # the oldest dated post read (None: none)
    reason: str = ""  # why, for unverified / gone / private

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> RepostObservation:
        def when(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        posts = [
            RepostPost(
                date=datetime.fromisoformat(p["date"]),
                raw=str(p.get("raw") or ""),
                url=str(p.get("url") or ""),
                title=str(p.get("title") or ""),
                text=str(p.get("text") or ""),
                links=[str(u) for u in p.get("links") or []],
                pinned=bool(p.get("pinned")),
            )
            for p in doc.get("posts") or []
        ]
        since = when(doc.get("since"))
        fetched = when(doc.get("fetched_at"))
        as_of = when(doc.get("as_of"))
        if since is None or fetched is None or as_of is None:
            raise ValueError("repost observation without since / fetched_at / as_of")
        return cls(
            event_id=str(doc["event_id"]),
            target_id=str(doc["target_id"]),
            platform=str(doc.get("platform") or ""),
            url=str(doc.get("url") or ""),
            fetched_at=fetched,
            as_of=as_of,
            state=str(doc.get("state") or ""),
            since=since,
            posts=posts,
            posts_seen=int(doc.get("posts_seen") or 0),
            oldest_seen=when(doc.get("oldest_seen")),
            reason=str(doc.get("reason") or ""),
        )
