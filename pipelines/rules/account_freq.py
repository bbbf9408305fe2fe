"""ACCOUNT-FREQ-LOW (更新频率不达标): local update-frequency policies, e.g. Guiyang's "district
governments post every working day, city departments at least twice a week".

Policies are data (``[["ACCOUNT-FREQ-LOW".policies]]`` in the indicator file, none by default), so
an office states its own rules without code. Only the first page of posts is seen: when its oldest
post is still inside the window, posts before it are unknown, so the count is a lower bound and
nothing that might merely be unseen produces a notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from crawlers.dates import BEIJING
from crawlers.models import Finding, Target
from pipelines.rules.account_base import AccountContext
from pipelines.rules.base import Rules

INDICATOR = "ACCOUNT-FREQ-LOW"
SKIP_WHEN_VETOED = True  # an account already failing the no-update veto is not counted again here


@dataclass(frozen=True)
class Policy:
    """One frequency rule for one class of accounts."""

    name: str
    window_days: int = 7
    every_working_day: bool = False
    min_posts_per_week: float | None = None
    owner_keywords: tuple[str, ...] = ()
    exclude_owner_keywords: tuple[str, ...] = ()
    region_pattern: str = ""
    platforms: tuple[str, ...] = ()

    def matches(self, target: Target) -> bool:
        """Every criterion the policy gives must hold (none given: every account)."""
        owner = target.owner
        if self.owner_keywords and not any(k in owner for k in self.owner_keywords):
            return False
        if any(k in owner for k in self.exclude_owner_keywords):
            return False
        if self.region_pattern and not re.search(self.region_pattern, target.region):
            return False
        return not self.platforms or target.platform in self.platforms

    def describe(self) -> str:
        if self.every_working_day:
            return f"近{self.window_days}天每个工作日至少发布1条"
        return f"每周至少发布{self.min_posts_per_week:g}条"


def policies(rules: Rules) -> list[Policy]:
    """The configured policies; a malformed one stops the sweep before it starts."""
    out = []
    for i, raw in enumerate(rules.table(INDICATOR).get("policies", [])):
        name = raw.get("name") or f"policy {i + 1}"
        has_weekly = raw.get("min_posts_per_week") is not None
        if bool(raw.get("every_working_day")) == has_weekly:
            raise ValueError(
                f"{INDICATOR} policy {name!r}: give exactly one of every_working_day, min_posts_per_week"
            )
        window = int(raw.get("window_days", 7))
        if window < 1:
            raise ValueError(f"{INDICATOR} policy {name!r}: window_days must be at least 1")
        pattern = str(raw.get("region_pattern", ""))
        re.compile(pattern)
        out.append(
            Policy(
                name=name,
                window_days=window,
                every_working_day=bool(raw.get("every_working_day")),
                min_posts_per_week=float(raw["min_posts_per_week"]) if has_weekly else None,
                owner_keywords=tuple(raw.get("owner_keywords", ())),
                exclude_owner_keywords=tuple(raw.get("exclude_owner_keywords", ())),
                region_pattern=pattern,
                platforms=tuple(raw.get("platforms", ())),
            )
        )
    return out


def _working_days(first: date, last: date, params: dict[str, Any]) -> list[date]:
    holidays = {date.fromisoformat(d) for d in params.get("holidays", [])}
    extra = {date.fromisoformat(d) for d in params.get("working_weekends", [])}
    days = []
    d = first
    while d <= last:
        if d in extra or (d.weekday() < 5 and d not in holidays):
            days.append(d)
        d += timedelta(days=1)
    return days


def _seen_from(dates: list[datetime], complete: bool, allowance: int) -> datetime | None:
    """From when the first page shows every post (None: all of them, the platform said so).

    The first page lists the newest posts in order, except pinned ones, which sit out of order and
    may be older than the rest: the ``allowance`` oldest posts are not trusted to mark the start.
    """
    if complete or not dates:
        return None
    ordered = sorted(dates)
    return ordered[min(allowance, len(ordered) - 1)]


def _check_policy(ctx: AccountContext, policy: Policy) -> Finding | None:
    assert ctx.obs is not None
    as_of = ctx.as_of
    dates = [d for d in ctx.obs.post_dates if d <= as_of]
    complete = ctx.obs.evidence.get("has_more") is False  # the platform said there is no next page
    seen_from = _seen_from(dates, complete, int(ctx.params.get("pinned_allowance", 0)))
    evidence = ctx.base_evidence() | {
        "policy": policy.name,
        "requirement": policy.describe(),
        "window_days": policy.window_days,
        "posts_seen": len(dates),
        "seen_from": seen_from.isoformat() if seen_from else None,
    }
    if policy.every_working_day:
        today = as_of.astimezone(BEIJING).date()
        first, last = today - timedelta(days=policy.window_days), today - timedelta(days=1)
        truncated = seen_from is not None and seen_from >= datetime.combine(first, time(), BEIJING)
        known_from = seen_from.astimezone(BEIJING).date() if truncated and seen_from else first
        posted = {d.astimezone(BEIJING).date() for d in dates}
        working = _working_days(first, last, ctx.params)
        missing = [d for d in working if d not in posted and d >= known_from]
        evidence |= {
            "window_start": first.isoformat(),
            "window_end": last.isoformat(),
            "working_days": [d.isoformat() for d in working],
            "missing_working_days": [d.isoformat() for d in missing],
            "truncated": truncated,
        }
        if truncated:
            evidence["note"] = (
                f"首页最早的帖子仍在统计期内，{known_from.isoformat()}之前的发布情况未知，不计为缺发"
            )
        if not missing:
            return None
        days = "、".join(f"{d.month}月{d.day}日" for d in missing)
        message = f"更新频率不达标（{policy.name}）：要求{policy.describe()}，{days}无发布"
        return ctx.finding(subject=policy.name, evidence=evidence, message=message)

    start = as_of - timedelta(days=policy.window_days)
    count = sum(1 for d in dates if d >= start)
    required = (policy.min_posts_per_week or 0) * policy.window_days / 7
    truncated = seen_from is not None and seen_from >= start
    evidence |= {
        "window_start": start.isoformat(),
        "posts_in_window": count,
        "required": required,
        "truncated": truncated,
    }
    if truncated:
        evidence["note"] = "首页帖子均在统计期内，统计数为下限（实际发布数可能更多），不据此提示"
        return None
    if count >= required:
        return None
    message = (
        f"更新频率不达标（{policy.name}）：近{policy.window_days}天发布{count}条，要求至少{required:g}条"
    )
    return ctx.finding(subject=policy.name, evidence=evidence, message=message)


def check(ctx: AccountContext) -> list[Finding]:
    if ctx.obs is None or ctx.state != "latest":
        return []
    findings = []
    for policy in policies(ctx.rules):
        if policy.matches(ctx.target):
            hit = _check_policy(ctx, policy)
            if hit is not None:
                findings.append(hit)
    return findings
