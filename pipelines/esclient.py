"""The Elasticsearch client and its indices: names, templates from ``pipelines/mappings/*.json``.

:class:`StoreBase` is the part of :class:`pipelines.store.Store` every other part stands on: the
client built from ``[elasticsearch]`` (API key or basic auth, certificates), the index names
(``<prefix>-targets``, ``-findings``, ``-sweeps``, monthly ``-observations-YYYY.MM``) and the
administration of those indices. Writes are in :mod:`pipelines.bulk`, reads in
:mod:`pipelines.queries`.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError

from crawlers.config import ElasticsearchConfig

MAPPINGS_DIR = Path(__file__).with_name("mappings")
KINDS = (
    "targets",
    "observations",
    "findings",
    "sweeps",
    "events",
    "alerts",
    "users",
    "roster",
    "baselines",
    "reviews",
)
# fixed-name indices, created by ensure_indices (the last one stands for all: see pipelines/session.py)
FIXED = tuple(k for k in KINDS if k != "observations")


class StoreUnavailable(RuntimeError):
    """Elasticsearch cannot be reached or answered with an error (message names the URL)."""


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


class StoreBase:
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

    def has_index(self, kind: str) -> bool:
        """Whether the fixed-name index of ``kind`` exists (``StoreUnavailable`` when ES does not answer)."""
        try:
            return bool(self.es.indices.exists(index=self.index_name(kind)))
        except (TransportError, ApiError) as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.url} unavailable: {exc}") from exc

    def ensure_indices(self) -> None:
        """Put the templates (from the mapping files) and create the fixed-name indices."""
        try:
            for kind in KINDS:
                body = load_template(kind, self.prefix)
                self.es.indices.put_index_template(name=f"{self.prefix}-{kind}", **body)
            for kind in FIXED:
                try:
                    self.es.indices.create(index=self.index_name(kind))
                except ApiError as exc:
                    if exc.error != "resource_already_exists_exception":
                        raise
        except (TransportError, ApiError) as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.url}: cannot create indices: {exc}") from exc

    def refresh(self, *kinds: str) -> None:
        """Make the last writes searchable: of ``kinds``, or of every index of this prefix."""
        names = ",".join(self._pattern(k) for k in kinds or KINDS)
        try:
            self.es.indices.refresh(index=names, allow_no_indices=True, ignore_unavailable=True)
        except (TransportError, ApiError) as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.url}: cannot refresh {names}: {exc}") from exc

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
