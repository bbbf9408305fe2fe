"""Reads from Elasticsearch: every query pages through :meth:`StoreQueries.search_all`.

One ``search_after`` loop serves the lifecycle (findings on record), ``govpatrol findings``, the
ledger, the report and the stored observations a replay or the dead-link history reads: a sort
that ends on a unique field (or fields unique together), pages of ``PAGE_SIZE``, an optional
``limit``, and a :class:`~pipelines.esclient.StoreUnavailable` naming the URL and the index kind.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from elasticsearch import ApiError, TransportError

from pipelines.esclient import StoreBase, StoreUnavailable

PAGE_SIZE = 5000  # documents per search page
ID_CHUNK = 10000  # target ids per terms filter
URLS_PER_QUERY = 1000  # a terms query of URLs stays well under the cluster's clause limits
# an observation's document id is derived from these fields (pipelines/bulk.py): unique together
OBSERVATION_ORDER: list[dict[str, Any]] = [
    {"sweep_id": "asc"},
    {"doc_type": "asc"},
    {"target_id": "asc"},
    {"url": "asc"},
    {"@timestamp": "asc"},
]


class StoreQueries(StoreBase):
    """The read half of :class:`pipelines.store.Store`."""

    def search_all(
        self, kind: str, query: dict[str, Any], sort: list[dict[str, Any]], *, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Every ``kind`` document matching ``query`` in ``sort`` order (up to ``limit``), paged with
        ``search_after``, so a province's thousands of targets never meet the result window."""
        found: list[dict[str, Any]] = []
        after: list[Any] | None = None
        while limit is None or len(found) < limit:
            size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - len(found))
            extra: dict[str, Any] = {"search_after": after} if after else {}
            try:
                resp = self.es.search(
                    index=self.index_name(kind) if kind != "observations" else self._pattern(kind),
                    query=query,
                    size=size,
                    sort=sort,
                    ignore_unavailable=True,
                    **extra,
                )
            except (TransportError, ApiError) as exc:
                raise StoreUnavailable(f"Elasticsearch at {self.url}: cannot read {kind}: {exc}") from exc
            hits = resp["hits"]["hits"]
            found += [hit["_source"] for hit in hits]
            if len(hits) < size:
                break
            after = hits[-1]["sort"]
        return found

    def observations_of_sweep(
        self, sweep_id: str, doc_types: Collection[str] = ("page", "link")
    ) -> list[dict[str, Any]]:
        """Every stored observation of one sweep (pages and link checks unless ``doc_types`` says)."""
        query = {
            "bool": {"filter": [{"term": {"sweep_id": sweep_id}}, {"terms": {"doc_type": list(doc_types)}}]}
        }
        return self.search_all("observations", query, OBSERVATION_ORDER)

    def link_checks(
        self, target_id: str, urls: Sequence[str], since: datetime, exclude_sweep: str
    ) -> list[dict[str, Any]]:
        """The stored checks of ``urls`` of one target made since ``since`` by sweeps other than
        ``exclude_sweep`` (the dead-link rules' earlier tries)."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(urls), URLS_PER_QUERY):
            query = {
                "bool": {
                    "filter": [
                        {"term": {"doc_type": "link"}},
                        {"term": {"target_id": target_id}},
                        {"terms": {"url": list(urls[start : start + URLS_PER_QUERY])}},
                        {"range": {"checked_at": {"gte": since.isoformat()}}},
                    ],
                    "must_not": [{"term": {"sweep_id": exclude_sweep}}],
                }
            }
            found += self.search_all("observations", query, OBSERVATION_ORDER)
        return found

    def open_events(self) -> int:
        """How many 重大事件 are open (0 before any event index exists): asked before a repost watch
        is started, so a watch with nothing to watch costs one count, not a process."""
        try:
            resp = self.es.count(
                index=self.index_name("events"),
                query={"term": {"status": "open"}},
                allow_no_indices=True,
                ignore_unavailable=True,
            )
        except (TransportError, ApiError) as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.url} unavailable (events): {exc}") from exc
        return int(resp["count"])

    def texts_seen(
        self, target_id: str, urls: Collection[str], digests: Collection[str] = ()
    ) -> tuple[set[str], set[str]]:
        """Of ``urls`` and text ``digests``, those stored content-watch texts of ``target_id`` have
        (any sweep): the patrol's memory of what it already read."""
        urls, digests = sorted(set(urls)), sorted(set(digests))
        seen_urls: set[str] = set()
        seen_digests: set[str] = set()
        for start in range(0, max(len(urls), 1), URLS_PER_QUERY):
            chunk = urls[start : start + URLS_PER_QUERY]
            asked = [{"terms": {"url": chunk}}] if chunk else []
            if start == 0 and digests:
                asked.append({"terms": {"digest": digests}})
            if not asked:
                break
            query = {
                "bool": {
                    "filter": [{"term": {"doc_type": "text"}}, {"term": {"target_id": target_id}}],
                    "should": asked,
                    "minimum_should_match": 1,
                }
            }
            aggs = {
                "urls": {"terms": {"field": "url", "size": len(chunk) or 1, "include": chunk or [""]}},
                "digests": {
                    "terms": {"field": "digest", "size": len(digests) or 1, "include": digests or [""]}
                },
            }
            try:
                resp = self.es.search(
                    index=self._pattern("observations"),
                    query=query,
                    aggs=aggs,
                    size=0,
                    ignore_unavailable=True,
                )
            except (TransportError, ApiError) as exc:
                raise StoreUnavailable(
                    f"Elasticsearch at {self.url}: cannot read observations: {exc}"
                ) from exc
            found = resp["aggregations"]
            seen_urls.update(b["key"] for b in found["urls"]["buckets"])
            seen_digests.update(b["key"] for b in found["digests"]["buckets"])
        return seen_urls, seen_digests

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
            found += self.search_all("findings", {"bool": {"filter": query}}, [{"id": "asc"}])
        return found

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
        """Accounts with an open ACCOUNT-* violation: the quarterly sample always re-checks them."""
        query = {
            "bool": {
                "filter": [
                    {"prefix": {"indicator": "ACCOUNT-"}},
                    {"term": {"status": "open"}},
                    {"term": {"level": "violation"}},
                ]
            }
        }
        return self.distinct_target_ids("findings", query)

    def accounts_checked_between(self, start: datetime, end: datetime) -> set[str]:
        """Accounts a sweep with as-of in [start, end] looked at (their page showed, not unverified).

        The sweeps' as-of times, not the fetch clocks, so a replay with ``--as-of`` reads the same.
        """
        window = {"range": {"as_of": {"gte": start.isoformat(), "lte": end.isoformat()}}}
        sweeps = [s["id"] for s in self.search_all("sweeps", window, [{"id": "asc"}]) if s.get("id")]
        if not sweeps:
            return set()
        query = {
            "bool": {
                "filter": [{"term": {"doc_type": "account"}}, {"terms": {"sweep_id": sweeps}}],
                "must_not": [{"terms": {"state": ["unverified", "private"]}}],
            }
        }
        return self.distinct_target_ids("observations", query)

    def distinct_target_ids(self, kind: str, query: dict[str, Any]) -> set[str]:
        """Every distinct ``target_id`` of ``kind`` documents matching ``query``: a composite
        aggregation pages through them, so a registry of any size is covered without a size cap."""
        ids: set[str] = set()
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": 1000, "sources": [{"id": {"terms": {"field": "target_id"}}}]}
            if after:
                composite["after"] = after
            try:
                resp = self.es.search(
                    index=self._pattern(kind),
                    query=query,
                    size=0,
                    aggs={"ids": {"composite": composite}},
                    ignore_unavailable=True,
                )
            except (TransportError, ApiError) as exc:
                raise StoreUnavailable(f"Elasticsearch at {self.url}: cannot read {kind}: {exc}") from exc
            agg = resp.get("aggregations", {}).get("ids", {})
            ids.update(bucket["key"]["id"] for bucket in agg.get("buckets", []))
            after = agg.get("after_key")
            if not after or not agg.get("buckets"):
                return ids

    def alerted_ids(self, ids: Collection[str]) -> set[str]:
        """Those of ``ids`` whose alert has already been sent (``alerted_at`` set)."""
        return {doc_id for doc_id, doc in self.get_findings(ids).items() if doc.get("alerted_at")}
