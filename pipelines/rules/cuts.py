"""Budget cuts as judgments: a check a per-site budget cut short ends ``unverified``, never a pass.

Not a rule itself. The site spider records each cut as a ``role="budget"`` observation (which
budget, how many links it left unchecked -- of them on the homepage -- and how many pages it left
unfetched); the recorder hands them to the judge in ``SiteObservations.cuts``. A rule whose input a
cut made incomplete adds one ``unverified`` finding (subject ``budget``) with the cut as evidence,
next to whatever it did find in what was checked: dead links found stay dead, and a column veto
reached on the fetched columns stays a veto (more columns can only add to the counts).
"""

from __future__ import annotations

from typing import Any

from crawlers.models import Finding
from pipelines.rules.base import RuleContext

SUBJECT = "budget"
BUDGET_NAMES = {
    "site_budget": "站点检查时间预算",
    "page_budget": "站点页面数预算",
    "link_budget": "站点链接检查数预算",
}


def _cut_evidence(ctx: RuleContext, field: str) -> tuple[int, list[dict[str, Any]]]:
    total, cuts = 0, []
    for cut in ctx.obs.cuts:
        count = int(getattr(cut, field))
        if count > 0:
            total += count
            cuts.append({"budget": cut.error, field: count, "detail": cut.error_detail})
    return total, cuts


def _unverified(
    ctx: RuleContext, total: int, cuts: list[dict[str, Any]], what: str, line: str
) -> list[Finding]:
    if total <= 0:
        return []
    budgets = "、".join(dict.fromkeys(BUDGET_NAMES.get(c["budget"], c["budget"]) for c in cuts))
    evidence = {"reason": f"{total} {what} cut by the site's budgets", "not_checked": total, "cuts": cuts}
    message = f"{line}{total}个因{budgets}所限未检查，本项检查不完整，无法判定"
    return [ctx.finding(subject=SUBJECT, status="unverified", evidence=evidence, message=message)]


def links_unverified(ctx: RuleContext, *, on_homepage: bool) -> list[Finding]:
    """The dead-link rule of the homepage (or of the other pages) could not check every link."""
    home, home_cuts = _cut_evidence(ctx, "homepage_links_not_checked")
    every, every_cuts = _cut_evidence(ctx, "links_not_checked")
    if on_homepage:
        return _unverified(ctx, home, home_cuts, "homepage links", "首页链接中有")
    return _unverified(ctx, every - home, every_cuts, "links", "其他页面链接中有")


def pages_unverified(ctx: RuleContext) -> list[Finding]:
    """A column rule could not see every column page."""
    total, cuts = _cut_evidence(ctx, "pages_not_fetched")
    return _unverified(ctx, total, cuts, "pages", "栏目及页面中有")
