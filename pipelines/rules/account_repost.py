"""ACCOUNT-REPOST-LATE (重大信息转载不及时): an account in an event's scope that did not repost it by
the deadline (missing), or whose first repost came after it (late).

Judged per (event, account) from every repost-watch fact recorded for that pair up to the as-of
time, so a repost seen by an earlier patrol still counts after it has left the account's first page.
The deadline is the event's own, else ``deadline_hours`` after its publication; a WeChat account
counts as a subscription account (订阅号) unless the registry's 账号类型 says 服务号, and a
subscription account has until the end of the next working day (weekends and ``holidays`` skipped,
``working_weekends`` worked) when that is later. An account we could not read after the deadline, or
whose posts read do not reach back to the event, is unverified for the event, never late.

Statuses of :class:`RepostVerdict`: ``reposted`` (in time: passes), ``late``, ``missing``,
``unverified``, ``pending`` (no repost seen yet, the deadline still ahead).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from crawlers.dates import BEIJING
from crawlers.events import Event, RepostObservation, RepostPost, format_duration
from crawlers.models import Finding, Target
from crawlers.workdays import WorkCalendar
from pipelines.rules.account_base import reason_words
from pipelines.rules.base import Rules, make_finding
from pipelines.rules.repost_match import Match, match_post

INDICATOR = "ACCOUNT-REPOST-LATE"
SERVICE_ACCOUNT = "服务号"  # the registry's 账号类型 for a WeChat service account (2-hour deadline)
READABLE = ("latest", "no_posts")
POSTS_IN_EVIDENCE = 20  # posts read, listed in a missing account's evidence (newest first)
STATUS_ORDER = ("missing", "late", "unverified", "pending", "reposted")  # most urgent first


@dataclass
class RepostVerdict:
    """One account's standing for one event: what ``event show`` lists and the duty desk counts down."""

    event_id: str
    target_id: str
    name: str
    owner: str
    region: str
    platform: str
    url: str
    status: str  # reposted | late | missing | unverified | pending
    deadline: datetime
    deadline_kind: str  # hours | working_day
    reposted_at: datetime | None = None
    delay: timedelta | None = None
    repost_url: str = ""
    repost_title: str = ""
    matched_by: str = ""
    checked_at: datetime | None = None  # the last check of the account for this event
    posts_read: int = 0
    reason: str = ""
    finding: Finding | None = field(default=None, repr=False)


def calendar(params: dict[str, Any]) -> WorkCalendar:
    return WorkCalendar.from_lists(params.get("holidays", []), params.get("working_weekends", []))


def target_of(account: dict[str, Any]) -> Target:
    """The registry row an event kept for an account."""
    known = {f.name for f in fields(Target)}
    return Target(**{k: v for k, v in account.items() if k in known})


def is_subscription(target: Target) -> bool:
    return target.platform == "wechat" and (target.account_type or "").strip() != SERVICE_ACCOUNT


def deadline_for(event: Event, target: Target, params: dict[str, Any]) -> tuple[datetime, str]:
    """The account's deadline and its kind (``hours``, or ``working_day`` for a subscription account)."""
    minutes = event.deadline_minutes or int(round(float(params["deadline_hours"]) * 60))
    base = event.published + timedelta(minutes=minutes)
    if params.get("subscription_working_day") and is_subscription(target):
        published = event.published.astimezone(BEIJING)
        working = calendar(params).end_of_next_working_day(published)
        if working > base:
            return working, "working_day"
    return base, "hours"


def _first_repost(
    event: Event, facts: list[RepostObservation], as_of: datetime, params: dict[str, Any]
) -> tuple[RepostPost, Match, RepostObservation] | None:
    """The earliest post (by its own date) that reposts the event, over every check."""
    found: tuple[RepostPost, Match, RepostObservation] | None = None
    for obs in facts:
        for post in obs.posts:
            if post.date < event.published or post.date > as_of:
                continue
            if found is not None and post.date >= found[0].date:
                continue
            match = match_post(post, event, params)
            if match is not None:
                found = (post, match, obs)
    return found


def _covered_until(event: Event, facts: list[RepostObservation]) -> datetime | None:
    """Up to when the posts read cover every post since the event (None: not from the start).

    A readable check covers from its oldest post read (or from the start, when the list held
    everything or reached back before the event) up to its check time (the sweep's as-of); the checks' windows are
    joined in time order, a gap ends the coverage."""
    until: datetime | None = None
    for obs in sorted(facts, key=lambda o: o.as_of):
        if obs.state not in READABLE:
            continue
        start = obs.oldest_seen if obs.state == "latest" and obs.oldest_seen else None
        reaches = start is None or start <= event.published or (until is not None and start <= until)
        if reaches and (until is None or obs.as_of > until):
            until = obs.as_of
    return until


def _posts_read(facts: list[RepostObservation]) -> list[dict[str, Any]]:
    posts = {(p.url, p.date): p for obs in facts for p in obs.posts}
    newest = sorted(posts.values(), key=lambda p: p.date, reverse=True)[:POSTS_IN_EVIDENCE]
    return [{"date": p.date.isoformat(), "title": p.title[:120], "url": p.url} for p in newest]


def _why_unread(obs: RepostObservation) -> str:
    if obs.state == "gone":
        return "账号已注销或被封禁"
    if obs.state == "private":
        return "账号内容不公开"
    return reason_words(obs.reason or obs.state)


