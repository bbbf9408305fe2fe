"""SITE-DED-POLICY-STALE (政策文件栏目更新不及时): a first-level 政策文件 column idle for 6 months.

Deducted once per site however many such columns there are (the first by URL carries the points);
an empty column is left to the empty-column rule so it is not counted twice. The name is matched
through the one name normaliser, so a column shown as "政 策 文 件" or "【政策文件】" is one too.
"""

from __future__ import annotations

from crawlers.models import Finding
from pipelines.rules import column_kind
from pipelines.rules.base import RuleContext, day, item_evidence, page_url
from pipelines.rules.cuts import pages_unverified

INDICATOR = "SITE-DED-POLICY-STALE"
NEEDS_HOMEPAGE = True


def check(ctx: RuleContext) -> list[Finding]:
    p = ctx.params
    warn_at = p["warn_idle_days"]
    columns = [
        c
        for c in ctx.obs.columns
        if c.column_level == 1
        and c.ok
        and not column_kind.is_empty(c, ctx.rules)
        and c.newest is not None
        and column_kind.is_policy_column(c.column_name, ctx.rules)
    ]
    columns.sort(key=page_url)
    findings = []
    charged = False
    for col in columns:
        assert col.newest is not None
        idle = ctx.idle(col.newest)
        evidence = {"name": col.column_name, "url": page_url(col), "max_idle_days": p["max_idle_days"]}
        evidence |= item_evidence(col.newest, ctx.as_of)
        line = f"一级栏目“{col.column_name}”最新信息发布于{day(col.newest.date)}，已{int(idle)}天未更新"
        if idle >= p["max_idle_days"]:
            points = 0.0 if charged else float(p["points"])
            charged = True
            findings.append(
                ctx.finding(
                    subject=page_url(col),
                    subject_url=page_url(col),
                    evidence=evidence,
                    message=line,
                    points=points,
                )
            )
        elif idle >= warn_at:
            findings.append(
                ctx.finding(
                    subject=page_url(col),
                    subject_url=page_url(col),
                    level="warning",
                    evidence=evidence,
                    message=f"预警：{line}",
                )
            )
    return findings + pages_unverified(ctx)
