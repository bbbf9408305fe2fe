"""SITE-DED-WRONG-LINK (错链): a homepage link whose target is a parked-domain page, or whose title has
nothing to do with the link text (a link "市教育局" landing on another unit's site).

Judged from the link checks that read their target (outbound homepage links). A link text names a
unit when it ends with one of ``unit_suffixes``; its target's title must then contain at least
``min_title_overlap`` of the text's character pairs (titles in ``generic_titles`` say nothing and are
not judged). Suspected first (预警, a notice), counted -- a deduction like a dead homepage link -- once
the same link was wrong on ``sweeps_to_confirm`` sweeps within ``confirm_window_days`` (the earlier
checks come from the store, as for dead links).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crawlers.models import Finding, LinkCheck
from crawlers.names import normalize_name
from crawlers.watchfacts import hostname
from pipelines.rules.base import RuleContext, Rules
from pipelines.rules.sec_watch import TABLE, listed

INDICATOR = "SITE-DED-WRONG-LINK"
NEEDS_HOMEPAGE = True


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def wrong(link: LinkCheck, rules: Rules) -> dict[str, Any] | None:
    """Why the link is wrong (parked target, unrelated title), or None."""
    if link.status is None or link.status >= 400 or link.internal:
        return None
    p = rules.table(INDICATOR)
    watch = rules.data[TABLE]
    title = link.title or ""
    final = hostname(link.final_url or link.url)
    joined = f"{title} {link.text_excerpt}".lower()
    phrases = (str(phrase).lower() for phrase in watch["parked_phrases"])
    parked = (final if listed(final, watch["parking_hosts"]) else "") or next(
        (x for x in phrases if x in joined), ""
    )
    if parked:
        return {"kind": "parked", "matched": parked}
    text = normalize_name(link.text)
    if not title or not text or not 2 <= len(text) <= 25 or not text.endswith(tuple(p["unit_suffixes"])):
        return None
    if normalize_name(title).lower() in {normalize_name(g).lower() for g in p["generic_titles"]}:
        return None
    pairs = _pairs(text)
    overlap = len(pairs & _pairs(normalize_name(title))) / len(pairs) if pairs else 1.0
    if overlap >= float(p["min_title_overlap"]):
        return None
    return {"kind": "unrelated", "overlap": round(overlap, 3), "threshold": p["min_title_overlap"]}


def candidate_urls(links: list[LinkCheck], rules: Rules) -> list[str]:
    """Wrong links whose earlier checks could confirm them: what the store is asked about."""
    return sorted({c.url for c in links if c.on_homepage and wrong(c, rules) is not None})


def window(rules: Rules) -> timedelta:
    return timedelta(days=float(rules.table(INDICATOR)["confirm_window_days"]))


def check(ctx: RuleContext) -> list[Finding]:
    p = ctx.params
    needed = int(p["sweeps_to_confirm"])
    points_left = float(p["points_cap"])
    findings: list[Finding] = []
    for link in sorted((c for c in ctx.obs.links if c.on_homepage), key=lambda c: c.url):
        why = wrong(link, ctx.rules)
        if why is None:
            continue
        since = link.checked_at - window(ctx.rules)
        earlier = {
            c.checked_at
            for c in ctx.obs.earlier_links
            if c.url == link.url and since <= c.checked_at < link.checked_at and wrong(c, ctx.rules)
        }
        seen = 1 + len(earlier)
        confirmed = seen >= needed
        evidence = {
            "url": link.url,
            "text": link.text,
            "found_on": link.found_on,
            "final_url": link.final_url,
            "target_title": link.title,
            "target_excerpt": link.text_excerpt[:200],
            "why": why,
            "sweeps_seen": seen,
            "sweeps_needed": needed,
            "confirmed": confirmed,
            "checked_at": link.checked_at.isoformat(),
        }
        said = (
            "目标为域名停放（待售）页面"
            if why["kind"] == "parked"
            else f"目标页面标题为“{link.title}”，与链接文字不符"
        )
        if confirmed:
            points = min(float(p["points_each"]), max(points_left, 0.0))
            points_left -= points
            message = f"首页链接“{link.text or link.url}”{said}（错链，连续{seen}次巡查发现）"
            findings.append(
                ctx.finding(
                    subject=link.url, subject_url=link.url, evidence=evidence, message=message, points=points
                )
            )
        else:
            message = f"首页链接“{link.text or link.url}”{said}，疑似错链（待下次巡查确认）"
            findings.append(
                ctx.finding(
                    subject=link.url,
                    subject_url=link.url,
                    evidence=evidence,
                    message=message,
                    level="warning",
                )
            )
    return findings
