"""Shared by the two dead-link rules: one finding per dead URL, points capped across the site.

Not a rule itself. Points are charged in a fixed order (confirmed first, then by URL) so the same
links always carry the same points, and the findings' points add up to what the score deducts.
"""

from __future__ import annotations

from crawlers.models import Finding, LinkCheck
from pipelines.rules.base import RuleContext
from pipelines.rules.unreachable import ERROR_NAMES

_KINDS = {
    "page": "",
    "image": "图片",
    "attachment": "附件",
    "external": "外部",
    "script": "脚本",
    "style": "样式",
}


def _failure(link: LinkCheck) -> str:
    if link.soft404:
        return "页面显示不存在（软404）"
    if link.status is not None and link.status >= 400:
        return f"HTTP {link.status}"
    if link.error == "blocked":  # the SSRF guard's refusal, in the inspector's words
        return ERROR_NAMES["blocked"]
    return link.error or "无法访问"


def dead_link_findings(ctx: RuleContext, *, on_homepage: bool) -> list[Finding]:
    each = float(ctx.params["points_each"])
    remaining = float(ctx.params["points_cap"])
    count_suspected = bool(ctx.rules.dead_links["count_suspected"])
    links = [link for link in ctx.obs.links if link.dead and link.on_homepage == on_homepage]
    links.sort(key=lambda link: (not link.confirmed, link.url))
    where = "首页" if on_homepage else "其他页面"
    findings = []
    for link in links:
        charged = link.confirmed or count_suspected
        points = round(min(each, remaining), 6) if charged else 0.0
        remaining = round(remaining - points, 6)
        evidence = {
            "url": link.url,
            "status": link.status,
            "error": link.error,
            "error_detail": link.error_detail,
            "soft404": link.soft404,
            "method": link.method,
            "final_url": link.final_url,
            "found_on": link.found_on,
            "text": link.text,
            "kind": link.kind,
            "confirmed": link.confirmed,
            "checked_at": link.checked_at.isoformat(),
        }
        if charged and points < each:
            evidence["capped"] = True
        kind = _KINDS.get(link.kind, "")
        state = "" if link.confirmed else "（疑似，待复测确认）"
        text = f"“{link.text}”" if link.text else ""
        message = f"{where}{kind}链接{text}不可用{state}：{link.url}，{_failure(link)}"
        findings.append(
            ctx.finding(
                subject=link.url, subject_url=link.url, evidence=evidence, message=message, points=points
            )
        )
    return findings
