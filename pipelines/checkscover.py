"""Which site-check and account-check findings a sweep looked at again, so only those can be rectified.

The site checks run in full sweeps only, and each can be switched off (``[site_checks]``); the
account checks read what the platform shows. A finding is covered when this target's observation
carries the facts its rule reads: the homepage's channel scan (互动回应差), its search facts (站内搜索),
sampled article pages (the ``articles`` finding of 页面标签), the account's name (账号名称不规范) or its
posts' comment switches (未提供有效互动功能). A sweep that did not look proves nothing was fixed.
A content-watch hit (错敏词, 隐私泄露) is looked at again when this sweep has the text of its page or
file (read, or replayed from the text cache of an earlier read), not when the file was unreadable.
"""

from __future__ import annotations

from typing import Any

from crawlers.models import AccountObservation, SiteObservations
from pipelines.rules import (
    account_interaction,
    account_name,
    interaction,
    meta,
    search,
    sec_privacy,
    sec_wording,
    zhaocuo,
)
from pipelines.rules.meta_articles import ROLE as ARTICLE_ROLE

SITE_CHECK_INDICATORS = frozenset({interaction.INDICATOR, search.INDICATOR, zhaocuo.INDICATOR})
ACCOUNT_CHECK_INDICATORS = frozenset({account_name.INDICATOR, account_interaction.INDICATOR})
CONTENT_INDICATORS = frozenset({sec_wording.INDICATOR, sec_privacy.INDICATOR})


def looked(doc: dict[str, Any], observed: Any) -> bool:
    """Did this sweep gather the facts ``doc``'s rule reads? (True for every other indicator.)"""
    indicator = doc.get("indicator", "")
    if isinstance(observed, SiteObservations) and indicator in CONTENT_INDICATORS:
        url = doc.get("subject_url") or doc.get("subject")
        return any(t.url == url and t.extraction != "unverified" for t in observed.texts)
    if isinstance(observed, SiteObservations) and observed.homepage is not None:
        home = observed.homepage
        if indicator == interaction.INDICATOR:
            return home.interaction is not None
        if indicator == search.INDICATOR:
            return home.search is not None
        if indicator == meta.INDICATOR and doc.get("subject") == "articles":
            return any(p.role == ARTICLE_ROLE and p.article is not None for p in observed.pages)
        return True
    if isinstance(observed, AccountObservation):
        if indicator == account_name.INDICATOR:
            return bool(observed.name)
        if indicator == account_interaction.INDICATOR:
            return observed.comments_shown > 0
    return True
