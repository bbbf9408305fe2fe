"""SITE-VETO-INTERACTION (互动回应差): a working consultation channel, and no letter of the past year
left unanswered for more than 3 months.

Read from the channel facts the full sweep recorded (:class:`~crawlers.sitefacts.ChannelFacts`): the
channels the homepage and its 互动 column link to, each channel's entry, submit and list pages. A
channel works when its entry opened and it shows a submit form (on the entry or its 写信 page) or a
public message list. A letter is unanswered when it has no reply date and its status is not an
answered word; its age runs from its submit date to the check time. The veto falls when no channel
works or a letter of the past year is unanswered beyond ``max_unanswered_days``; the early warning
at ``warn_unanswered_days``. A list that could not be read, or pages the budget refused, make the
check ``unverified`` -- never a pass. A sweep that did not look (the 2-hour patrol) says nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawlers.models import Finding, PageObservation
from crawlers.names import normalize_name
from crawlers.sitefacts import ChannelFacts, Letter
from pipelines.rules.base import RuleContext, day, days_since, page_url

INDICATOR = "SITE-VETO-INTERACTION"
NEEDS_HOMEPAGE = True
ROLE = "interaction"


def _pages(ctx: RuleContext) -> list[tuple[PageObservation, ChannelFacts]]:
    return [(p, p.interaction) for p in ctx.obs.pages if p.role == ROLE and p.interaction is not None]


def answered(letter: Letter, words: list[str]) -> bool:
    """A reply date, or a status that says answered (已回复, 已办结, ...)."""
    status = normalize_name(letter.status)
    return letter.replied is not None or any(normalize_name(w) in status for w in words if w)


def _channel_state(pages: list[tuple[PageObservation, ChannelFacts]]) -> dict[str, Any]:
    """One channel: did its entry open, does it show a form or a list, what could not be read."""
    entry = next((p for p, f in pages if f.step == "entry"), None)
    opened = entry is not None and entry.ok
    form = any(p.ok and f.form for p, f in pages if f.step in ("entry", "submit"))
    listed = any(p.ok and (f.list_shape or (f.step == "list" and not f.unreadable)) for p, f in pages)
    problems = []
    if entry is not None and not entry.ok:
        problems.append(f"入口无法打开（{_why(entry)}）")
    for p, f in pages:
        if f.step == "submit" and not (p.ok and f.form):
            problems.append(f"写信页面无法使用（{_why(p) if not p.ok else '无提交表单'}）")
    unread = [f.unreadable for _p, f in pages if f.unreadable]
    unread += [f"{p.url}: {_why(p)}" for p, _f in pages if not p.ok and not _definite(p)]
    cut = [u for _p, f in pages for u in f.not_followed]
    return {
        "url": entry.url if entry is not None else "",
        "opened": opened,
        "works": opened and (form or listed),
        "form": form,
        "list": listed,
        "problems": problems,
        "unreadable": unread,
        "not_read": cut,
    }


def _definite(page: PageObservation) -> bool:
    """A failure that says the page is not there (HTTP 4xx), not that we could not reach it."""
    return page.status is not None and 400 <= page.status < 500


def _why(page: PageObservation) -> str:
    return (
        f"HTTP {page.status}" if page.status is not None and page.status >= 400 else page.error or "无法访问"
    )


def check(ctx: RuleContext) -> list[Finding]:
    home = ctx.homepage.interaction
    if home is None:
        return []  # this sweep did not look for channels (a patrol, or the check switched off)
    pages = _pages(ctx)
    scans = [f for _p, f in pages if f.step == "scan"] + [home]
    found = {link.url: link.text for s in scans for link in s.found if link.kind == "channel"}
    by_channel: dict[str, list[tuple[PageObservation, ChannelFacts]]] = {}
    for p, f in pages:
        if f.channel:
            by_channel.setdefault(f.channel, []).append((p, f))
    channels = {url: _channel_state(by_channel.get(url, [])) | {"name": name} for url, name in found.items()}
    not_read = [u for s in scans for u in s.not_followed] + [
        u for c in channels.values() for u in c["not_read"]
    ]
    unreadable = {u: c["unreadable"] for u, c in channels.items() if c["unreadable"]}
    failed_scans = [p.url for p, f in pages if f.step == "scan" and not p.ok]
    letters = _letters(ctx, pages)
    evidence: dict[str, Any] = {
        "url": page_url(ctx.homepage),
        "channels": [{"url": u, **c} for u, c in channels.items()],
        "letters_read": len(letters),
    }
    if not any(c["works"] for c in channels.values()):
        if not_read or unreadable or failed_scans or any(not c["url"] for c in channels.values()):
            return [
                _unverified(
                    ctx, evidence | {"not_read": not_read, "failed": failed_scans}, "互动渠道未能全部读取"
                )
            ]
        what = "；".join(
            f"{c['name']}：{'、'.join(c['problems']) or '无提交表单或信件列表'}" for c in channels.values()
        )
        message = f"未发现可用的互动交流渠道（{what}）" if channels else "首页及互动栏目中未发现互动交流渠道"
        return [
            ctx.finding(subject="channels", subject_url=evidence["url"], evidence=evidence, message=message)
        ]
    return _judge_letters(ctx, letters, evidence, not_read, unreadable)


def _letters(ctx: RuleContext, pages: list[tuple[PageObservation, ChannelFacts]]) -> list[dict[str, Any]]:
    """Every letter read, once (a letter shown on two pages or channels counts once)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for p, f in pages:
        for letter in f.letters:
            if letter.submitted is None:
                continue
            key = (letter.url or letter.title, letter.submitted.isoformat())
            seen.setdefault(key, {"letter": letter, "list": page_url(p), "channel": f.channel})
    return list(seen.values())


