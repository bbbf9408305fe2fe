"""SITE-VETO-HOME-STALE (首页不更新): no new information on the homepage in the last 14 days.

A homepage that is only navigation is judged by its second-level (column) pages, as the national
indicator says. The newest item is the max date computed upstream, so pinned old items on top
neither hide nor fake activity.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawlers.models import DatedItem, Finding, SiteObservations
from pipelines.rules.base import RuleContext, day, item_evidence, page_url

INDICATOR = "SITE-VETO-HOME-STALE"
NEEDS_HOMEPAGE = True


@dataclass(frozen=True)
class LatestUpdate:
    """The site's newest dated item and where it was read (the summary's latest_update)."""

    item: DatedItem | None
    basis: str  # homepage | second_level | none
    page_url: str = ""
    column_name: str = ""

    @property
    def source(self) -> str | None:
        if self.item is None:
            return None
        where = "homepage" if self.basis == "homepage" else f"second-level {self.column_name} {self.page_url}"
        return f"{where}: {self.item.url} ({self.item.source} '{self.item.raw}')"


def latest_update(obs: SiteObservations) -> LatestUpdate:
    """Homepage newest item, or the newest over the column pages when the homepage has none."""
    home = obs.homepage
    if home is not None and home.newest is not None and not home.navigation_only:
        return LatestUpdate(home.newest, "homepage", page_url(home))
    dated = [c for c in obs.columns if c.ok and c.newest is not None]
    if not dated:
        return LatestUpdate(None, "none")
    best = max(dated, key=lambda c: c.newest.date)  # type: ignore[union-attr]
    return LatestUpdate(best.newest, "second_level", page_url(best), best.column_name)


def check(ctx: RuleContext) -> list[Finding]:
    home = ctx.homepage
    latest = latest_update(ctx.obs)
    evidence = {
        "url": page_url(home),
        "basis": latest.basis,
        "navigation_only": home.navigation_only,
        "max_idle_days": ctx.params["max_idle_days"],
        "warn_idle_days": ctx.params["warn_idle_days"],
    }
    if latest.basis == "second_level":
        evidence["fallback"] = "首页无日期信息，按二级页面（栏目页）最新信息判断"
        evidence["column_name"] = latest.column_name
        evidence["column_url"] = latest.page_url
    if latest.item is None:
        evidence["reason"] = "no dated item found"
        return [
            ctx.finding(
                status="unverified",
                evidence=evidence,
                message="首页及二级页面均未找到带日期的信息，无法判断首页更新情况",
            )
        ]
    evidence |= item_evidence(latest.item, ctx.as_of)
    idle = ctx.idle(latest.item)
    where = "首页" if latest.basis == "homepage" else f"首页为导航页，二级页面“{latest.column_name}”"
    message = f"{where}最新信息发布于{day(latest.item.date)}，已{int(idle)}天未更新"
    if idle >= ctx.params["max_idle_days"]:
        return [ctx.finding(evidence=evidence, message=message)]
    if idle >= ctx.params["warn_idle_days"]:
        return [ctx.finding(level="warning", evidence=evidence, message=f"预警：{message}")]
    return []
