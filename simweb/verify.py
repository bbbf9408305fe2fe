"""Compare a sweep's findings with the simulated web's ground truth.

Used by the integration tests (which assert there are no differences) and by ``govpatrol demo``
(which prints them). Checks recall (every planted problem found) and precision (no healthy site
vetoed, no working link called dead, no unexpected veto).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawlers.models import Finding, TargetSummary

DEAD_LINK_INDICATORS = ("SITE-DED-DEAD-LINK-HOME", "SITE-DED-DEAD-LINK")


def _date(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _find(findings: list[Finding], indicator: str, level: str, subject: str | None = None) -> bool:
    return any(
        f.indicator == indicator
        and f.level == level
        and f.status == "open"
        and (subject is None or f.subject == subject)
        for f in findings
    )


def compare_site(
    site_id: str, truth: dict[str, Any], findings: list[Finding], summary: TargetSummary | None
) -> list[str]:
    """Differences for one site, each a readable line naming the site and the indicator."""
    out: list[str] = []
    if summary is None:
        return [f"{site_id}: no target summary"]
    if not truth.get("reachable", True):
        if summary.verdict != "unverified":
            out.append(f"{site_id}: unreachable site judged {summary.verdict}, expected unverified")
        return out
    expected_latest = _date(truth.get("home_latest"))
    if expected_latest and (
        summary.latest_update is None
        or abs((_date(summary.latest_update) - expected_latest).total_seconds()) > 60  # type: ignore[operator]
    ):
        out.append(f"{site_id}: latest_update {summary.latest_update} != truth {expected_latest.isoformat()}")

    expect: dict[str, str] = dict(truth.get("expect", {}))
    for indicator, level in expect.items():
        if indicator == "SITE-VETO-COLUMN-STALE" and truth.get("expect_column_stale"):
            continue
        if not _find(findings, indicator, level):
            out.append(f"{site_id}: missing {indicator} ({level})")
    for sub, level in (truth.get("expect_column_stale") or {}).items():
        if not _find(findings, "SITE-VETO-COLUMN-STALE", level, subject=sub):
            out.append(f"{site_id}: missing SITE-VETO-COLUMN-STALE ({sub}, {level})")

    vetoes = {
        f.indicator
        for f in findings
        if f.severity == "veto" and f.level == "violation" and f.status == "open"
    }
    for indicator in sorted(vetoes):
        if expect.get(indicator) != "violation":
            out.append(f"{site_id}: unexpected veto {indicator}")
    if truth.get("healthy") and vetoes:
        out.append(f"{site_id}: healthy site vetoed ({', '.join(sorted(vetoes))})")

    dead = {f.subject_url: f for f in findings if f.indicator in DEAD_LINK_INDICATORS}
    for link in truth.get("dead_links", []):
        wanted = DEAD_LINK_INDICATORS[0] if link.get("on_homepage") else DEAD_LINK_INDICATORS[1]
        found = dead.get(link["url"])
        if found is None:
            out.append(f"{site_id}: dead link not found: {link['url']} ({link.get('why', '')})")
        elif found.indicator != wanted:
            out.append(f"{site_id}: dead link {link['url']} reported as {found.indicator}, expected {wanted}")
    truth_dead = {link["url"] for link in truth.get("dead_links", [])}
    for url in sorted(set(dead) - truth_dead):
        out.append(f"{site_id}: link reported dead but works: {url}")
    return out


def compare_with_truth(
    truth: dict[str, Any], findings: list[Finding], summaries: list[TargetSummary]
) -> list[str]:
    """All differences between a sweep and the ground truth; empty when the sweep is right."""
    by_site: dict[str, list[Finding]] = {}
    for f in findings:
        by_site.setdefault(f.target_id, []).append(f)
    summary_of = {s.target_id: s for s in summaries}
    problems: list[str] = []
    for site_id, site_truth in sorted(truth["sites"].items()):
        problems.extend(compare_site(site_id, site_truth, by_site.get(site_id, []), summary_of.get(site_id)))
    for account_id, account_truth in sorted(truth.get("accounts", {}).items()):
        problems.extend(
            compare_account(
                account_id, account_truth, by_site.get(account_id, []), summary_of.get(account_id)
            )
        )
    return problems


ACCOUNT_VETOES = ("ACCOUNT-VETO-NO-UPDATE", "ACCOUNT-GONE")


def compare_account(
    account_id: str, truth: dict[str, Any], findings: list[Finding], summary: TargetSummary | None
) -> list[str]:
    """Differences for one account: its state, its latest post (within a minute), its findings."""
    label = f"{account_id} ({truth['platform']}/{truth['case']})"
    if summary is None:
        return [f"{label}: no target summary"]
    out: list[str] = []
    if summary.state != truth["state"]:
        out.append(f"{label}: state {summary.state!r}, expected {truth['state']!r}")
    expected_latest = _date(truth.get("latest"))
    got = _date(summary.latest_update)
    if expected_latest is not None and (got is None or abs((got - expected_latest).total_seconds()) > 60):
        out.append(f"{label}: latest {summary.latest_update} != truth {expected_latest.isoformat()}")
    expect: dict[str, str] = truth.get("expect", {})
    for indicator, level in expect.items():
        if not _find(findings, indicator, level):
            out.append(f"{label}: missing {indicator} ({level})")
    for f in findings:
        if (
            f.indicator in ACCOUNT_VETOES
            and f.level == "violation"
            and f.status == "open"
            and expect.get(f.indicator) != "violation"
        ):
            out.append(f"{label}: unexpected {f.indicator}")
    if truth["state"] in ("unverified", "private") and summary.verdict != "unverified":
        out.append(f"{label}: could not be checked but judged {summary.verdict}")
    return out


def records_from_jsonl(
    lines: list[dict[str, Any]],
) -> tuple[list[Finding], list[TargetSummary], list[dict[str, Any]]]:
    """Rebuild findings and summaries from JSON Lines records (dates stay ISO strings)."""
    import dataclasses

    def build(cls: type, data: dict[str, Any]) -> Any:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    findings = [build(Finding, r) for r in lines if r.get("type") == "finding"]
    summaries = [build(TargetSummary, r) for r in lines if r.get("type") == "target"]
    sweeps = [r for r in lines if r.get("type") == "sweep"]
    return findings, summaries, sweeps
