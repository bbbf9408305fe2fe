"""Which indicators each kind of sweep checks: a finding of an indicator its sweep does not check
is never rectified by it (a patrol does not look at columns)."""

from __future__ import annotations

from pipelines.checkscover import ACCOUNT_CHECK_INDICATORS, CONTENT_INDICATORS, SITE_CHECK_INDICATORS
from pipelines.rules import (
    account_freq,
    account_gone,
    account_no_update,
    account_one_per_platform,
    column_stale,
    dead_link_home,
    dead_link_other,
    domain,
    footer_marks,
    home_stale,
    https,
    meta,
    policy_stale,
    sec_cloaking,
    sec_dark_link,
    sec_link_hijack,
    sec_malware,
    sec_tamper,
    wrong_link,
)

ACCOUNT_INDICATORS = (
    frozenset({account_no_update.INDICATOR, account_gone.INDICATOR, account_freq.INDICATOR})
    | ACCOUNT_CHECK_INDICATORS
)
# judged over the whole registry, not one target's observations
REGISTRY_INDICATORS = frozenset({account_one_per_platform.INDICATOR})
# the security watch on homepages and key pages (every patrol, and full sweeps too)
WATCH_INDICATORS = frozenset(
    {
        sec_tamper.INDICATOR,
        sec_dark_link.INDICATOR,
        sec_malware.INDICATOR,
        sec_cloaking.INDICATOR,
        sec_link_hijack.INDICATOR,
        wrong_link.INDICATOR,
    }
)
# the 2-hour patrol: homepage fetch, freshness and links, the security watch; every account's latest post
PATROL_INDICATORS = (
    frozenset({home_stale.INDICATOR, dead_link_home.INDICATOR, domain.INDICATOR, https.INDICATOR})
    | ACCOUNT_INDICATORS
    | WATCH_INDICATORS
)
# a full sweep (and a re-check, which crawls like one) checks every column and page too
FULL_INDICATORS = (
    PATROL_INDICATORS
    | {
        column_stale.INDICATOR,
        dead_link_other.INDICATOR,
        policy_stale.INDICATOR,
        footer_marks.INDICATOR,
        meta.INDICATOR,
    }
    | SITE_CHECK_INDICATORS
    | CONTENT_INDICATORS  # a page's or file's hits: where this sweep has its text
)  # each only where this sweep gathered its facts (pipelines.checkscover)
KIND_INDICATORS: dict[str, frozenset[str]] = {
    "patrol": PATROL_INDICATORS | REGISTRY_INDICATORS,
    "full": FULL_INDICATORS | REGISTRY_INDICATORS,
    "recheck": FULL_INDICATORS | REGISTRY_INDICATORS,
}


def covers(kind: str, indicator: str) -> bool:
    """Does a sweep of ``kind`` check ``indicator`` at all? (Probes and roll-ups are not sweeps.)"""
    return indicator in KIND_INDICATORS.get(kind, frozenset())
