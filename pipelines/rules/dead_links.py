"""Shared by the two dead-link rules: one finding per dead URL, points capped across the site.

Not a rule itself. A confirmed dead link is a violation with points, charged in a fixed order (by
URL) so the same links always carry the same points and the findings' points add up to what the
score deducts. A suspected one (see :mod:`pipelines.rules.link_state`) is an early warning (预警, a
notice, no points) while ``warn_suspected`` is set, until its tries confirm it. Links a budget left
unchecked make the rule ``unverified`` for the site (:mod:`pipelines.rules.cuts`): a page with
100 000 links never passes on the 3 000 that were checked.
"""

from __future__ import annotations

from collections import defaultdict

from crawlers.models import Finding, LinkCheck
from pipelines.rules.base import RuleContext
from pipelines.rules.cuts import links_unverified
from pipelines.rules.link_state import LinkState, judge_link
from pipelines.rules.unreachable import ERROR_NAMES

_KINDS = {
    "page": "",
    "image": "图片",
    "attachment": "附件",
    "external": "外部",
    "script": "脚本",
    "style": "样式",
}


def _failure(link: LinkCheck, state: LinkState) -> str:
    if state.soft404:
        return "页面显示不存在（软404）"
    if link.status is not None and link.status >= 400:
        return f"HTTP {link.status}"
    if link.error is not None:
        return ERROR_NAMES.get(link.error, link.error)
    return "无法访问"


def _evidence(link: LinkCheck, state: LinkState) -> dict[str, object]:
    evidence: dict[str, object] = {
        "url": link.url,
        "status": link.status,
        "error": link.error,
        "error_detail": link.error_detail,
        "soft404": state.soft404,
        "internal": link.internal,
        "method": link.method,
        "final_url": link.final_url,
        "found_on": link.found_on,
        "text": link.text,
        "kind": link.kind,
        "confirmed": state.confirmed,
        "checked_at": link.checked_at.isoformat(),
    }
    if state.soft404:
        evidence["page_title"] = link.title
        evidence["page_text_chars"] = link.text_chars
    if state.tries_needed:
        evidence |= {
            "failed_tries": state.failed_tries,
            "tries_to_confirm": state.tries_needed,
            "retry_window_hours": state.window_hours,
        }
    return evidence


def dead_link_findings(ctx: RuleContext, *, on_homepage: bool) -> list[Finding]:
    each = float(ctx.params["points_each"])
    remaining = float(ctx.params["points_cap"])
    warn_suspected = bool(ctx.rules.dead_links["warn_suspected"])
    earlier: dict[str, list[LinkCheck]] = defaultdict(list)
    for old in ctx.obs.earlier_links:
        earlier[old.url].append(old)
    judged = [
        (link, judge_link(link, earlier[link.url], ctx.rules))
        for link in ctx.obs.links
        if link.on_homepage == on_homepage
    ]
    dead = sorted(((link, state) for link, state in judged if state.dead), key=lambda p: p[0].url)
    where = "首页" if on_homepage else "其他页面"
    findings = []
    for link, state in dead:
        evidence = _evidence(link, state)
        kind = _KINDS.get(link.kind, "")
        text = f"“{link.text}”" if link.text else ""
        line = f"{where}{kind}链接{text}不可用"
        if state.confirmed:
            points = round(min(each, remaining), 6)
            remaining = round(remaining - points, 6)
            if points < each:
                evidence["capped"] = True
            message = f"{line}：{link.url}，{_failure(link, state)}"
            findings.append(
                ctx.finding(
                    subject=link.url, subject_url=link.url, evidence=evidence, message=message, points=points
                )
            )
        elif warn_suspected:
            tries = (
                f"已失败{state.failed_tries}次，{state.window_hours:g}小时内失败{state.tries_needed}次即确认"
            )
            message = f"预警：{line}（疑似，待复测确认）：{link.url}，{_failure(link, state)}；{tries}"
            findings.append(
                ctx.finding(
                    subject=link.url,
                    subject_url=link.url,
                    evidence=evidence,
                    message=message,
                    level="warning",
                )
            )
    return findings + links_unverified(ctx, on_homepage=on_homepage)
