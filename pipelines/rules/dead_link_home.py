"""SITE-DED-DEAD-LINK-HOME (首页链接不可用): each dead link on the homepage, capped per site."""

from __future__ import annotations

from crawlers.models import Finding
from pipelines.rules.base import RuleContext
from pipelines.rules.dead_links import dead_link_findings

INDICATOR = "SITE-DED-DEAD-LINK-HOME"
NEEDS_HOMEPAGE = True


def check(ctx: RuleContext) -> list[Finding]:
    return dead_link_findings(ctx, on_homepage=True)