def _when(value: datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def judge_event_account(
    event: Event, account: dict[str, Any], facts: list[RepostObservation], as_of: datetime, rules: Rules
) -> RepostVerdict:
    """One account's verdict for one event at ``as_of``, with its finding when late, missing or
    unverified after the deadline."""
    params = rules.table(INDICATOR)
    target = target_of(account)
    facts = sorted((f for f in facts if f.as_of <= as_of), key=lambda f: f.as_of)
    deadline, kind = deadline_for(event, target, params)
    verdict = RepostVerdict(
        event_id=event.id,
        target_id=target.id,
        name=target.name,
        owner=target.owner,
        region=target.region,
        platform=target.platform or "",
        url=target.url,
        status="pending",
        deadline=deadline,
        deadline_kind=kind,
        checked_at=facts[-1].as_of if facts else None,
        posts_read=len({(p.url, p.date) for f in facts for p in f.posts}),
    )
    evidence: dict[str, Any] = {
        "event_id": event.id,
        "event_title": event.title,
        "event_url": event.url,
        "published": event.published.isoformat(),
        "deadline": deadline.isoformat(),
        "deadline_kind": kind,
        "checked_at": verdict.checked_at.isoformat() if verdict.checked_at else None,
    }
    first = _first_repost(event, facts, as_of, params)
    if first is not None:
        post, match, obs = first
        delay = post.date - event.published
        verdict.reposted_at, verdict.delay = post.date, delay
        verdict.repost_url, verdict.repost_title, verdict.matched_by = post.url, post.title, match.by
        if post.date <= deadline:
            verdict.status = "reposted"
            return verdict
        verdict.status = "late"
        evidence |= {
            "outcome": "late",
            "repost": {
                "url": post.url,
                "title": post.title[:200],
                "date": post.date.isoformat(),
                "raw": post.raw,
            },
            "matched_by": match.by,
            "match_detail": match.detail,
            "similarity": match.similarity,
            "found_at": obs.as_of.isoformat(),
            "delay_minutes": int(delay.total_seconds() // 60),
            "delay": format_duration(delay),
        }
        message = (
            f"重大信息“{event.title}”转载不及时：{_when(post.date)}转载，距发布{format_duration(delay)}，"
            f"超过时限（{_when(deadline)}）{format_duration(post.date - deadline)}"
        )
        verdict.finding = _finding(target, params, evidence, as_of, message, event, post.url or target.url)
        return verdict
    if as_of < deadline:  # pending: nothing seen yet, still in time
        last = facts[-1] if facts else None
        verdict.reason = _why_unread(last) if last is not None and last.state not in READABLE else ""
        return verdict
    covered = _covered_until(event, facts)
    if covered is not None and covered >= deadline:
        verdict.status = "missing"
        late_by = as_of - event.published
        evidence |= {
            "outcome": "missing",
            "delay_minutes": int(late_by.total_seconds() // 60),
            "delay": format_duration(late_by),
            "posts_read": _posts_read(facts),
        }
        message = (
            f"截至{_when(verdict.checked_at or as_of)}未转载重大信息“{event.title}”"
            f"（时限{_when(deadline)}，已过{format_duration(as_of - deadline)}）"
        )
        verdict.finding = _finding(target, params, evidence, as_of, message, event, target.url)
        return verdict
    verdict.status = "unverified"
    last = facts[-1] if facts else None
    if last is None:
        verdict.reason = "事件发布后尚未检查该账号"
    elif last.state not in READABLE:
        verdict.reason = _why_unread(last)
    else:
        verdict.reason = "读到的发布未覆盖事件发布以来的全部内容"
    evidence |= {"outcome": "unverified", "reason": verdict.reason, "posts_read": _posts_read(facts)}
    message = f"未能核实是否转载重大信息“{event.title}”：{verdict.reason}"
    verdict.finding = _finding(
        target, params, evidence, as_of, message, event, target.url, status="unverified"
    )
    return verdict


def _finding(
    target: Target,
    params: dict[str, Any],
    evidence: dict[str, Any],
    as_of: datetime,
    message: str,
    event: Event,
    subject_url: str,
    status: str = "open",
) -> Finding:
    return make_finding(
        target,
        INDICATOR,
        params,
        evidence=evidence,
        as_of=as_of,
        message=message,
        status=status,
        subject_url=subject_url,
        subject=f"event:{event.id}",
        points=float(params["points"]) if status == "open" else 0.0,
    )


def judge_event(
    event: Event, facts: list[RepostObservation], as_of: datetime, rules: Rules
) -> list[RepostVerdict]:
    """Every in-scope account's verdict, most urgent first (missing, late, unverified, pending,
    reposted; then by deadline, then by delay, longest first)."""
    by_target: dict[str, list[RepostObservation]] = {}
    for obs in facts:
        if obs.event_id == event.id:
            by_target.setdefault(obs.target_id, []).append(obs)
    verdicts = [
        judge_event_account(event, account, by_target.get(str(account["id"]), []), as_of, rules)
        for account in event.accounts
    ]
    return sorted(verdicts, key=urgency)


def urgency(v: RepostVerdict) -> tuple[int, float, float, str]:
    delay = v.delay.total_seconds() if v.delay is not None else 0.0
    return (STATUS_ORDER.index(v.status), v.deadline.timestamp(), -delay, v.target_id)
