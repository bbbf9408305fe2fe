"""Findings search for inspectors: filters typed at a terminal become one ES bool filter.

Matching rules, chosen for how inspectors type:

- ``region``: substring of the stored region (a ``wildcard`` on the keyword field). Regions are stored
  as full paths ("江苏省苏州市吴中区"), so "苏州市" finds the city and every district under it, and
  "江苏省苏州市" works too. A prefix match would miss the first form.
- ``owner``: substring of the owner unit (``wildcard`` on ``owner.keyword``), so "公安局" finds every
  公安局; exact names match as well.
- ``indicator``: an id (``SITE-VETO-HOME-STALE``, case-insensitive), an exact Chinese name from
  indicators.toml (首页不更新), or a part of names that picks out several (链接不可用 -> both dead-link
  indicators).
- ``since``: ``last_seen`` on or after it; an ISO date (Beijing midnight), ISO datetime, or ``7d`` /
  ``12h`` / ``2w`` before now.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from crawlers.dates import BEIJING
from crawlers.models import PLATFORMS
from crawlers.thresholds import load_thresholds
from govpatrol.labels import KIND_WORDS, PLATFORM_LABELS, PLATFORM_WORDS, STATUS_WORDS, STATUS_ZH
from pipelines.store import Store

STATUSES = ("open", "rectified", "unverified", "pending_review", "dismissed")
KINDS = ("site", "account")
SORT: list[dict[str, Any]] = [
    {"region": {"order": "asc", "missing": "_last"}},
    {"owner.keyword": {"order": "asc", "missing": "_last"}},
    {"indicator": "asc"},
    {"target_id": "asc"},
    {"id": "asc"},
]
_RELATIVE = re.compile(r"^\s*(\d+)\s*([dhw])\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "w": "weeks"}


class SearchError(ValueError):
    """A filter value the search cannot use; the message is one line for the terminal."""


def indicator_names(override: str | None = None) -> dict[str, str]:
    """Indicator id -> Chinese name, from the data file (tables that carry a ``name``)."""
    data = load_thresholds(override)
    return {
        key: str(table["name"])
        for key, table in data.items()
        if isinstance(table, dict) and "name" in table and "severity" in table
    }


def resolve_indicator(value: str, override: str | None = None) -> list[str]:
    """Indicator ids meant by ``value`` (id, exact name, or part of names); raises SearchError."""
    names = indicator_names(override)
    text = value.strip()
    if not text:
        raise SearchError("empty --indicator")
    by_id = {key.upper(): key for key in names}
    if text.upper() in by_id:
        return [by_id[text.upper()]]
    exact = [key for key, name in names.items() if name == text]
    if exact:
        return exact
    partial = sorted(key for key, name in names.items() if text in name)
    if partial:
        return partial
    known = ", ".join(f"{key} ({name})" for key, name in names.items())
    raise SearchError(f"unknown indicator {value!r}; known: {known}")


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``7d``/``12h``/``2w`` before ``now``, an ISO date (Beijing midnight) or ISO datetime."""
    text = value.strip()
    relative = _RELATIVE.match(text)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2).lower()
        return (now or datetime.now(BEIJING)) - timedelta(**{_UNITS[unit]: amount})
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise SearchError(
            f"bad --since {value!r}: use a date (2025-03-01), a datetime (2025-03-01T08:00+08:00) "
            "or a span before now (7d, 12h, 2w)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=BEIJING)


def _contains(field: str, text: str) -> dict[str, Any]:
    escaped = re.sub(r"([*?\\])", r"\\\1", text.strip())
    return {"wildcard": {field: {"value": f"*{escaped}*", "case_insensitive": True}}}


def build_query(
    *,
    region: str | None = None,
    owner: str | None = None,
    indicator: str | None = None,
    status: str | None = None,
    since: str | datetime | None = None,
    kind: str | None = None,
    platform: str | None = None,
    now: datetime | None = None,
    indicators_file: str | None = None,
) -> dict[str, Any]:
    """The ES query for these filters (all combined with AND); raises SearchError on bad values."""
    filters: list[dict[str, Any]] = []
    if region:
        filters.append(_contains("region", region))
    if owner:
        filters.append(_contains("owner.keyword", owner))
    if indicator:
        filters.append({"terms": {"indicator": resolve_indicator(indicator, indicators_file)}})
    if status:
        status = STATUS_WORDS.get(status.strip(), status.strip())
        if status not in STATUSES:
            known = ", ".join(f"{s} ({STATUS_ZH[s]})" for s in STATUSES)
            raise SearchError(f"unknown status {status!r}; known: {known}")
        filters.append({"term": {"status": status}})
    if since:
        when = since if isinstance(since, datetime) else parse_since(since, now)
        filters.append({"range": {"last_seen": {"gte": when.isoformat()}}})
    if kind:
        kind = KIND_WORDS.get(kind.strip(), kind.strip())
        if kind not in KINDS:
            raise SearchError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
        filters.append({"term": {"kind": kind}})
    if platform:
        platform = PLATFORM_WORDS.get(platform.strip(), platform.strip().lower())
        if platform not in PLATFORMS:
            known = ", ".join(f"{p} ({PLATFORM_LABELS[p]})" for p in PLATFORMS)
            raise SearchError(f"unknown platform {platform!r}; known: {known}")
        filters.append({"term": {"platform": platform}})
    return {"bool": {"filter": filters}}


def search(
    store: Store,
    *,
    region: str | None = None,
    owner: str | None = None,
    indicator: str | None = None,
    status: str | None = None,
    since: str | datetime | None = None,
    kind: str | None = None,
    platform: str | None = None,
    limit: int = 10000,
    indicators_file: str | None = None,
) -> list[dict]:
    """Finding documents matching every given filter, sorted by region, owner, indicator.

    Pages with ``search_after`` so ``limit`` may exceed the index's result window;
    ``indicators_file`` is the office's override of indicators.toml (names it adds resolve too).
    """
    query = build_query(
        region=region,
        owner=owner,
        indicator=indicator,
        status=status,
        since=since,
        kind=kind,
        platform=platform,
        indicators_file=indicators_file,
    )
    return store.search_all("findings", query, SORT, limit=limit)
