"""The Elasticsearch store: index templates from ``pipelines/mappings/*.json`` and every write path.

One class owns the index names and the bulk write path, which reports what became of each document
(written, refused for now, refused for good) so the sweep's sink can spool the rest to disk
(``pipelines.spool``). Findings are upserted by their stable id without scripts, because the local
integ-test distribution has no painless.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError

from crawlers.config import ElasticsearchConfig
from crawlers.models import Finding, TargetSummary

log = logging.getLogger(__name__)

MAPPINGS_DIR = Path(__file__).with_name("mappings")
KINDS = ("targets", "observations", "findings", "sweeps", "alerts")
# refused for now, worth sending again: throttled, node busy or starting, a write block, an upsert race
RETRY_STATUSES = frozenset({408, 409, 429})
RETRY_BLOCK = "cluster_block_exception"
MAX_ATTEMPTS = 5
CHUNK_ACTIONS = 1000
PAGE_SIZE = 5000  # findings per search page
ID_CHUNK = 10000  # target ids per terms filter
# kept with a finding across sweeps (pipelines.lifecycle); a write without them keeps the stored ones
LIFECYCLE_FIELDS = ("recheck_count", "last_recheck_at", "rectified_at", "rectified_evidence", "history")


class StoreUnavailable(RuntimeError):
    """Elasticsearch cannot be reached or answered with an error (message names the URL)."""


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


def safe_url(url: str) -> str:
    """The URL without user:password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def load_template(kind: str, prefix: str) -> dict[str, Any]:
    """A mapping file as an index template body, with ``{prefix}`` filled in."""
    text = (MAPPINGS_DIR / f"{kind}.json").read_text(encoding="utf-8")
    return json.loads(text.replace("{prefix}", prefix))


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


