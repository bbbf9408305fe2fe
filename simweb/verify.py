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
    truth: dict[str, Any],
    findings: list[Finding],
    summaries: list[TargetSummary],
    content_watch: bool = False,
) -> list[str]:
    """All differences between a sweep and the ground truth; empty when the sweep is right.

    ``content_watch`` adds :func:`compare_content_watch` (for sweeps whose spiders read page,
    attachment and post text).
    """
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
    if content_watch:
        problems.extend(compare_content_watch(truth, findings))
    return problems


SEC_INDICATORS = ("SITE-SEC-WORDING", "SITE-SEC-PRIVACY", "ACCOUNT-SEC-WORDING")
SecKey = tuple[str, str, str, str]  # target, indicator, url ('' for account posts), entry or kind:masked


def _sec_key(target_id: str, indicator: str, url: str, ev: dict[str, Any]) -> SecKey:
    if indicator == "SITE-SEC-PRIVACY":
        what = f"{ev.get('personal_kind', ev.get('kind'))}:{ev.get('masked')}"
    else:
        what = str(ev.get("entry_key") or f"{ev.get('dictionary')}/{ev.get('entry')}")
    return (target_id, indicator, "" if indicator.startswith("ACCOUNT-") else url, what)


def compare_content_watch(truth: dict[str, Any], findings: list[Finding]) -> list[str]:
    """Content-watch differences: every planted expression and unmasked number raised, pending
    review, with its term; nothing else raised (no white-listed form, masked or check-failing
    number); every unreadable planted file an unverified note with its reason, and no other note."""
    expected: dict[SecKey, str] = {}  # key -> the planted term ('' for numbers)
    notes: dict[tuple[str, str], str] = {}  # (target, url) -> reason
    for target_id, site in truth.get("content_watch", {}).items():
        for e in site["expect"]:
            planted = {"personal_kind": e.get("kind"), "masked": e.get("masked"), "entry_key": e.get("entry")}
            key = _sec_key(target_id, e["indicator"], e["url"], planted)
            expected[key] = e.get("term", "")
        for note in site.get("unverified", []):
            notes[(target_id, note["url"])] = note["reason"]
    for account_id, account in truth.get("accounts", {}).items():
        for e in account.get("content_watch", []):
            expected[_sec_key(account_id, e["indicator"], "", {"entry_key": e["entry"]})] = e["term"]

    raised: dict[SecKey, Finding] = {}
    out: list[str] = []
    for f in findings:
        if f.indicator not in SEC_INDICATORS:
            continue
        if f.status == "unverified":
            reason = notes.get((f.target_id, f.subject_url))
            if reason is None:
                out.append(
                    f"{f.target_id}: unexpected unverified note for {f.subject_url} ({f.evidence.get('reason')})"
                )
            elif f.evidence.get("reason") != reason:
                out.append(
                    f"{f.target_id}: {f.subject_url} unverified as {f.evidence.get('reason')!r}, expected {reason!r}"
                )
            continue
        key = _sec_key(f.target_id, f.indicator, f.subject_url, f.evidence)
        raised[key] = f
        if f.status != "pending_review" or f.severity != "veto" or not f.fingerprint:
            out.append(
                f"{f.target_id}: {f.indicator} {key[3]} is {f.status}/{f.severity}, expected pending_review/veto with a fingerprint"
            )
    for key, term in expected.items():
        found = raised.get(key)
        if found is None:
            out.append(f"{key[0]}: missing {key[1]} {key[3]} at {key[2] or 'a post'}")
        elif term and found.evidence.get("term") != term:
            out.append(f"{key[0]}: {key[1]} {key[3]} term {found.evidence.get('term')!r}, expected {term!r}")
    for key in sorted(set(raised) - set(expected)):
        out.append(f"{key[0]}: unexpected {key[1]} {key[3]} at {key[2] or 'a post'}")
    raised_notes = {
        (f.target_id, f.subject_url)
        for f in findings
        if f.indicator in SEC_INDICATORS and f.status == "unverified"
    }
    for target_id, url in sorted(set(notes) - raised_notes):
        out.append(f"{target_id}: no unverified note for {url} ({notes[(target_id, url)]})")
    return out


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


def compare_reposts(truth: dict[str, Any] | None, rows: list[dict[str, Any]]) -> list[str]:
    """Differences between an event's table (``govpatrol.events.event_rows``) and the planted
    event's truth: every planted account listed once, with its status, repost time and delay."""
    if not truth:
        return []
    out: list[str] = []
    by_id = {r["target_id"]: r for r in rows}
    for tid, want in sorted(truth["accounts"].items()):
        got = by_id.get(tid)
        why = want.get("why", "")
        if got is None:
            out.append(f"{tid}: not in the event's table ({why})")
            continue
        if got["status"] != want["status"]:
            out.append(f"{tid}: repost status {got['status']}, expected {want['status']} ({why})")
        if want.get("reposted_at") and (
            not got.get("reposted_at")
            or abs((_date(got["reposted_at"]) - _date(want["reposted_at"])).total_seconds()) > 60  # type: ignore[operator]
        ):
            out.append(f"{tid}: reposted at {got.get('reposted_at')}, expected {want['reposted_at']} ({why})")
        if want.get("delay_minutes") is not None and got.get("delay_minutes") != want["delay_minutes"]:
            out.append(
                f"{tid}: delay {got.get('delay_minutes')} min, expected {want['delay_minutes']} ({why})"
            )
    for tid in sorted(set(by_id) - set(truth["accounts"])):
        out.append(f"{tid}: in the event's table but not in its scope")
    return out
