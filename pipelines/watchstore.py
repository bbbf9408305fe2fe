"""The security watch's records in Elasticsearch: baselines (``<prefix>-baselines``) and the review
audit trail (``<prefix>-reviews``, which also remembers dismissals).

Plain functions over :class:`~pipelines.store.Store`: the sweep reads baselines and dismissals
before judging and writes new baselines after; the review queue and ``govpatrol baseline`` write
acceptances and audit records. A dismissal is remembered as (target, indicator, fingerprint).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime
from typing import Any

from crawlers.records import record_from_dict
from crawlers.watchfacts import hostname
from crawlers.watchmodels import Baseline, WatchObservation
from pipelines.rules.sec_tamper import redirect_hosts
from pipelines.store import ID_CHUNK, Store

DismissKey = tuple[str, str, str]  # (target id, indicator, fingerprint)


def _chunks(ids: Collection[str]) -> list[list[str]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + ID_CHUNK] for i in range(0, len(ordered), ID_CHUNK)]


def baseline_from_doc(doc: dict[str, Any]) -> Baseline:
    return record_from_dict(Baseline, {k: v for k, v in doc.items() if k != "id"}, extra="drop")


def load_baselines(store: Store, target_ids: Collection[str]) -> dict[str, dict[str, Baseline]]:
    """Target id -> page URL -> its accepted baseline."""
    found: dict[str, dict[str, Baseline]] = {}
    for chunk in _chunks(target_ids):
        query = {"bool": {"filter": [{"terms": {"target_id": chunk}}]}}
        for doc in store.search_all("baselines", query, [{"id": "asc"}]):
            base = baseline_from_doc(doc)
            found.setdefault(base.target_id, {})[base.url] = base
    return found


def baseline_of(
    obs: WatchObservation,
    *,
    at: datetime,
    by: str,
    note: str = "",
    sweep_id: str = "",
    version: int = 1,
    snapshot: dict[str, Any] | None = None,
) -> Baseline:
    """The look of this fetch as a baseline."""
    return Baseline(
        target_id=obs.target_id,
        url=obs.url,
        page_role=obs.page_role,
        accepted_at=at,
        title=obs.title,
        final_host=hostname(obs.final_url or obs.url),
        hosts=obs.hosts,
        text_print=obs.text_print,
        blocks=obs.blocks,
        redirects=redirect_hosts(obs),
        accepted_by=by,
        note=note,
        sweep_id=sweep_id,
        snapshot=snapshot or {},
        version=version,
    )


def write_baselines(store: Store, baselines: list[Baseline]) -> None:
    index = store.index_name("baselines")
    ops: list[dict[str, Any]] = []
    for base in baselines:
        ops += [{"index": {"_index": index, "_id": base.id}}, base.to_dict()]
    if ops:
        store.write_ops(ops)


def touch_recent(store: Store, updates: dict[str, tuple[list[int], datetime]]) -> None:
    """The last clean patrol's text of each baseline (by baseline id): churn is measured against it."""
    index = store.index_name("baselines")
    ops: list[dict[str, Any]] = []
    for doc_id, (text, at) in sorted(updates.items()):
        ops += [
            {"update": {"_index": index, "_id": doc_id}},
            {"doc": {"recent_print": text, "recent_at": at.isoformat()}},
        ]
    if ops:
        store.write_ops(ops)


def load_dismissals(store: Store, target_ids: Collection[str]) -> set[DismissKey]:
    """Every dismissed hit of these targets, as (target, indicator, fingerprint)."""
    keys: set[DismissKey] = set()
    for chunk in _chunks(target_ids):
        query = {"bool": {"filter": [{"term": {"action": "dismiss"}}, {"terms": {"target_id": chunk}}]}}
        for doc in store.search_all("reviews", query, [{"id": "asc"}]):
            keys.add((doc["target_id"], doc["indicator"], doc.get("fingerprint") or ""))
    return keys


def write_review(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    """One audit record (its id derived from what and when, so a retried write never duplicates)."""
    key = "\x1f".join(str(record.get(k, "")) for k in ("action", "finding_id", "target_id", "page_url", "at"))
    doc = {**record, "id": hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]}
    store.write_ops([{"index": {"_index": store.index_name("reviews"), "_id": doc["id"]}}, doc])
    return doc


def reviews(
    store: Store, *, finding_id: str | None = None, target_id: str | None = None
) -> list[dict[str, Any]]:
    """Audit records, oldest first (of one finding, or one target, or all)."""
    filters = [{"term": {k: v}} for k, v in (("finding_id", finding_id), ("target_id", target_id)) if v]
    return store.search_all("reviews", {"bool": {"filter": filters}}, [{"at": "asc"}, {"id": "asc"}])
