"""SITE-DED-DEAD-LINK (其他页面链接不可用): dead links found only on other pages, capped per site.

A URL also linked from the homepage is judged once, under the homepage rule.
"""

from __future__ import annotations

from crawlers.models import Finding
from pipelines.rules.base import RuleContext
from pipelines.rules.dead_links import dead_link_findings

INDICATOR = "SITE-DED-DEAD-LINK"
NEEDS_HOMEPAGE = True


def check(ctx: RuleContext) -> list[Finding]:
    return dead_link_findings(ctx, on_homepage=False)
