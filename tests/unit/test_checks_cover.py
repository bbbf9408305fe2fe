"""A sweep rectifies a site-check or account-check finding only when it gathered that rule's facts:
a patrol or a sweep with a check switched off proves nothing fixed."""

from __future__ import annotations

import pytest

from crawlers.sitefacts import ArticleFacts, ChannelFacts, SearchFacts
from pipelines.checkscover import looked
from pipelines.lifecycle import covers
from tests.unit import factories as f
from tests.unit.test_judge_site_checks import page


def doc(indicator: str, subject: str = "") -> dict[str, str]:
    return {"indicator": indicator, "subject": subject}


@pytest.mark.parametrize(
    "indicator",
    [
        "SITE-VETO-INTERACTION",
        "SITE-REQ-SEARCH",
        "SITE-REQ-ZHAOCUO",
        "ACCOUNT-REQ-NAME",
        "ACCOUNT-VETO-NO-INTERACTION",
    ],
)
def test_full_sweeps_cover_the_new_indicators(indicator):
    assert covers("full", indicator)


def test_site_checks_are_covered_only_where_their_facts_were_gathered():
    bare = f.site()
    assert not looked(doc("SITE-VETO-INTERACTION"), bare)
    assert not looked(doc("SITE-REQ-SEARCH"), bare)
    assert not looked(doc("SITE-REQ-META", "articles"), bare)
    assert looked(doc("SITE-REQ-META", "homepage"), bare)
    assert looked(doc("SITE-REQ-ZHAOCUO"), bare)  # the homepage's own links
    checked = f.site(f.homepage(interaction=ChannelFacts(step="scan"), search=SearchFacts(step="form")))
    checked.add_page(page(f"{f.HOME}a.html", "article", article=ArticleFacts(list_url=f.HOME)))
    assert looked(doc("SITE-VETO-INTERACTION"), checked)
    assert looked(doc("SITE-REQ-SEARCH"), checked)
    assert looked(doc("SITE-REQ-META", "articles"), checked)


def test_account_checks_are_covered_only_where_the_platform_showed_them():
    assert not looked(doc("ACCOUNT-REQ-NAME"), f.account(name=""))
    assert looked(doc("ACCOUNT-REQ-NAME"), f.account())
    assert not looked(doc("ACCOUNT-VETO-NO-INTERACTION"), f.account(comments_shown=0))
    assert looked(doc("ACCOUNT-VETO-NO-INTERACTION"), f.account())
