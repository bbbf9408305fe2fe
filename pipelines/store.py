"""The Elasticsearch store: one object for the index names, the writes and the reads.

:class:`Store` is assembled from its parts, each a module with one job: the client and the indices
(:mod:`pipelines.esclient`), bulk writes with retries (:mod:`pipelines.bulk`) and queries
(:mod:`pipelines.queries`). Callers import everything from here.
"""

from __future__ import annotations

from pipelines.bulk import (
    LIFECYCLE_FIELDS,
    BulkOutcome,
    BulkWriteError,
    BulkWrites,
    group_ops,
    record_key,
    retriable,
)
from pipelines.esclient import KINDS, MAPPINGS_DIR, StoreUnavailable, load_template, safe_url
from pipelines.queries import ID_CHUNK, PAGE_SIZE, StoreQueries

__all__ = [
    "ID_CHUNK",
    "KINDS",
    "LIFECYCLE_FIELDS",
    "MAPPINGS_DIR",
    "PAGE_SIZE",
    "BulkOutcome",
    "BulkWriteError",
    "Store",
    "StoreUnavailable",
    "group_ops",
    "load_template",
    "record_key",
    "retriable",
    "safe_url",
]


class Store(BulkWrites, StoreQueries):
    """Indices ``<prefix>-targets``, ``-findings``, ``-sweeps``, ``-alerts`` and monthly
    ``-observations-YYYY.MM``."""
