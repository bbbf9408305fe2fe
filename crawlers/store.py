"""The Elasticsearch store: index templates from ``crawlers/mappings/*.json`` and every write path.

One class owns the index names and the bulk write path so that retries (and later a disk spool)
live in one place. Findings are upserted by their stable id without scripts, because the local
integ-test distribution has no painless.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, ConnectionTimeout, Elasticsearch, NotFoundError, TransportError
from elasticsearch import ConnectionError as ESConnectionError

from crawlers.config import ElasticsearchConfig
from crawlers.models import Finding, TargetSummary

log = logging.getLogger(__name__)

MAPPINGS_DIR = Path(__file__).with_name("mappings")
KINDS = ("targets", "observations", "findings", "sweeps")
RETRY_STATUSES = frozenset({429, 502, 503, 504})
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
            for kind in ("targets", "findings", "sweeps"):
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
        self._bulk(ops)

    def upsert_findings(self, findings: list[Finding]) -> None:
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
            keep = {"first_seen"} if tracked else {"first_seen", *LIFECYCLE_FIELDS}
            doc = {k: v for k, v in data.items() if k not in keep}
            if tracked and data["first_seen"]:
                doc["first_seen"] = data["first_seen"]
            doc["last_seen"] = seen
            reset = {"evidence": None, "rectified_evidence": None} if tracked else {"evidence": None}
            meta = {"_index": index, "_id": finding.id}
            ops += [{"update": meta}, {"doc": reset, "upsert": upsert}]
            ops += [{"update": meta}, {"doc": doc}]
        self._bulk(ops)

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
        index = self.index_name("targets")
        ops: list[dict] = []
        for summary in summaries:
            ops += [{"index": {"_index": index, "_id": summary.target_id}}, summary.to_dict()]
        self._bulk(ops)

    def write_sweep(self, doc: dict) -> None:
        self._bulk([{"index": {"_index": self.index_name("sweeps"), "_id": doc["id"]}}, doc])

    def _bulk(self, ops: list[dict]) -> None:
        """The one write path: chunks, retries transient failures, raises per-document failures."""
        failures: list[dict[str, Any]] = []
        for start in range(0, len(ops), CHUNK_ACTIONS * 2):
            failures += self._bulk_chunk(ops[start : start + CHUNK_ACTIONS * 2])
        if failures:
            first_per_doc = {(f["index"], f["id"]): f for f in reversed(failures)}
            raise BulkWriteError(list(reversed(first_per_doc.values())))

    def _bulk_chunk(self, ops: list[dict]) -> list[dict[str, Any]]:
        pending = ops
        failures: list[dict[str, Any]] = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                resp = self.es.bulk(operations=pending)
            except (ESConnectionError, ConnectionTimeout, ApiError) as exc:
                transient = not isinstance(exc, ApiError) or exc.status_code in RETRY_STATUSES
                if not transient or attempt == MAX_ATTEMPTS:
                    raise StoreUnavailable(f"bulk write to {self.url} failed: {exc}") from exc
                log.warning("bulk write to %s failed (%s); retry %d", self.url, exc, attempt)
                time.sleep(0.5 * 2**attempt)
                continue
            if not resp.get("errors"):
                return failures
            retry: list[dict] = []
            for i, item in enumerate(resp["items"]):
                ((action, result),) = item.items()
                if result.get("status", 200) < 300:
                    continue
                if result["status"] in RETRY_STATUSES and attempt < MAX_ATTEMPTS:
                    retry += pending[2 * i : 2 * i + 2]
                    continue
                error = result.get("error") or {}
                failures.append(
                    {
                        "index": result.get("_index", ""),
                        "id": result.get("_id", ""),
                        "action": action,
                        "status": result["status"],
                        "type": error.get("type", ""),
                        "reason": error.get("reason", str(error)),
                    }
                )
            if not retry:
                return failures
            log.warning(
                "bulk write to %s: %d document(s) throttled; retry %d", self.url, len(retry) // 2, attempt
            )
            time.sleep(0.5 * 2**attempt)
            pending = retry
        return failures

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

    # --- alerts (crawlers.alerts) ------------------------------------------------------------

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
