"""Budget cuts are facts and findings: a check a budget cut short ends unverified, never a silent pass.

A page with 100 000 links has only ``max_links`` of them checked; a site with more columns than its
page budget has only some of them fetched. The spider records each cut (``role="budget"``); the
rules it affects add an ``unverified`` finding saying how much was not checked and why, and the
site's verdict is unverified unless it already failed.
"""

from __future__ import annotations

from crawlers.models import PageObservation
from pipelines.judge import judge_site, load_rules
from tests.unit import factories as f

RULES = load_rules()


def cut(budget: str, *, links: int = 0, homepage_links: int = 0, pages: int = 0) -> PageObservation:
    return PageObservation(
        target_id="site-001",
        url=f.HOME,
        role="budget",
        fetched_at=f.AS_OF,
        error=budget,
        error_detail=f"{budget}: {links + pages} requests not made or dropped",
        links_not_checked=links,
        homepage_links_not_checked=homepage_links,
        pages_not_fetched=pages,
    )


def by(findings, indicator, **match):
    return [
        x for x in findings if x.indicator == indicator and all(getattr(x, k) == v for k, v in match.items())
    ]


def test_links_left_unchecked_make_the_dead_link_rule_unverified_with_the_cut_as_evidence():
    dead = f.dead_links(40, on_homepage=False)
    site = f.site(links=dead, cuts=[cut("link_budget", links=97_000)])
    findings, summary = judge_site(site, f.AS_OF, RULES)
    (unverified,) = by(findings, "SITE-DED-DEAD-LINK", status="unverified")
    assert unverified.subject == "budget"
    assert unverified.evidence["not_checked"] == 97_000
    assert unverified.evidence["cuts"][0]["budget"] == "link_budget"
    assert "97000个因站点链接检查数预算所限未检查" in unverified.message
    assert len(by(findings, "SITE-DED-DEAD-LINK", status="open")) == 40  # what was checked still counts
    assert (
        by(findings, "SITE-DED-DEAD-LINK-HOME", status="unverified") == []
    )  # the homepage's were all checked
    assert summary.verdict == "unverified"
    assert summary.unverified_reasons == ["SITE-DED-DEAD-LINK: 97000 links cut by the site's budgets"]


def test_homepage_links_cut_make_the_homepage_rule_unverified_too():
    site = f.site(cuts=[cut("site_budget", links=500, homepage_links=120)])
    findings, _ = judge_site(site, f.AS_OF, RULES)
    (home,) = by(findings, "SITE-DED-DEAD-LINK-HOME", status="unverified")
    (other,) = by(findings, "SITE-DED-DEAD-LINK", status="unverified")
    assert (home.evidence["not_checked"], other.evidence["not_checked"]) == (120, 380)


def test_columns_left_unfetched_make_the_column_rules_unverified_and_a_reached_veto_stands():
    stale = f.columns(5, "news", 30.0)
    site = f.site(cols=stale, cuts=[cut("page_budget", pages=12)])
    findings, summary = judge_site(site, f.AS_OF, RULES)
    (veto,) = by(findings, "SITE-VETO-COLUMN-STALE", status="open", subject="a")
    assert veto.level == "violation"
    (unverified,) = by(findings, "SITE-VETO-COLUMN-STALE", status="unverified")
    assert unverified.evidence["not_checked"] == 12
    assert by(findings, "SITE-DED-POLICY-STALE", status="unverified")
    assert summary.verdict == "fail"  # the veto reached on the fetched columns is not undone


def test_a_healthy_site_without_cuts_passes():
    findings, summary = judge_site(f.site(), f.AS_OF, RULES)
    assert [x for x in findings if x.status == "unverified"] == []
    assert summary.verdict == "pass"
