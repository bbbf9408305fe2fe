"""Baselines: the accepted look of each watched page, shown and re-accepted by an office.

A legitimate redesign makes ``SITE-SEC-TAMPER`` raise; the office accepts the page as it looks now
(:func:`accept`: the latest patrol's fetch of the page becomes its baseline, version + 1) and the
acceptance is recorded (who, when, note) on the baseline and in the audit trail. Plain functions,
for the terminal (``govpatrol baseline``) and a web page alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crawlers.watchmodels import Baseline
from govpatrol.review import ReviewError
from pipelines.store import Store
from pipelines.stored import watch_from_doc
from pipelines.watchstore import baseline_of, load_baselines, write_baselines, write_review


def show(store: Store, target_id: str, page: str | None = None) -> list[Baseline]:
    """The target's baselines (of one page when ``page`` is given), by URL."""
    store.refresh("baselines")
    found = load_baselines(store, [target_id]).get(target_id, {})
    chosen = [b for url, b in sorted(found.items()) if page is None or url == page]
    if not chosen:
        where = f" for page {page}" if page else ""
        raise ReviewError(f"no baseline on record for target {target_id!r}{where}")
    return chosen


def latest_fetch(store: Store, target_id: str, page: str) -> dict[str, Any] | None:
    """The newest static watch observation of ``page`` (what a patrol saw last)."""
    store.refresh("observations")
    query = {
        "bool": {
            "filter": [
                {"term": {"doc_type": "watch"}},
                {"term": {"target_id": target_id}},
                {"term": {"page_url": page}},
                {"term": {"variant": "static"}},
            ]
        }
    }
    docs = store.search_all("observations", query, [{"@timestamp": "desc"}, {"url": "asc"}], limit=1)
    return docs[0] if docs else None


def accept(
    store: Store,
    target_id: str,
    page: str | None = None,
    *,
    by: str,
    note: str = "",
    at: datetime | None = None,
) -> list[Baseline]:
    """The pages' latest look accepted as their baselines (every watched page of the target by default)."""
    when = at or datetime.now(UTC)
    known = {b.url: b for b in show(store, target_id, page)}
    accepted: list[Baseline] = []
    for url, old in known.items():
        doc = latest_fetch(store, target_id, url)
        if doc is None:
            raise ReviewError(f"no patrol has fetched {url} yet: nothing to accept")
        obs = watch_from_doc(doc)
        base = baseline_of(
            obs, at=when, by=by, note=note, sweep_id=str(doc.get("sweep_id", "")), version=old.version + 1
        )
        accepted.append(base)
        write_review(
            store,
            {
                "action": "baseline_accept",
                "at": when.isoformat(),
                "by": by,
                "note": note,
                "target_id": target_id,
                "page_url": url,
                "baseline_version": base.version,
            },
        )
    write_baselines(store, accepted)
    store.refresh("baselines", "reviews")
    return accepted
