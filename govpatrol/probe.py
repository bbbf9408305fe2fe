"""Probe rounds and the weekly SITE-VETO-UNREACHABLE roll-up.

Probes (:mod:`spiders.probe`) are facts: each round is stored as page observations with role
``probe`` and ``fetched_at`` = the scheduled time (the controlled clock), under a run id derived
from that time so a re-recorded round overwrites itself instead of counting twice. The roll-up
counts a site's probes over the rule's window in Elasticsearch and hands the counts to the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crawlers.models import Finding, PageObservation, Target
from pipelines.rules.base import Rules
from pipelines.rules.unreachable import INDICATOR, ProbeWindow, failed_probe_query, judge_unreachable
from pipelines.sinks import observation_doc
from pipelines.store import Store, StoreUnavailable
from spiders.probe import ROLE

FAILED_PROBES_SHOWN = 100  # failing probe times kept in a finding's evidence (top_hits default cap)
ROLLUP_CHUNK = 1000  # sites per aggregation request (keeps buckets far below search.max_buckets)


def probe_run_id(as_of: datetime) -> str:
    """The id of one probe round: its scheduled time in UTC (re-recording a round overwrites it)."""
    return f"probe-{as_of.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def record_probes(observations: list[PageObservation], store: Store) -> None:
    """Write probes as page observations (role ``probe``), each under its round's run id."""
    if observations:
        store.write_observations([observation_doc(o, probe_run_id(o.fetched_at)) for o in observations])


def write_probe_round(observations: list[PageObservation], sinks: list[Any], record: dict[str, Any]) -> None:
    """One round through the run's sinks (Elasticsearch with its spool, JSON Lines): the probes,
    then the round's record, which waits behind them."""
    try:
        for obs in observations:
            doc = observation_doc(obs, probe_run_id(obs.fetched_at))
            for sink in sinks:
                sink.write_observation(doc)
        for sink in sinks:
            sink.write_sweep(record)
    finally:
        for sink in sinks:
            sink.close()


def _window_counts(
    store: Store, ids: list[str], start: datetime, end: datetime, rules: Rules
) -> dict[str, dict[str, Any]]:
    """target id -> its probe-count bucket (total, failures by class, failing probes), by aggregation."""
    query = {
        "bool": {
            "filter": [
                {"term": {"doc_type": "page"}},
                {"term": {"role": ROLE}},
                {"terms": {"target_id": ids}},
                {"range": {"fetched_at": {"gte": start.isoformat(), "lt": end.isoformat()}}},
            ],
            # a probe the SSRF guard refused never looked at the site: it is no evidence either way
            "must_not": [{"term": {"error": "blocked"}}],
        }
    }
    aggs = {
        "sites": {
            "terms": {"field": "target_id", "size": len(ids)},
            "aggs": {
                "failed": {
                    "filter": failed_probe_query(rules),
                    "aggs": {
                        # no error class, yet failed: it loaded, later than the rule's time limit
                        "by_class": {"terms": {"field": "error", "size": 20, "missing": "slow"}},
                        "probes": {
                            "top_hits": {
                                "size": FAILED_PROBES_SHOWN,
                                "sort": [{"fetched_at": "asc"}],
                                "_source": ["fetched_at", "error", "status", "error_detail"],
                            }
                        },
                    },
                }
            },
        }
    }
    try:
        # Count every probe already written, including the last round's (not yet searchable otherwise).
        store.es.indices.refresh(
            index=f"{store.prefix}-observations-*", allow_no_indices=True, ignore_unavailable=True
        )
        resp = store.es.search(
            index=f"{store.prefix}-observations-*",
            query=query,
            aggs=aggs,
            size=0,
            allow_no_indices=True,
            ignore_unavailable=True,
        )
    except Exception as exc:  # the client's transport and API errors alike
        raise StoreUnavailable(f"Elasticsearch at {store.url}: cannot read probes: {exc}") from exc
    buckets = resp.get("aggregations", {}).get("sites", {}).get("buckets", [])
    return {b["key"]: b for b in buckets}


@dataclass
class Rollup:
    """One roll-up: this window's findings and every site's (probes, failed) counts."""

    start: datetime
    end: datetime
    findings: list[Finding]
    counts: dict[str, tuple[int, int]]  # target id -> (probes in the window, failed)

    def evidence(self, target_id: str) -> dict[str, Any]:
        """What shows a site's earlier finding fixed: this window's probe counts."""
        total, failed = self.counts.get(target_id, (0, 0))
        return {
            "basis": "probes",
            "window_start": self.start.isoformat(),
            "window_end": self.end.isoformat(),
            "probes_total": total,
            "probes_failed": failed,
            "failed_ratio": round(failed / total, 4) if total else None,
        }


def rollup_window(store: Store, targets: list[Target], as_of: datetime, rules: Rules) -> Rollup:
    """Judge every site on its probes in ``[as_of - window_days, as_of)``, keeping the counts."""
    days = int(rules.table(INDICATOR)["window_days"])
    result = Rollup(start=as_of - timedelta(days=days), end=as_of, findings=[], counts={})
    sites = [t for t in targets if t.kind == "site"]
    for first in range(0, len(sites), ROLLUP_CHUNK):
        chunk = sites[first : first + ROLLUP_CHUNK]
        buckets = _window_counts(store, [t.id for t in chunk], result.start, as_of, rules)
        for target in chunk:
            bucket = buckets.get(target.id, {})
            failed = bucket.get("failed", {})
            hits = [h["_source"] for h in failed.get("probes", {}).get("hits", {}).get("hits", [])]
            window = ProbeWindow(
                start=result.start,
                end=as_of,
                failures_by_class={
                    b["key"]: b["doc_count"] for b in failed.get("by_class", {}).get("buckets", [])
                },
                failed_at=[h["fetched_at"] for h in hits],
                failed_probes=[
                    {k: h.get(k) for k in ("fetched_at", "error", "status", "error_detail")} for h in hits
                ],
            )
            total, n_failed = int(bucket.get("doc_count", 0)), int(failed.get("doc_count", 0))
            result.counts[target.id] = (total, n_failed)
            result.findings += judge_unreachable(target, total, n_failed, window, as_of, rules)
    return result


def rollup_unreachable(store: Store, targets: list[Target], as_of: datetime, rules: Rules) -> list[Finding]:
    """Judge every site on its probes in ``[as_of - window_days, as_of)``; the caller stores the findings."""
    return rollup_window(store, targets, as_of, rules).findings