def _judge_letters(
    ctx: RuleContext,
    letters: list[dict[str, Any]],
    evidence: dict[str, Any],
    not_read: list[str],
    unreadable: dict[str, list[str]],
) -> list[Finding]:
    params = ctx.params
    words = list(params["answered_statuses"])
    window = float(params["window_days"])
    open_letters = []
    for entry in letters:
        letter: Letter = entry["letter"]
        age = days_since(letter.submitted, ctx.as_of) if letter.submitted else 0.0
        if age <= window and not answered(letter, words):
            open_letters.append((age, letter, entry))
    open_letters.sort(key=lambda x: -x[0])
    worst = open_letters[0][0] if open_letters else 0.0
    level = ""
    if worst > float(params["max_unanswered_days"]):
        level = "violation"
    elif worst > float(params["warn_unanswered_days"]):
        level = "warning"
    if level:
        limit = float(
            params["max_unanswered_days"] if level == "violation" else params["warn_unanswered_days"]
        )
        late = [x for x in open_letters if x[0] > limit]
        shown = late[: int(params["evidence_letters"])]
        evidence |= {
            "unanswered": [_letter(ctx.as_of, x[1], x[2]) for x in shown],
            "unanswered_count": len(late),
        }
        first = shown[0][1]
        message = (
            f"{len(late)}封信件超过{int(limit)}天未回复，最早一封“{first.title}”{day(first.submitted) if first.submitted else ''}"
            f"提交，已{int(shown[0][0])}天"
        )
        if level == "warning":
            message = f"预警：{message}"
        subject_url = shown[0][2]["list"]
        return [
            ctx.finding(
                subject="letters", subject_url=subject_url, evidence=evidence, message=message, level=level
            )
        ]
    if unreadable or not_read:
        ev = evidence | {"unreadable": unreadable, "not_read": not_read}
        return [_unverified(ctx, ev, "信件列表未能读取完整，无法确认是否存在超期未回复信件")]
    return []


def _letter(as_of: datetime, letter: Letter, entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": letter.title,
        "url": letter.url,
        "submitted": letter.submitted.isoformat() if letter.submitted else None,
        "submitted_raw": letter.raw_submitted,
        "status": letter.status,
        "days": round(days_since(letter.submitted, as_of), 1) if letter.submitted else None,
        "list": entry["list"],
        "channel": entry["channel"],
    }


def _unverified(ctx: RuleContext, evidence: dict[str, Any], reason: str) -> Finding:
    evidence["reason"] = reason
    return ctx.finding(
        subject="interaction",
        subject_url=evidence["url"],
        evidence=evidence,
        message=f"互动回应情况待核实：{reason}",
        status="unverified",
    )
