"""The review queue: security hits (``*-SEC-*``, status ``pending_review``) waiting for a person.

Plain functions over the store, for the terminal (``govpatrol review``) and for a web page alike:
:func:`pending` lists the queue, :func:`show` one hit with its audit trail, :func:`confirm` makes a
hit a veto finding (``open``) and sends its alert at once, :func:`dismiss` closes it and remembers
(target, indicator, fingerprint) so later patrols never raise it again -- and, for a tamper hit,
accepts the page's observed look as its new baseline (the change was legitimate). Every decision is
an audit record in ``<prefix>-reviews`` (:func:`audit`) and an entry of the finding's history (who,
when, note).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawlers.alerts_config import AlertsConfig
from crawlers.watchmodels import Baseline
from govpatrol.alerts import Alerter, AlertReport
from pipelines.lifecycle import finding_from_dict
from pipelines.rules.sec_common import PENDING
from pipelines.rules.sec_tamper import INDICATOR as TAMPER
from pipelines.store import Store
from pipelines.watchstore import load_baselines, reviews, write_baselines, write_review


class ReviewError(ValueError):
    """A review that cannot be made: an unknown id, a hit already decided (the message says which)."""


@dataclass
class Decision:
    """What a confirm or dismiss did."""

    finding: dict[str, Any]
    audit: dict[str, Any]
    alert: AlertReport | None = None
    baseline: Baseline | None = None


def pending(
    store: Store, *, target_id: str | None = None, indicator: str | None = None
) -> list[dict[str, Any]]:
    """The hits waiting for a person, oldest first."""
    filters: list[dict[str, Any]] = [{"term": {"status": PENDING}}]
    if target_id:
        filters.append({"term": {"target_id": target_id}})
    if indicator:
        filters.append({"term": {"indicator": indicator}})
    store.refresh("findings")
    return store.search_all("findings", {"bool": {"filter": filters}}, [{"first_seen": "asc"}, {"id": "asc"}])


def show(store: Store, finding_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One finding and its audit records."""
    store.refresh("findings", "reviews")
    found = store.get_findings([finding_id]).get(finding_id)
    if found is None:
        raise ReviewError(f"no finding with id {finding_id!r}")
    return found, reviews(store, finding_id=finding_id)


def audit(
    store: Store, *, finding_id: str | None = None, target_id: str | None = None
) -> list[dict[str, Any]]:
    """The audit trail, oldest first: every confirm, dismiss and baseline acceptance (who, when, note),
    of one finding, of one target, or all."""
    store.refresh("reviews")
    return reviews(store, finding_id=finding_id, target_id=target_id)


def _pending(store: Store, finding_id: str) -> dict[str, Any]:
    doc, _ = show(store, finding_id)
    if doc.get("status") != PENDING:
        decided = doc.get("review") or {}
        who = f" by {decided.get('by')} at {decided.get('at')}" if decided else ""
        raise ReviewError(f"finding {finding_id} is {doc.get('status')}{who}, not pending_review")
    return doc


def _decide(
    store: Store, doc: dict[str, Any], action: str, status: str, by: str, note: str, at: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    entry = {"at": at.isoformat(), "sweep_id": "", "kind": "review", "status": status, "by": by, "note": note}
    review = {"action": action, "by": by, "at": at.isoformat(), "note": note}
    history = [*(doc.get("history") or []), entry]
    store.update_findings({doc["id"]: {"status": status, "history": history, "review": review}})
    audit = write_review(
        store,
        {
            "action": action,
            "at": at.isoformat(),
            "by": by,
            "note": note,
            "finding_id": doc["id"],
            "target_id": doc.get("target_id", ""),
            "target_name": doc.get("target_name", ""),
            "indicator": doc.get("indicator", ""),
            "fingerprint": doc.get("fingerprint", ""),
            "subject_url": doc.get("subject_url", ""),
            "page_url": (doc.get("evidence") or {}).get("page", ""),
            "status_before": doc.get("status"),
            "status_after": status,
        },
    )
    store.refresh("findings", "reviews")
    return {**doc, "status": status, "history": history, "review": review}, audit


def confirm(
    store: Store,
    finding_id: str,
    *,
    by: str,
    note: str = "",
    alerts: AlertsConfig | None = None,
    at: datetime | None = None,
) -> Decision:
    """The hit is real: a veto finding from now on, alerted at once (once, as every veto alert)."""
    doc = _pending(store, finding_id)
    when = at or datetime.now(UTC)
    updated, audit = _decide(store, doc, "confirm", "open", by, note, when)
    report = None
    if alerts is not None and alerts.enabled:
        report = Alerter(alerts, store).notify([finding_from_dict(updated)])
    return Decision(updated, audit, report)


def dismiss(
    store: Store, finding_id: str, *, by: str, note: str = "", at: datetime | None = None
) -> Decision:
    """Not an incident: closed, and never raised again. A tamper hit's page look becomes its baseline."""
    doc = _pending(store, finding_id)
    when = at or datetime.now(UTC)
    updated, audit = _decide(store, doc, "dismiss", "dismissed", by, note, when)
    baseline = None
    if doc.get("indicator") == TAMPER:
        baseline = accept_observed(store, doc, by=by, note=note or f"驳回篡改告警 {finding_id}", at=when)
    return Decision(updated, audit, baseline=baseline)


def accept_observed(
    store: Store, doc: dict[str, Any], *, by: str, note: str, at: datetime
) -> Baseline | None:
    """The look a tamper finding observed, accepted as the page's baseline (version + 1)."""
    evidence = doc.get("evidence") or {}
    seen, page = evidence.get("observed") or {}, evidence.get("page")
    if not page or not seen:
        return None
    old = load_baselines(store, [doc["target_id"]]).get(doc["target_id"], {}).get(page)
    base = Baseline(
        target_id=doc["target_id"],
        url=page,
        page_role=evidence.get("page_role", "homepage"),
        accepted_at=at,
        title=seen.get("title", ""),
        final_host=seen.get("final_host", ""),
        hosts=seen.get("hosts") or {},
        text_print=list(seen.get("text_print") or []),
        blocks=list(seen.get("blocks") or []),
        redirects=list(seen.get("redirects") or []),
        accepted_by=by,
        note=note,
        snapshot=evidence.get("snapshot") or {},
        version=(old.version + 1) if old else 1,
    )
    write_baselines(store, [base])
    store.refresh("baselines")
    return base
