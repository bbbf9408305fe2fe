"""What a column is, judged from its recorded name and list: its category, and whether it is empty.

Not a rule itself: the column rules (SITE-VETO-COLUMN-STALE, SITE-DED-POLICY-STALE) and the
lifecycle ask here. The category decides which idle limit applies (news 14 days, notice/policy 6
months, other 1 year, exempt never); the keywords are the ``[columns]`` table, matched in the order
exempt -> notice_policy -> news so that 专题动态 stays exempt although it says 动态. Every name and
keyword is compared through :func:`crawlers.names.name_has` (spaces, full-width forms, brackets).
"""

from __future__ import annotations

from crawlers.models import PageObservation
from crawlers.names import name_has
from pipelines.rules.base import Rules

CATEGORIES: tuple[str, ...] = ("exempt", "notice_policy", "news")


def category(name: str, rules: Rules) -> str:
    """``exempt`` | ``notice_policy`` | ``news`` | ``other`` by keyword, first family wins."""
    table = rules.columns
    for family in CATEGORIES:
        if any(name_has(name, word) for word in table[family]):
            return family
    return "other"


def placeholder(page: PageObservation, rules: Rules) -> str:
    """The placeholder (暂无信息, ...) the list page shows instead of entries, '' if none."""
    if page.items:
        return ""
    words = sorted(rules.markers["empty_placeholders"], key=len, reverse=True)
    return next((w for w in words if w and w in page.text_excerpt), "")


def is_empty(page: PageObservation, rules: Rules) -> bool:
    """An empty column: its list page loaded and shows no entry, or no dated entry but a placeholder."""
    return page.ok and (page.item_count == 0 or bool(placeholder(page, rules)))


def is_policy_column(name: str, rules: Rules) -> bool:
    """A 政策文件 column (SITE-DED-POLICY-STALE's ``column_keywords``)."""
    return any(name_has(name, word) for word in rules.table("SITE-DED-POLICY-STALE")["column_keywords"])
