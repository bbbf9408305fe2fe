"""Bulk writes to Elasticsearch, with retries, saying what became of every document.

The write path reports each record (one document's action/body pairs) as written, refused for now
(throttled, a block, a conflict, a node busy: sent again with backoff, then handed back) or refused
for good (a mapping error), so the sweep's sink can spool what did not land (``pipelines.spool``).
Findings are upserted by their stable id without scripts, because the local integ-test
distribution has no painless; observations get ids from their content, so a replay never
duplicates.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from elasticsearch import ApiError, TransportError

from crawlers.models import Finding, TargetSummary
from pipelines.esclient import StoreBase, StoreUnavailable

log = logging.getLogger(__name__)

# refused for now, worth sending again: throttled, node busy or starting, a write block, an upsert race
RETRY_STATUSES = frozenset({408, 409, 429})
RETRY_BLOCK = "cluster_block_exception"
MAX_ATTEMPTS = 5
CHUNK_ACTIONS = 1000
# kept with a finding across sweeps (pipelines.lifecycle); a write without them keeps the stored ones
LIFECYCLE_FIELDS = ("recheck_count", "last_recheck_at", "rectified_at", "rectified_evidence", "history")


class BulkWriteError(RuntimeError):
    """Some documents of a bulk write were rejected; ``failures`` lists each (index, id, reason)."""

    def __init__(self, failures: list[dict[str, Any]]) -> None:
        self.failures = failures
        shown = "\n".join(
            f"  {f['index']}/{f['id']}: {f['status']} {f['type']}: {f['reason']}" for f in failures[:10]
        )
        more = f"\n  ... and {len(failures) - 10} more" if len(failures) > 10 else ""
        super().__init__(f"{len(failures)} document(s) rejected by Elasticsearch:\n{shown}{more}")


@dataclass
class BulkOutcome:
    """What became of records sent in bulk, by their position in the list sent.

    ``failed``: not written for a passing reason, send again later (in order). ``rejected``:
    refused for good (a mapping error): never worth sending again. Each value is the failure
    (index, id, action, status, type, reason). ``error``: the whole request failed, and nothing from
    the first failed record on was sent.
    """

    failed: dict[int, dict[str, Any]] = field(default_factory=dict)
    rejected: dict[int, dict[str, Any]] = field(default_factory=dict)
    error: str = ""


class _WholeBulkFailed(Exception):
    def __init__(self, failure: dict[str, Any]) -> None:
        super().__init__(failure["reason"])
        self.failure = failure


def retriable(status: int, error_type: str = "") -> bool:
    """Whether a refusal may pass: 5xx, throttling, conflicts, and a 403 that is a (write) block."""
    return status >= 500 or status in RETRY_STATUSES or (status == 403 and error_type == RETRY_BLOCK)


def group_ops(ops: list[dict]) -> list[list[dict]]:
    """Bulk action/body pairs grouped by document: consecutive actions on one index and id form a
    record (a finding's two-step upsert), which is retried, spooled or rejected as one."""
    records: list[list[dict]] = []
    last: tuple[str, str] | None = None
    for start in range(0, len(ops), 2):
        key = _meta_key(ops[start])
        if records and key == last:
            records[-1] += ops[start : start + 2]
        else:
            records.append(ops[start : start + 2])
        last = key
    return records


def _meta_key(action: dict) -> tuple[str, str]:
    (meta,) = action.values()
    return str(meta.get("_index", "")), str(meta.get("_id", ""))


def record_key(record: list[dict]) -> tuple[str, str]:
    """(index, id) of the document a record writes."""
    return _meta_key(record[0])


def _doc_key(record: list[dict]) -> dict[str, str]:
    index, doc_id = record_key(record)
    return {"index": index, "id": doc_id}


def _chunks(pending: list[int], records: list[list[dict]]) -> Iterator[list[int]]:
    """Record positions in chunks of at most ``CHUNK_ACTIONS`` actions (a record is never split)."""
    chunk: list[int] = []
    size = 0
    for i in pending:
        n = len(records[i]) // 2
        if chunk and size + n > CHUNK_ACTIONS:
            yield chunk
            chunk, size = [], 0
        chunk.append(i)
        size += n
    if chunk:
        yield chunk


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


class BulkWrites(StoreBase):
    """The write half of :class:`pipelines.store.Store`."""

    # --- writes ------------------------------------------------------------------------------

    def write_observations(self, docs: list[dict]) -> None:
        self._bulk(self.observation_ops(docs))

    def observation_ops(self, docs: list[dict]) -> list[dict]:
        """Observations are facts: ids derive from content so a retried write never duplicates."""
        ops: list[dict] = []
        for doc in docs:
            stamp = doc.get("@timestamp") or doc.get("fetched_at") or doc.get("checked_at")
            when = _as_datetime(stamp) if stamp else None
            key = "\x1f".join(
                str(doc.get(k, "")) for k in ("sweep_id", "doc_type", "target_id", "url", "@timestamp")
            )
            doc_id = hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]
            ops += [{"index": {"_index": self.index_name("observations", when), "_id": doc_id}}, doc]
        return ops

    def upsert_findings(self, findings: list[Finding]) -> None:
        self._bulk(self.finding_ops(findings))

    def finding_ops(self, findings: list[Finding]) -> list[dict]:
        """Upsert by stable id, keeping ``first_seen``; no scripts (painless is absent).

        A partial ``doc`` update merges objects key by key, so an old ``evidence`` would keep keys
        the new one dropped: a first update sets ``evidence`` to null (or inserts the whole
        document), the second applies this sweep's fields.
        """
        ops: list[dict] = []
        index = self.index_name("findings")
        for finding in findings:
            data = finding.to_dict()
            seen = data["last_seen"] or data["as_of"]
            upsert = {**data, "first_seen": data["first_seen"] or data["as_of"], "last_seen": seen}
            # a finding without history was not reconciled (pipelines.lifecycle): keep the record's
            # lifecycle; one with history carries all of it
            tracked = bool(finding.history)
            meta = {"_index": index, "_id": finding.id}
            if not tracked and data["status"] == "unverified":
                # written without a lifecycle (Elasticsearch was away when the sweep started): a check
                # that could not look leaves a finding on record as it is; a new one is inserted
                ops += [{"update": meta}, {"doc": {}, "upsert": upsert}]
                continue
            keep = {"first_seen"} if tracked else {"first_seen", *LIFECYCLE_FIELDS}
            doc = {k: v for k, v in data.items() if k not in keep}
            if tracked and data["first_seen"]:
                doc["first_seen"] = data["first_seen"]
            doc["last_seen"] = seen
            reset = {"evidence": None, "rectified_evidence": None} if tracked else {"evidence": None}
            ops += [{"update": meta}, {"doc": reset, "upsert": upsert}]
            ops += [{"update": meta}, {"doc": doc}]
        return ops

    def update_findings(self, updates: dict[str, dict[str, Any]]) -> None:
        """Partial updates by finding id (lifecycle fields, status); no scripts, no upserts.

        Object fields given here replace the stored ones (a first pass nulls them, as in
        :meth:`upsert_findings`), so an old evidence never leaks keys into a new one.
        """
        index = self.index_name("findings")
        ops: list[dict] = []
        for doc_id, fields in updates.items():
            meta = {"_index": index, "_id": doc_id}
            objects = {k: None for k, v in fields.items() if isinstance(v, dict)}
            if objects:
                ops += [{"update": meta}, {"doc": objects}]
            ops += [{"update": meta}, {"doc": fields}]
        self._bulk(ops)

    def write_targets(self, summaries: list[TargetSummary]) -> None:
        self._bulk(self.target_ops(summaries))

    def target_ops(self, summaries: list[TargetSummary]) -> list[dict]:
        """Summaries by target id: the latest wins, and a replayed write never duplicates."""
        index = self.index_name("targets")
        ops: list[dict] = []
        for summary in summaries:
            ops += [{"index": {"_index": index, "_id": summary.target_id}}, summary.to_dict()]
        return ops

    def write_sweep(self, doc: dict) -> None:
        self._bulk(self.sweep_ops(doc))

    def sweep_ops(self, doc: dict) -> list[dict]:
        return [{"index": {"_index": self.index_name("sweeps"), "_id": doc["id"]}}, doc]

    def write_ops(self, ops: list[dict]) -> None:
        """Bulk action/body pairs (from the ``*_ops`` builders), raising on any failure."""
        self._bulk(ops)

    def _bulk(self, ops: list[dict]) -> None:
        """The raising write path (probes, alerts, lifecycle updates): the sweep's sinks use
        :meth:`send_records` instead and spool what did not land."""
        outcome = self.send_records(group_ops(ops))
        if outcome.error and outcome.failed:
            raise StoreUnavailable(f"bulk write to {self.url} failed: {outcome.error}")
        failures = [
            outcome.rejected.get(i) or outcome.failed[i] for i in sorted({*outcome.rejected, *outcome.failed})
        ]
        if failures:
            raise BulkWriteError(failures)

    def send_records(
        self,
        records: list[list[dict]],
        *,
        doc_attempts: int = MAX_ATTEMPTS,
        bulk_attempts: int = MAX_ATTEMPTS,
        backoff: float = 0.5,
    ) -> BulkOutcome:
        """Write records (each one document's action/body pairs) and say what became of each.

        Documents refused for a passing reason (throttled, a block, a conflict, a node busy) are
        re-sent alone with backoff, up to ``doc_attempts`` rounds; a whole-bulk failure (connection,
        timeout, 5xx, 429) is retried ``bulk_attempts`` times and then stops the write, so nothing
        after it overtakes what failed. Never raises for Elasticsearch errors: the caller decides.
        """
        outcome = BulkOutcome()
        pending = list(range(len(records)))
        for attempt in range(1, doc_attempts + 1):
            retry: dict[int, dict[str, Any]] = {}
            for chunk in _chunks(pending, records):
                ops = [op for i in chunk for op in records[i]]
                try:
                    resp = self._send_bulk(ops, bulk_attempts, backoff)
                except _WholeBulkFailed as exc:
                    outcome.error = exc.failure["reason"]
                    rest = pending[pending.index(chunk[0]) :]
                    outcome.failed.update({i: {**exc.failure, **_doc_key(records[i])} for i in rest})
                    outcome.failed.update(retry)
                    return outcome
                if resp.get("errors"):
                    self._sort_items(resp["items"], chunk, records, retry, outcome.rejected)
            if not retry:
                return outcome
            if attempt == doc_attempts:
                outcome.failed.update(retry)
                return outcome
            log.warning(
                "bulk write to %s: %d document(s) refused for now (%s); retry %d",
                self.url,
                len(retry),
                next(iter(retry.values()))["type"],
                attempt,
            )
            time.sleep(backoff * 2**attempt)
            pending = sorted(retry)
        return outcome

    @staticmethod
    def _sort_items(
        items: list[dict],
        chunk: list[int],
        records: list[list[dict]],
        retry: dict[int, dict[str, Any]],
        rejected: dict[int, dict[str, Any]],
    ) -> None:
        """Per record, the worst of its actions' results: refused for good, refused for now, or fine."""
        position = 0
        for i in chunk:
            n = len(records[i]) // 2
            for item in items[position : position + n]:
                ((action, result),) = item.items()
                status = int(result.get("status", 200))
                if status < 300:
                    continue
                error = result.get("error") or {}
                failure = {
                    "index": result.get("_index", ""),
                    "id": result.get("_id", ""),
                    "action": action,
                    "status": status,
                    "type": error.get("type", ""),
                    "reason": error.get("reason", str(error)),
                }
                if retriable(status, failure["type"]):
                    retry.setdefault(i, failure)
                else:
                    rejected[i] = failure
            if i in rejected:
                retry.pop(i, None)
            position += n

    def _send_bulk(self, ops: list[dict], attempts: int, backoff: float) -> dict:
        """One bulk request, retried while the whole request fails for a passing reason."""
        for attempt in range(1, attempts + 1):
            try:
                return dict(self.es.bulk(operations=ops))
            except (TransportError, ApiError) as exc:
                status = exc.status_code if isinstance(exc, ApiError) else 0
                kind = str(exc.error) if isinstance(exc, ApiError) else type(exc).__name__
                failure = {"status": status, "type": kind, "reason": str(exc), "action": ""}
                if (status and not retriable(status, kind)) or attempt == attempts:
                    raise _WholeBulkFailed(failure) from exc
                log.warning("bulk write to %s failed (%s); retry %d", self.url, exc, attempt)
                time.sleep(backoff * 2**attempt)
        raise AssertionError("unreachable")

    def mark_alerted(self, ids: Collection[str], at: datetime) -> None:
        """Record that the veto alert for these findings went out, so no later sweep repeats it.

        A partial update of ``alerted_at`` alone: :meth:`upsert_findings` never writes that field,
        so it survives every later sweep of the same finding.
        """
        if ids:
            self.update_findings({doc_id: {"alerted_at": at.isoformat()} for doc_id in sorted(set(ids))})
