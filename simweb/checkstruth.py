"""Ground truth of the site checks' plants, and the comparison of a sweep's findings with it.

Computed from the same :class:`simweb.checkplan.SiteChecks` records the pages are rendered from, with
the thresholds of the indicator data (window, 3 months, 2 months; portals). Each of these
indicators must be found exactly as expected: the planted level, ``unverified`` where a list cannot be
read or nothing can be searched for, and nothing on a healthy look-alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawlers.models import Finding
from simweb.checkplan import Mailbox
from simweb.model import Site

INTERACTION = "SITE-VETO-INTERACTION"
SEARCH = "SITE-REQ-SEARCH"
ZHAOCUO = "SITE-REQ-ZHAOCUO"
META = "SITE-REQ-META"
CHECKED = (INTERACTION, SEARCH, ZHAOCUO)


def _works(box: Mailbox) -> bool:
    return not box.submit_404


def _interaction(site: Site, as_of: datetime, th: dict[str, Any]) -> tuple[str | None, bool]:
    """(expected level, expected unverified) of SITE-VETO-INTERACTION."""
    rule = th[INTERACTION]
    boxes = site.checks.mailboxes
    if not any(_works(b) for b in boxes):
        return "violation", False
    ages = [
        (as_of - x.submitted).total_seconds() / 86400
        for b in boxes
        if b.json_status == 200
        for x in b.letters
        if x.replied is None
    ]
    worst = max((a for a in ages if a <= rule["window_days"]), default=0.0)
    if worst > rule["max_unanswered_days"]:
        return "violation", False
    if worst > rule["warn_unanswered_days"]:
        return "warning", False
    return None, any(b.json_status != 200 for b in boxes)


def check_expect(site: Site, as_of: datetime, th: dict[str, Any]) -> tuple[dict[str, str], list[str], bool]:
    """(indicator -> expected level, indicators expected unverified, article tags spoiled)."""
    expect: dict[str, str] = {}
    unverified: list[str] = []
    level, unread = _interaction(site, as_of, th)
    if level:
        expect[INTERACTION] = level
    if unread:
        unverified.append(INTERACTION)
    if site.checks.search in ("broken", "missing"):
        expect[SEARCH] = "violation"
    elif site.nav_only:  # no homepage item to search for
        unverified.append(SEARCH)
    zc = th[ZHAOCUO]
    portal = zc["scope"] == "all" or any(k in site.name or k in site.owner for k in zc["portal_keywords"])
    if portal and not site.checks.zhaocuo:
        expect[ZHAOCUO] = "violation"
    articles = bool(site.checks.articles)
    if articles:
        expect[META] = "violation"
    return expect, unverified, articles


def compare_checks(site_id: str, truth: dict[str, Any], findings: list[Finding]) -> list[str]:
    """Differences on the site checks' indicators beyond the missing ones ``compare_site`` reports:
    a level not planted, an unverified note missing or unexpected, an article finding not planted."""
    out: list[str] = []
    expect: dict[str, str] = truth.get("expect", {})
    unverified = set(truth.get("expect_unverified", []))
    for indicator in CHECKED:
        levels = {f.level for f in findings if f.indicator == indicator and f.status == "open"}
        for level in sorted(levels - {expect.get(indicator)}):
            out.append(f"{site_id}: unexpected {indicator} ({level})")
        noted = any(f.indicator == indicator and f.status == "unverified" for f in findings)
        if noted and indicator not in unverified:
            reasons = [
                f.evidence.get("reason")
                for f in findings
                if f.indicator == indicator and f.status == "unverified"
            ]
            out.append(f"{site_id}: unexpected unverified {indicator} ({reasons})")
        elif indicator in unverified and not noted:
            out.append(f"{site_id}: {indicator} should be unverified")
    articles = any(f.indicator == META and f.subject == "articles" and f.status == "open" for f in findings)
    if articles != bool(truth.get("expect_articles")):
        out.append(
            f"{site_id}: SITE-REQ-META articles {'reported' if articles else 'missed'}, planted {truth.get('expect_articles')}"
        )
    return out