class Store:
    """Indices ``<prefix>-targets``, ``-findings``, ``-sweeps`` and monthly ``-observations-YYYY.MM``."""

    def __init__(self, cfg: ElasticsearchConfig) -> None:
        self.cfg = cfg
        self.prefix = cfg.index_prefix
        self.url = safe_url(cfg.url)
        kwargs: dict[str, Any] = {"request_timeout": 30, "max_retries": 0}
        if cfg.api_key:
            kwargs["api_key"] = cfg.api_key
        elif cfg.username:
            kwargs["basic_auth"] = (cfg.username, cfg.password)
        if cfg.url.startswith("https"):
            kwargs["verify_certs"] = cfg.verify_certs
            if cfg.ca_certs:
                kwargs["ca_certs"] = cfg.ca_certs
        self.es = Elasticsearch(cfg.url, **kwargs)

    def __repr__(self) -> str:
        return f"Store(url={self.url!r}, prefix={self.prefix!r})"

    # --- admin -------------------------------------------------------------------------------

    def health(self) -> dict:
        try:
            return dict(self.es.cluster.health())
        except (TransportError, ApiError) as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.url} unavailable: {exc}") from exc

    def index_name(self, kind: str, when: datetime | None = None) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown index kind {kind!r} (known: {', '.join(KINDS)})")
        if kind == "observations":
            month = (when or datetime.now(UTC)).astimezone(UTC)
            return f"{self.prefix}-observations-{month:%Y.%m}"
        return f"{self.prefix}-{kind}"

    def _pattern(self, kind: str) -> str:
        return f"{self.prefix}-observations-*" if kind == "observations" else self.index_name(kind)

    def ensure_indices(self) -> None:
        """Put the four templates (from the mapping files) and create the fixed-name indices."""
        try:
            for kind in KINDS:
                body = load_template(kind, self.prefix)
                self.es.indices.put_index_template(name=f"{self.prefix}-{kind}", **body)
            for kind in ("targets", "findings", "sweeps", "alerts"):
                try:
                    self.es.indices.create(index=self.index_name(kind))
                except ApiError as exc:
                    if exc.error != "resource_already_exists_exception":
                        raise
        except (TransportError, ApiError) as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.url}: cannot create indices: {exc}") from exc

    def refresh(self) -> None:
        self.es.indices.refresh(index=",".join(self._pattern(k) for k in KINDS), allow_no_indices=True)

    def count(self, kind: str) -> int:
        resp = self.es.count(index=self._pattern(kind), allow_no_indices=True, ignore_unavailable=True)
        return int(resp["count"])

    def delete_indices(self) -> None:
        """Delete every index and template of this prefix (never another prefix's)."""
        names = ",".join(self._pattern(k) for k in KINDS)
        self.es.indices.delete(index=names, allow_no_indices=True, ignore_unavailable=True)
        for kind in KINDS:
            with contextlib.suppress(NotFoundError):
                self.es.indices.delete_index_template(name=f"{self.prefix}-{kind}")

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

    # --- reads -------------------------------------------------------------------------------

    def open_findings(
        self,
        target_ids: Collection[str] | None = None,
        indicator: str | None = None,
        statuses: Collection[str] = ("open", "unverified"),
    ) -> list[dict]:
        """Findings on record with one of ``statuses`` (default: not yet rectified), any number.

        Pages with ``search_after`` on the id; ``target_ids`` are sent in chunks (a province's registry
        is thousands of ids).
        """
        filters: list[dict] = [{"terms": {"status": list(statuses)}}]
        if indicator is not None:
            filters.append({"term": {"indicator": indicator}})
        ids = sorted(set(target_ids)) if target_ids is not None else None
        chunks = [ids[i : i + ID_CHUNK] for i in range(0, len(ids), ID_CHUNK)] if ids is not None else [None]
        found: list[dict] = []
        for chunk in chunks:
            query = filters + ([{"terms": {"target_id": chunk}}] if chunk is not None else [])
            found += self._scan_findings({"bool": {"filter": query}})
        return found

    def _scan_findings(self, query: dict) -> list[dict]:
        found: list[dict] = []
        after: list[Any] | None = None
        while True:
            kwargs: dict[str, Any] = {"search_after": after} if after else {}
            try:
                resp = self.es.search(
                    index=self.index_name("findings"),
                    query=query,
                    size=PAGE_SIZE,
                    sort=[{"id": "asc"}],
                    ignore_unavailable=True,
                    **kwargs,
                )
            except (TransportError, ApiError) as exc:
                raise StoreUnavailable(f"Elasticsearch at {self.url}: cannot read findings: {exc}") from exc
            hits = resp["hits"]["hits"]
            found += [hit["_source"] for hit in hits]
            if len(hits) < PAGE_SIZE:
                return found
            after = hits[-1]["sort"]

    def get_findings(self, ids: Collection[str]) -> dict[str, dict]:
        """Stored findings by id (ids not on record are left out)."""
        if not ids:
            return {}
        try:
            resp = self.es.mget(index=self.index_name("findings"), ids=sorted(set(ids)))
        except (TransportError, ApiError) as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.url}: cannot read findings: {exc}") from exc
        return {doc["_id"]: doc["_source"] for doc in resp["docs"] if doc.get("found")}

    def search_findings(
        self,
        *,
        sweep_id: str | None = None,
        target_id: str | None = None,
        indicator: str | None = None,
        status: str | None = None,
        size: int = 10000,
    ) -> list[dict]:
        filters = [
            {"term": {field: value}}
            for field, value in (
                ("sweep_id", sweep_id),
                ("target_id", target_id),
                ("indicator", indicator),
                ("status", status),
            )
            if value is not None
        ]
        resp = self.es.search(
            index=self.index_name("findings"),
            query={"bool": {"filter": filters}},
            size=size,
            sort=[{"target_id": "asc"}, {"indicator": "asc"}, {"id": "asc"}],
        )
        return [hit["_source"] for hit in resp["hits"]["hits"]]

    def failing_account_ids(self) -> set[str]:
        """Accounts with an open ACCOUNT-* violation: the quarterly sample always re-checks them.

        A composite aggregation pages through distinct target ids, so a registry of any size is
        covered without a search-size cap.
        """
        query = {
            "bool": {
                "filter": [
                    {"prefix": {"indicator": "ACCOUNT-"}},
                    {"term": {"status": "open"}},
                    {"term": {"level": "violation"}},
                ]
            }
        }
        ids: set[str] = set()
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": 1000, "sources": [{"id": {"terms": {"field": "target_id"}}}]}
            if after:
                composite["after"] = after
            try:
                resp = self.es.search(
                    index=self.index_name("findings"),
                    query=query,
                    size=0,
                    aggs={"ids": {"composite": composite}},
                    ignore_unavailable=True,
                )
            except (TransportError, ApiError) as exc:
                raise StoreUnavailable(f"Elasticsearch at {self.url}: cannot read findings: {exc}") from exc
            agg = resp.get("aggregations", {}).get("ids", {})
            ids.update(bucket["key"]["id"] for bucket in agg.get("buckets", []))
            after = agg.get("after_key")
            if not after or not agg.get("buckets"):
                return ids

    # --- alerts (govpatrol.alerts) ------------------------------------------------------------

    def mark_alerted(self, ids: Collection[str], at: datetime) -> None:
        """Record that the veto alert for these findings went out, so no later sweep repeats it.

        A partial update of ``alerted_at`` alone: :meth:`upsert_findings` never writes that field,
        so it survives every later sweep of the same finding.
        """
        if ids:
            self.update_findings({doc_id: {"alerted_at": at.isoformat()} for doc_id in sorted(set(ids))})

    def alerted_ids(self, ids: Collection[str]) -> set[str]:
        """Those of ``ids`` whose alert has already been sent (``alerted_at`` set)."""
        return {doc_id for doc_id, doc in self.get_findings(ids).items() if doc.get("alerted_at")}
