"""The findings lifecycle: what a sweep's findings mean for the findings already on record.

The judge stays pure and only says what one sweep saw (``open`` / ``unverified``). Here, also
without any I/O, each previously recorded finding is matched with this sweep's by its stable id:

- reproduced: still ``open`` (or ``unverified``), ``first_seen`` kept, history extended; a re-check
  also counts (``recheck_count``, ``last_recheck_at``);
- open before, unverified now (the page or platform would not let us look): still ``open`` with its
  old evidence: a check we could not make proves nothing was fixed;
- not reproduced and *covered* by this sweep: ``rectified``, with the time and the observation that
  shows it, when it was a confirmed problem (``open`` since it was last rectified); a suspicion that
  was never confirmed (only ever ``unverified``) is ``dismissed`` instead: cleared, not 已整改;
  not covered (a patrol does not look at columns): untouched;
- new, or back after being rectified: opened;
- seen by a later sweep than this one (a replay with an older ``--as-of``): untouched, and this
  sweep's version of it is not written.

Coverage is per sweep kind (:func:`covers`) and per target: a site whose homepage did not load or
an account we could not see was not checked at all, so none of its findings can be rectified.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawlers.models import AccountObservation, Finding, SiteObservations, Target
from pipelines.checkscover import looked
from pipelines.rules import (
    column_stale,
    dead_link_home,
    dead_link_other,
    footer_marks,
    home_stale,
    meta,
    policy_stale,
    sec_watch,
)
from pipelines.sweepkinds import REGISTRY_INDICATORS, WATCH_INDICATORS, covers

STATUSES = ("open", "unverified", "rectified", "pending_review")
_DATES = ("as_of", "first_seen", "last_seen", "last_recheck_at", "rectified_at")
_FIELDS = {f.name for f in dataclasses.fields(Finding)}

Covered = Callable[[dict[str, Any]], bool] | Collection[str]
EvidenceFor = Callable[[dict[str, Any]], dict[str, Any]]


def finding_from_dict(doc: dict[str, Any]) -> Finding:
    """A stored finding (Elasticsearch ``_source`` or a JSON Lines record) back as a :class:`Finding`."""
    data = {k: v for k, v in doc.items() if k in _FIELDS}
    for name in _DATES:
        if isinstance(data.get(name), str):
            data[name] = datetime.fromisoformat(data[name])
    data["history"] = list(data.get("history") or [])
    return Finding(**data)


@dataclass
class Reconciliation:
    """What to write after a sweep, and what changed."""

    findings: list[Finding] = field(default_factory=list)  # this sweep's, with lifecycle, + rectified
    opened: list[str] = field(default_factory=list)  # ids new (or back after being rectified)
    closed: list[str] = field(default_factory=list)  # ids rectified by this sweep
    still_open: list[str] = field(default_factory=list)  # ids on record before and not rectified
    cleared: list[str] = field(default_factory=list)  # never-confirmed suspicions checked fine now
    later: list[str] = field(default_factory=list)  # ids a later sweep saw: left alone

    def extend(self, other: Reconciliation) -> None:
        self.findings += other.findings
        self.opened += other.opened
        self.closed += other.closed
        self.still_open += other.still_open
        self.cleared += other.cleared
        self.later += other.later

    @property
    def rectified(self) -> list[Finding]:
        return [f for f in self.findings if f.status == "rectified"]


def _is_covered(covered: Covered, doc: dict[str, Any]) -> bool:
    if callable(covered):
        return bool(covered(doc))
    return doc.get("id") in covered


def _latest(doc: dict[str, Any]) -> datetime | None:
    """When a sweep last touched the stored finding (seen, re-checked or rectified)."""
    times = [doc.get(k) for k in ("last_seen", "last_recheck_at", "rectified_at", "as_of")]
    found = [datetime.fromisoformat(t) if isinstance(t, str) else t for t in times if t]
    return max(found) if found else None


def confirmed(doc: dict[str, Any]) -> bool:
    """Was the stored finding a confirmed problem (``open``) since it was last rectified?"""
    if doc.get("status") == "open":
        return True
    since: list[dict[str, Any]] = []
    for entry in doc.get("history") or []:
        since = [] if entry.get("status") == "rectified" else [*since, entry]
    return any(e.get("status") == "open" for e in since)


def reconcile(
    previous: list[dict[str, Any]],
    current: list[Finding],
    covered: Covered,
    sweep: dict[str, Any],
    as_of: datetime,
    evidence_for: EvidenceFor | None = None,
    retested: Covered | None = None,
) -> Reconciliation:
    """Match ``current`` (this sweep's findings) with ``previous`` (stored docs) by id.

    ``covered`` says which previous findings this sweep re-tested (a predicate over the stored doc,
    or a set of ids); ``sweep`` has the sweep's ``id`` and ``kind``; ``evidence_for`` gives the
    observation that shows a rectified finding fixed. In a re-check, ``retested`` (default:
    ``covered``) are the findings whose re-check count goes up, even when the target could not be
    looked at this time.
    """
    recheck = sweep.get("kind") == "recheck"
    out = Reconciliation()
    before: dict[str, dict[str, Any]] = {}
    for stored in previous:
        seen = _latest(stored) if stored.get("id") else None
        if seen is not None and seen > as_of:
            out.later.append(stored["id"])  # a replay of an older sweep: the record is newer
        elif stored.get("id"):
            before[stored["id"]] = stored
    later = set(out.later)
    current = [f for f in current if f.id not in later]

    def entry(status: str, **extra: Any) -> dict[str, Any]:
        return {
            "at": as_of.isoformat(),
            "sweep_id": sweep.get("id", ""),
            "kind": sweep.get("kind", ""),
            "status": status,
            **extra,
        }

    def count(f: Finding, doc: dict[str, Any]) -> None:
        now = recheck and _is_covered(covered if retested is None else retested, doc)
        f.recheck_count = int(doc.get("recheck_count") or 0) + (1 if now else 0)
        last = doc.get("last_recheck_at")
        f.last_recheck_at = as_of if now else (datetime.fromisoformat(last) if last else None)

    for f in current:
        doc = before.pop(f.id, None)
        if doc is None or doc.get("status") == "rectified":
            f.history = [*((doc or {}).get("history") or []), entry(f.status)]
            if doc is not None:  # back again: the record keeps when it was first found
                f.first_seen = finding_from_dict(doc).first_seen or f.first_seen
                count(f, doc)
            f.rectified_at, f.rectified_evidence = None, None
            out.opened.append(f.id)
            out.findings.append(f)
            continue
        out.still_open.append(f.id)
        if f.status == "pending_review" and doc.get("status") == "open":
            f.status = "open"  # a security hit a person confirmed stays confirmed while it is seen
        if f.status == "unverified" and doc.get("status") == "open":
            kept = finding_from_dict(doc)  # could not look: the old evidence still stands
            kept.sweep_id = f.sweep_id or kept.sweep_id
            kept.history = [*kept.history, entry("open", check="unverified")]
            count(kept, doc)
            out.findings.append(kept)
            continue
        old = finding_from_dict(doc)
        f.first_seen = old.first_seen or f.first_seen
        f.history = [*old.history, entry(f.status)]
        f.rectified_at, f.rectified_evidence = None, None
        count(f, doc)
        out.findings.append(f)

    for doc in before.values():
        if doc.get("status") not in ("open", "unverified") or not _is_covered(covered, doc):
            continue
        fixed = finding_from_dict(doc)
        fixed.sweep_id = sweep.get("id", fixed.sweep_id)
        fixed.rectified_evidence = evidence_for(doc) if evidence_for else {}
        if confirmed(doc):
            fixed.status = "rectified"
            fixed.rectified_at = as_of
            fixed.history = [*fixed.history, entry("rectified")]
            out.closed.append(fixed.id)
        else:  # only ever a suspicion: checked and fine now, which is no rectification
            fixed.status = "dismissed"
            fixed.rectified_at = None
            fixed.history = [*fixed.history, entry("dismissed", check="cleared")]
            out.cleared.append(fixed.id)
        count(fixed, doc)
        out.findings.append(fixed)
    return out


def target_checked(target: Target, observed: Any) -> bool:
    """Was the target looked at in this sweep? Only then can any of its findings be rectified."""
    if target.kind == "site":
        return (
            isinstance(observed, SiteObservations) and observed.homepage is not None and observed.homepage.ok
        )
    return isinstance(observed, AccountObservation) and observed.state not in ("unverified", "private")


def rectification_evidence(
    doc: dict[str, Any], observed: Any, sweep_id: str, as_of: datetime
) -> dict[str, Any]:
    """The observation that shows ``doc`` fixed: the new newest item, link check or latest post."""
    out: dict[str, Any] = {"sweep_id": sweep_id, "checked_at": as_of.isoformat()}
    indicator = doc.get("indicator", "")
    if isinstance(observed, AccountObservation):
        out |= {
            "state": observed.state,
            "profile_url": observed.url,
            "fetched_at": observed.fetched_at.isoformat(),
        }
        if observed.latest is not None:
            post = observed.latest_post
            out |= {
                "latest": observed.latest.isoformat(),
                "post_url": post.get("url", ""),
                "post_title": post.get("title", ""),
                "latest_raw": post.get("raw", ""),
            }
        return out
    if not isinstance(observed, SiteObservations) or observed.homepage is None:
        return out
    home = observed.homepage
    if indicator == home_stale.INDICATOR:
        latest = home_stale.latest_update(observed)
        out["basis"] = latest.basis
        if latest.item is not None:
            out |= {
                "newest": latest.item.date.isoformat(),
                "newest_url": latest.item.url,
                "newest_title": latest.item.title,
                "newest_raw": latest.item.raw,
                "page_url": latest.page_url,
            }
    elif indicator in (dead_link_home.INDICATOR, dead_link_other.INDICATOR):
        url = doc.get("subject") or doc.get("subject_url")
        check = next((link for link in observed.links if link.url == url), None)
        if check is None:
            out |= {"url": url, "note": "链接已不在页面上"}
        else:
            out |= {
                "url": url,
                "status": check.status,
                "error": check.error,
                "method": check.method,
                "final_url": check.final_url,
                "link_checked_at": check.checked_at.isoformat(),
            }
    elif indicator in (column_stale.INDICATOR, policy_stale.INDICATOR, meta.INDICATOR):
        out["columns"] = [
            {
                "name": c.column_name,
                "url": c.final_url or c.url,
                "newest": c.newest.date.isoformat() if c.newest else None,
                "items": c.item_count,
            }
            for c in observed.columns
            if c.ok
        ]
    elif indicator == footer_marks.INDICATOR:
        out["footer"] = home.footer
    elif indicator in WATCH_INDICATORS:
        out |= sec_watch.gone_evidence(doc, observed)
    out |= {"homepage": home.final_url or home.url, "homepage_status": home.status}
    return out


class SweepLifecycle:
    """Reconciles one sweep target by target, as each is judged, against the findings on record.

    ``previous``: the stored findings (any status) of the registry's targets, loaded before the
    crawl; ``only``: for a re-check, the ids it re-tests (nothing else can be rectified).
    """

    def __init__(
        self,
        previous: list[dict[str, Any]],
        sweep: dict[str, Any],
        as_of: datetime,
        only: Collection[str] | None = None,
        dismissed: Collection[tuple[str, str, str]] = frozenset(),
    ) -> None:
        self.dismissed = set(dismissed)  # (target, indicator, fingerprint) a person dismissed
        self.sweep = sweep
        self.as_of = as_of
        self.only = set(only) if only is not None else None
        self.by_target: dict[str, list[dict[str, Any]]] = {}
        self.registry_docs: list[dict[str, Any]] = []
        for doc in previous:
            if doc.get("indicator") in REGISTRY_INDICATORS:
                self.registry_docs.append(doc)
            else:
                self.by_target.setdefault(doc.get("target_id", ""), []).append(doc)
        self.total = Reconciliation()

    def _wanted(self, doc: dict[str, Any]) -> bool:
        kind = str(self.sweep.get("kind", ""))
        return covers(kind, doc.get("indicator", "")) and (self.only is None or doc.get("id") in self.only)

    def target(self, target: Target, observed: Any, findings: list[Finding]) -> list[Finding]:
        """This target's findings with their lifecycle, plus its findings now rectified."""
        checked = target_checked(target, observed)
        sweep_id = str(self.sweep.get("id", ""))
        findings = [  # a dismissed security hit is never raised again
            f
            for f in findings
            if not (
                f.status == "pending_review" and (f.target_id, f.indicator, f.fingerprint) in self.dismissed
            )
        ]
        result = reconcile(
            self.by_target.pop(target.id, []),
            findings,
            lambda doc: (
                checked and self._wanted(doc) and looked(doc, observed) and sec_watch.covers(doc, observed)
            ),
            self.sweep,
            self.as_of,
            lambda doc: rectification_evidence(doc, observed, sweep_id, self.as_of),
            retested=self._wanted,
        )
        self.total.extend(result)
        return result.findings

    def registry(self, findings: list[Finding]) -> list[Finding]:
        """Registry-level notices (judged over the whole registry, not one target's crawl)."""
        docs, self.registry_docs = self.registry_docs, []
        note = {
            "sweep_id": self.sweep.get("id", ""),
            "checked_at": self.as_of.isoformat(),
            "basis": "registry",
        }
        result = reconcile(docs, findings, self._wanted, self.sweep, self.as_of, lambda doc: dict(note))
        self.total.extend(result)
        return result.findings
