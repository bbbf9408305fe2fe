"""SITE-SEC-LINK-HIJACK (外链劫持): an outbound homepage link whose target now serves gambling or
porn content, a parked-domain page, or redirects to such a host (an expired domain re-registered).

Judged from the link checks (a hidden link is the dark-link rule's): the link engine reads each outbound homepage page (its title and the
start of its text) and records where it was redirected. ``kinds`` says which of spam, parked and
redirect count. One finding per link URL; raised on every patrol, the first included.
"""

from __future__ import annotations

from typing import Any

from crawlers.models import Finding, LinkCheck
from crawlers.watchfacts import hostname
from pipelines.rules.base import RuleContext
from pipelines.rules.sec_watch import WatchData, outbound, pending, watched

INDICATOR = "SITE-SEC-LINK-HIJACK"
NEEDS_HOMEPAGE = True
KIND_WORDS = {"spam": "博彩/色情内容", "parked": "域名停放（待售）页面", "redirect": "跳转到其他网站"}


def hijacked(link: LinkCheck, data: WatchData) -> list[dict[str, Any]]:
    """What the link's target shows now: spam words, a parked page, a redirect to another host."""
    found: list[dict[str, Any]] = []
    final_host = hostname(link.final_url or link.url)
    spam = data.is_spam(link.title, link.text_excerpt, final_host)
    if spam:
        found.append({"kind": "spam", "spam_words": spam})
    parked = data.parked(final_host, link.title, link.text_excerpt)
    if parked:
        found.append({"kind": "parked", "matched": parked})
    moved = final_host and final_host != hostname(link.url)
    if moved and found:
        found.append({"kind": "redirect", "to": link.final_url})
    return found


def check(ctx: RuleContext) -> list[Finding]:
    data = WatchData(ctx)
    counted = set(ctx.params["kinds"])
    # a hidden link to such a page is a dark link (SITE-SEC-DARK-LINK), not a hijacked one
    hidden = {h.url for variants in watched(ctx).values() for o in variants.values() for h in o.hidden_links}
    findings: list[Finding] = []
    for link in sorted(outbound(ctx), key=lambda c: c.url):
        if link.url in hidden:
            continue
        found = [f for f in hijacked(link, data) if f["kind"] in counted]
        if not found:
            continue
        evidence = {
            "url": link.url,
            "text": link.text,
            "found_on": link.found_on,
            "status": link.status,
            "final_url": link.final_url,
            "target_title": link.title,
            "target_excerpt": link.text_excerpt[:300],
            "checked_at": link.checked_at.isoformat(),
            "matched": found,
        }
        said = "、".join(KIND_WORDS[f["kind"]] for f in found)
        message = f"首页外部链接“{link.text or link.url}”的目标现为{said}，疑似外链劫持，待人工审核"
        matched = [link.url, *sorted(f["kind"] for f in found)]
        findings.append(
            pending(ctx, subject_url=link.url, evidence=evidence, message=message, matched=matched)
        )
    return findings
