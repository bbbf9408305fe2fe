"""Where a sweep's records go: JSON Lines (the CLI contract), Elasticsearch, or both.

Every sink has the same five methods so the sweep runner never needs to know which ones are
configured; ``MultiSink`` fans out to several. The Elasticsearch sink, with its spool, is
:mod:`pipelines.essink` (it loads the Elasticsearch client, which a JSON Lines run never needs).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

from crawlers.events import RepostObservation
from crawlers.models import (
    AccountObservation,
    Finding,
    LinkCheck,
    PageObservation,
    TargetSummary,
    TextObservation,
)
from crawlers.watchmodels import WatchObservation

NEWEST_FIELDS = ("date", "title", "url", "source", "raw")


def observation_doc(
    obs: PageObservation
    | LinkCheck
    | AccountObservation
    | TextObservation
    | WatchObservation
    | RepostObservation,
    sweep_id: str,
) -> dict[str, Any]:
    """An observation as its Elasticsearch document: typed, newest item flattened, timestamped."""
    doc = obs.to_dict()
    if isinstance(obs, RepostObservation):  # the repost watch: posts since an event
        doc["doc_type"] = "repost"
        doc["@timestamp"] = doc["fetched_at"]
    elif isinstance(obs, TextObservation):  # content watch: personal numbers already masked
        doc["doc_type"] = "text"
        doc["@timestamp"] = doc["fetched_at"]
    elif isinstance(obs, WatchObservation):  # the security watch: one fetch of a watched page
        doc["doc_type"] = "watch"
        doc["@timestamp"] = doc["fetched_at"]
        doc["url"] = f"{obs.url}#{obs.variant}"  # one document per variant (the store's id uses the URL)
        doc["page_url"] = obs.url
    elif isinstance(obs, AccountObservation):
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

    wants_observations = False  # observations are not part of a sweep's contract

    def __init__(self, path: str | Path, *, observations: bool = False) -> None:
        self.path = str(path)
        self.wants_observations = observations  # a probe round's JSON Lines are its observations
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
        """Observations are not part of a sweep's JSON Lines; a probe round writes its probes."""
        if self.wants_observations:
            self._write("observation", doc)

    def flush(self) -> None:
        self._fh.flush()

    def close(self) -> None:
        if self._fh is sys.stdout:
            self._fh.flush()
        elif not self._fh.closed:
            self._fh.close()


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
