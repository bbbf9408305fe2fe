"""SITE-VETO-COLUMN-STALE (栏目不更新): too many idle, long-idle or empty columns.

Three sub-rules, each its own finding with a fixed subject ("a", "b", "c") so its id is stable:
(a) news columns idle >= 14 days plus notice/policy columns idle >= 6 months; (b) columns idle
longer than a year; (c) empty columns. A column counted as empty is not also counted as stale
("a problem already counted is not counted again"); exempt (historical/topic) columns are ignored.
Category and emptiness are judged here from the recorded name and list
(:mod:`pipelines.rules.column_kind`); columns a budget left unfetched make the rule unverified.
"""

from __future__ import annotations

from typing import Any

from crawlers.models import Finding, PageObservation
from pipelines.rules import column_kind
from pipelines.rules.base import RuleContext, day, item_evidence, page_url
from pipelines.rules.cuts import pages_unverified

INDICATOR = "SITE-VETO-COLUMN-STALE"
NEEDS_HOMEPAGE = True

_LABELS = {
    "a": "{news}天以上未更新的新闻类栏目与{notice}天以上未更新的通知公告/政策文件类栏目",
    "b": "超过{other}天未更新的栏目",
    "c": "空白栏目",
}


def _column(ctx: RuleContext, col: PageObservation, category: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": col.column_name, "url": page_url(col), "category": category}
    if placeholder := column_kind.placeholder(col, ctx.rules):
        entry["placeholder"] = placeholder
    return entry | item_evidence(col.newest, ctx.as_of)


def _names(columns: list[dict[str, Any]]) -> str:
    parts = []
    for c in columns:
        newest = f"（最新{c['newest'][:10]}）" if c.get("newest") else ""
        parts.append(f"{c['name']}{newest}")
    return "、".join(parts)


def check(ctx: RuleContext) -> list[Finding]:
    p = ctx.params
    hits: dict[str, list[dict[str, Any]]] = {"a": [], "b": [], "c": []}
    unchecked: list[dict[str, Any]] = []
    undated: list[dict[str, Any]] = []
    # by name, not arrival order: the same site judged twice gives the same message
    for col in sorted(ctx.obs.columns, key=lambda c: (c.column_name or "", c.url)):
        category = column_kind.category(col.column_name, ctx.rules)
        if category == "exempt":
            continue
        if not col.ok:
            unchecked.append(
                {"name": col.column_name, "url": col.url, "status": col.status, "error": col.error}
            )
            continue
        if column_kind.is_empty(col, ctx.rules):
            hits["c"].append(_column(ctx, col, category))
            continue
        if col.newest is None:
            undated.append(_column(ctx, col, category))
            continue
        idle = ctx.idle(col.newest)
        if (category == "news" and idle >= p["news_idle_days"]) or (
            category == "notice_policy" and idle >= p["notice_policy_idle_days"]
        ):
            hits["a"].append(_column(ctx, col, category))
        if idle > p["other_idle_days"]:
            hits["b"].append(_column(ctx, col, category))

    limits = {
        "a": (p["stale_count_veto"], p["stale_count_warn"]),
        "b": (p["long_idle_count_veto"], p["long_idle_count_warn"]),
        "c": (p["empty_count_veto"], p["empty_count_warn"]),
    }
    label_args = {
        "news": p["news_idle_days"],
        "notice": p["notice_policy_idle_days"],
        "other": p["other_idle_days"],
    }
    findings = []
    for sub, columns in hits.items():
        veto, warn = limits[sub]
        count = len(columns)
        if count < warn and count < veto:
            continue
        level = "violation" if count >= veto else "warning"
        label = _LABELS[sub].format(**label_args)
        line = f"截至{day(ctx.as_of)}，{label}共{count}个：{_names(columns)}"
        message = line if level == "violation" else f"预警：{line}（达到{veto}个即单项否决）"
        evidence = {
            "sub_rule": sub,
            "count": count,
            "veto_at": veto,
            "warn_at": warn,
            "columns": columns,
            "unchecked": unchecked,
            "undated": undated,
        }
        findings.append(ctx.finding(subject=sub, level=level, evidence=evidence, message=message))
    return findings + pages_unverified(ctx)
