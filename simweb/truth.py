"""Ground truth for one simulated site: what a correct crawler and judge must conclude.

Computed from the same records the pages are rendered from, with the thresholds read through
``crawlers.thresholds`` (never literals here), so changing a threshold in the data file moves the
expectations with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from crawlers.names import name_has
from simweb.checkstruth import check_expect
from simweb.model import Site


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _days(as_of: datetime, when: datetime) -> float:
    return (as_of - when).total_seconds() / 86400


def _level(count: float, veto: float, warn: float) -> str | None:
    if count >= veto:
        return "violation"
    if count >= warn:
        return "warning"
    return None


def home_latest(site: Site) -> datetime | None:
    """Newest dated item on the homepage; for a navigation-only homepage, on the pages it links to."""
    if site.nav_only:
        dates = [c.latest for c in site.columns if c.level == 1 and c.latest]
    else:
        dates = [i.date for _, items in site.home_blocks for i in items]
    return max(dates, default=None)


def reachable(site: Site, thresholds: dict[str, Any]) -> bool:
    return not site.closed and site.home_delay <= thresholds["SITE-VETO-UNREACHABLE"]["probe_timeout_s"]


def expectations(site: Site, as_of: datetime, th: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(expect, expect_column_stale) for the indicators this world plants."""
    expect: dict[str, str | None] = {}
    hs = th["SITE-VETO-HOME-STALE"]
    latest = home_latest(site)
    if latest is not None:
        age = _days(as_of, latest)
        expect["SITE-VETO-HOME-STALE"] = _level(age, hs["max_idle_days"], hs["warn_idle_days"])

    cs = th["SITE-VETO-COLUMN-STALE"]
    live = [(c, _days(as_of, c.latest)) for c in site.columns if not c.empty and c.latest is not None]
    stale_a = sum(
        1
        for c, idle in live
        if (c.category == "news" and idle >= cs["news_idle_days"])
        or (c.category == "notice_policy" and idle >= cs["notice_policy_idle_days"])
    )
    idle_b = sum(1 for c, idle in live if c.category == "other" and idle > cs["other_idle_days"])
    empty_c = sum(1 for c in site.columns if c.empty)
    column_stale = {
        "a": _level(stale_a, cs["stale_count_veto"], cs["stale_count_warn"]),
        "b": _level(idle_b, cs["long_idle_count_veto"], cs["long_idle_count_warn"]),
        "c": _level(empty_c, cs["empty_count_veto"], cs["empty_count_warn"]),
    }
    levels = set(column_stale.values())
    expect["SITE-VETO-COLUMN-STALE"] = (
        "violation" if "violation" in levels else "warning" if "warning" in levels else None
    )

    dead = [link for link in site.links if link.why]
    if any(link.on_homepage for link in dead):
        expect["SITE-DED-DEAD-LINK-HOME"] = "violation"
    if any(not link.on_homepage for link in dead):
        expect["SITE-DED-DEAD-LINK"] = "violation"

    ps = th["SITE-DED-POLICY-STALE"]
    policy = [
        c
        for c in site.columns
        if c.level == 1 and any(name_has(c.shown, k) for k in ps["column_keywords"]) and c.latest
    ]
    worst = max((_days(as_of, c.latest) for c in policy), default=0.0)  # type: ignore[arg-type]
    expect["SITE-DED-POLICY-STALE"] = _level(worst, ps["max_idle_days"], ps["warn_idle_days"])

    fm = th["SITE-REQ-FOOTER-MARKS"]
    code_ok = (
        site.footer_code is not None
        and site.footer_code == site.site_code
        and len(site.footer_code) == fm["site_code_length"]
    )
    if not code_ok or not site.icp:
        expect["SITE-REQ-FOOTER-MARKS"] = "violation"
    if site.footer_code is None:  # the SiteIDCode meta goes with the footer code
        expect["SITE-REQ-META"] = "violation"
    if not site.host.endswith(th["SITE-REQ-DOMAIN"]["suffix"]):
        expect["SITE-REQ-DOMAIN"] = "violation"
    expect.update(check_expect(site, as_of, th)[0])  # interaction, search, 找错, article tags
    return (
        {k: v for k, v in expect.items() if v},
        {k: v for k, v in column_stale.items() if v},
    )


def site_truth(
    site: Site,
    as_of: datetime,
    th: dict[str, Any],
    url_of: Callable[[str, str], str],
    fill: Callable[[str], str],
) -> dict[str, Any]:
    """The truth record of one site (see the README of simweb for the fields)."""
    up = reachable(site, th)

    def absolute(url: str) -> str:
        return url_of(site.host, url) if url.startswith("/") else fill(url)

    columns = [
        {
            "url": url_of(site.host, c.path),
            "name": c.name,
            "shown": c.shown,
            "level": c.level,
            "category": c.category,
            "latest": _iso(c.latest),
            "empty": c.empty,
            "js": c.js,
        }
        for c in site.columns
        if not site.closed
    ]
    expect, column_stale = expectations(site, as_of, th) if up else ({}, {})
    _levels, unverified, articles = check_expect(site, as_of, th) if up else ({}, [], False)
    veto = [k for k, v in expect.items() if v == "violation" and th.get(k, {}).get("severity") == "veto"]
    return {
        "url": url_of(site.host, "/"),
        "host": site.host,
        "cms": site.cms,
        "name": site.name,
        "site_code": site.site_code,
        "footer_code": site.footer_code,
        "profiles": list(site.profiles),
        "reachable": up,
        "home_latest": _iso(home_latest(site)) if not site.closed else None,
        "home_final_url": url_of(site.host, site.home_path),
        "navigation_only": site.nav_only,
        "columns": columns,
        "dead_links": [
            {"url": absolute(link.url), "on_homepage": link.on_homepage, "kind": link.kind, "why": link.why}
            for link in site.links
            if link.why
        ],
        "not_dead_links": [absolute(link.url) for link in site.links if not link.why],
        "expect": expect,
        "expect_column_stale": column_stale,
        "expect_unverified": unverified,  # site checks that must say unverified (checkstruth)
        "expect_articles": articles,  # SITE-REQ-META must report the sampled articles' tags
        "healthy": up and not veto,
    }
