"""Where a sweep's records go: JSON Lines (the CLI contract), Elasticsearch, or both.

Every sink has the same five methods so the sweep runner never needs to know which ones are
configured; ``MultiSink`` fans out to several.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

from crawlers.models import AccountObservation, Finding, LinkCheck, PageObservation, TargetSummary
from crawlers.store import Store

NEWEST_FIELDS = ("date", "title", "url", "source", "raw")


def observation_doc(obs: PageObservation | LinkCheck | AccountObservation, sweep_id: str) -> dict[str, Any]:
    """An observation as its Elasticsearch document: typed, newest item flattened, timestamped."""
    doc = obs.to_dict()
    if isinstance(obs, AccountObservation):
        doc["doc_type"] = "account"
        doc["@timestamp"] = doc["fetched_at"]
    elif isinstance(obs, PageObservation):
        newest = doc.pop("newest") or {}
        for name in NEWEST_FIELDS:
            doc[f"newest_{name}"] = newest.get(name)
        doc["doc_type"] = "page"
        doc["@timestamp"] = doc["fetched_at"]
    else:
        doc["doc_type"] = "link"
        doc["@timestamp"] = doc["checked_at"]
    doc["sweep_id"] = sweep_id
    return doc


class JsonLinesSink:
    """One JSON object per line with ``"type"``: finding | target | sweep (DESIGN.md contract)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._fh: IO[str] = sys.stdout
        if self.path != "-":
            self._fh = Path(path).open("w", encoding="utf-8")  # noqa: SIM115 (open for the sweep)

    def _write(self, kind: str, data: dict[str, Any]) -> None:
        self._fh.write(json.dumps({"type": kind, **data}, ensure_ascii=False) + "\n")

    def write_finding(self, f: Finding) -> None:
        self._write("finding", f.to_dict())

    def write_target(self, s: TargetSummary) -> None:
        self._write("target", s.to_dict())

    def write_sweep(self, doc: dict) -> None:
        self._write("sweep", doc)

    def write_observation(self, doc: dict) -> None:
        """Observations are not part of the JSON Lines contract."""

    def flush(self) -> None:
        self._fh.flush()

    def close(self) -> None:
        if self._fh is sys.stdout:
            self._fh.flush()
        elif not self._fh.closed:
            self._fh.close()


class ElasticsearchSink:
    """Buffers records and writes them through ``Store`` in bulk (every ``batch_size`` or on flush)."""

    def __init__(self, store: Store, batch_size: int = 500) -> None:
        self.store = store
        self.batch_size = batch_size
        self._findings: list[Finding] = []
        self._targets: list[TargetSummary] = []
        self._observations: list[dict] = []

    def _maybe_flush(self) -> None:
        if len(self._findings) + len(self._targets) + len(self._observations) >= self.batch_size:
            self.flush()

    def write_finding(self, f: Finding) -> None:
        self._findings.append(f)
        self._maybe_flush()

    def write_target(self, s: TargetSummary) -> None:
        self._targets.append(s)
        self._maybe_flush()

    def write_observation(self, doc: dict) -> None:
        self._observations.append(doc)
        self._maybe_flush()

    def write_sweep(self, doc: dict) -> None:
        """Sweep documents are few and mark progress: written at once, after what is buffered."""
        self.flush()
        self.store.write_sweep(doc)

    def flush(self) -> None:
        findings, targets, observations = self._findings, self._targets, self._observations
        self._findings, self._targets, self._observations = [], [], []
        if observations:
            self.store.write_observations(observations)
        if findings:
            self.store.upsert_findings(findings)
        if targets:
            self.store.write_targets(targets)

    def close(self) -> None:
        self.flush()


class MultiSink:
    """Fan-out: every record to every sink, in order; close closes them all."""

    def __init__(self, *sinks: Any) -> None:
        self.sinks = list(sinks)

    def write_finding(self, f: Finding) -> None:
        for sink in self.sinks:
            sink.write_finding(f)

    def write_target(self, s: TargetSummary) -> None:
        for sink in self.sinks:
            sink.write_target(s)

    def write_sweep(self, doc: dict) -> None:
        for sink in self.sinks:
            sink.write_sweep(doc)

    def write_observation(self, doc: dict) -> None:
        for sink in self.sinks:
            sink.write_observation(doc)

    def flush(self) -> None:
        for sink in self.sinks:
            sink.flush()

    def close(self) -> None:
        errors: list[Exception] = []
        for sink in self.sinks:
            try:
                sink.close()
            except Exception as exc:  # close the others, then report the first failure
                errors.append(exc)
        if errors:
            raise errors[0]
