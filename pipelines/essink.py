"""The Elasticsearch sink: bulk writes through :class:`~pipelines.store.Store`, and the spool.

Nothing is lost when Elasticsearch is down or refuses a bulk: what was not written waits on disk
(:mod:`pipelines.spool`) and is delivered later, oldest first. A module apart from the JSON Lines
sink (:mod:`pipelines.sinks`) because the Elasticsearch client costs ~0.7 s to import: only runs
that write to Elasticsearch pay.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawlers.config import ElasticsearchConfig
from crawlers.models import Finding, TargetSummary
from pipelines.esclient import FIXED
from pipelines.spool import Spool, SpoolNotDrained, replay_all, spool_root
from pipelines.store import BulkOutcome, Store, StoreUnavailable, group_ops, record_key


class ElasticsearchSink:
    """Buffers records and writes them through ``Store`` in bulk (every ``batch_size`` or on flush).

    With a spool root, nothing is lost when Elasticsearch is down or refuses a bulk: what was not
    written waits in ``<spool_root>/<sweep id>`` (``pipelines.spool``) and new records queue behind
    it, never overtaking; the spool is retried every ``retry_interval`` seconds while the crawl goes
    on, and :meth:`drain` waits up to ``outage_wait`` seconds for it to empty before the sweep record.
    Without one, a failed write raises (``StoreUnavailable``/``BulkWriteError``).
    """

    def __init__(
        self,
        store: Store,
        batch_size: int = 500,
        spool_root: str | Path | None = None,
        *,
        outage_wait: float = 900.0,
        retry_interval: float = 5.0,
        doc_attempts: int = 3,
        wait_at_end: bool = True,
    ) -> None:
        self.store = store
        # False: Elasticsearch was away when the run started; its records stay in the spool for
        # `govpatrol spool replay` (or the next run) instead of holding the run for outage_wait
        self.wait_at_end = wait_at_end
        self.batch_size = batch_size
        self.spool_root = Path(spool_root) if spool_root is not None else None
        self.outage_wait = outage_wait
        self.retry_interval = retry_interval
        self.doc_attempts = doc_attempts
        self.spool: Spool | None = None
        self.spooled = 0  # records that went through the spool
        self.rejected = 0  # records refused for good (dead letters)
        self.replayed = 0  # records of earlier runs this sink delivered from the spool first
        self._findings: list[Finding] = []
        self._targets: list[TargetSummary] = []
        self._observations: list[dict] = []
        self._name = ""
        self._last_try = 0.0

    def _maybe_flush(self) -> None:
        if len(self._findings) + len(self._targets) + len(self._observations) >= self.batch_size:
            self.flush()

    def write_finding(self, f: Finding) -> None:
        self._name = self._name or f.sweep_id
        self._findings.append(f)
        self._maybe_flush()

    def write_target(self, s: TargetSummary) -> None:
        self._name = self._name or s.sweep_id
        self._targets.append(s)
        self._maybe_flush()

    def write_observation(self, doc: dict) -> None:
        self._name = self._name or str(doc.get("sweep_id") or "")
        self._observations.append(doc)
        self._maybe_flush()

    def write_sweep(self, doc: dict) -> None:
        """Sweep documents mark a sweep done: written behind everything else, and waited for."""
        self._name = self._name or str(doc.get("id") or "")
        self.flush()
        if self.spool_root is None:
            self.store.write_sweep(doc)
            return
        self._deliver(group_ops(self.store.sweep_ops(doc)))
        if self.wait_at_end:
            self.drain()
        else:
            self._retry(force=True)

    def flush(self) -> None:
        findings, targets, observations = self._findings, self._targets, self._observations
        self._findings, self._targets, self._observations = [], [], []
        ops: list[dict] = []
        if observations:
            ops += self.store.observation_ops(observations)
        if findings:
            ops += self.store.finding_ops(findings)
        if targets:
            ops += self.store.target_ops(targets)
        if not ops:
            return
        if self.spool_root is None:
            self.store.write_ops(ops)
        else:
            self._deliver(group_ops(ops))

    # --- the spooled path -------------------------------------------------------------------

    def _open_spool(self) -> Spool:
        if self.spool is None:
            assert self.spool_root is not None
            name = self._name or f"unnamed-{os.getpid()}-{int(time.time())}"
            self.spool = Spool(self.spool_root / name, es=self.store.url, prefix=self.store.prefix)
        return self.spool

    def _send(self, records: list[list[dict]]) -> BulkOutcome:
        return self.store.send_records(records, doc_attempts=self.doc_attempts, bulk_attempts=1)

    def _deliver(self, records: list[list[dict]]) -> None:
        """Straight to Elasticsearch while nothing waits; otherwise behind what is spooled."""
        if self.spool is not None and self.spool.pending:
            self._spill(records)
            self._retry()
            return
        outcome = self._send(records)
        for i, failure in sorted(outcome.rejected.items()):
            self._open_spool().dead_letter(records[i], failure)
            self.rejected += 1
        if outcome.failed:
            # a later record of the same document follows the failed one into the spool
            failed_keys = {record_key(records[i]) for i in outcome.failed}
            first = min(outcome.failed)
            spill = [
                r
                for i, r in enumerate(records)
                if i in outcome.failed or (i > first and record_key(r) in failed_keys)
            ]
            self._spill(spill)
            self._last_try = time.monotonic()
            self._say_waiting(outcome.error or next(iter(outcome.failed.values()))["reason"])

    def _spill(self, records: list[list[dict]]) -> None:
        self._open_spool().append(records)
        self.spooled += len(records)

    def _retry(self, force: bool = False) -> None:
        """Replay the spool, at most every ``retry_interval`` seconds unless forced."""
        spool = self.spool
        if spool is None or not spool.pending:
            return
        if not force and time.monotonic() - self._last_try < self.retry_interval:
            return
        self._last_try = time.monotonic()
        try:  # a node that came back empty (a restarted throw-away one) gets its templates first,
            # or the spooled records would make indices with guessed mappings
            if not self.store.has_index(FIXED[-1]):
                self.store.ensure_indices()
        except StoreUnavailable as exc:
            self._say_waiting(str(exc))
            return
        result = spool.replay(self._send)
        self.rejected += result.rejected
        if spool.pending:
            self._say_waiting(result.error)
        elif result.delivered:
            say(f"elasticsearch is back: {result.delivered:,} spooled records delivered from {spool.dir}")

    def _say_waiting(self, why: str) -> None:
        spool = self._open_spool()
        say(
            f"elasticsearch unreachable: {spool.pending:,} records spooled in {spool.dir}; "
            f"retrying every {self.retry_interval:g} s ({why.splitlines()[0][:200] if why else 'no reason given'})"
        )

    def drain(self, wait: float | None = None) -> None:
        """Flush, then retry the spool until it is empty or ``wait`` (default ``outage_wait``) runs
        out: a sweep is not done while its records wait on disk."""
        self.flush()
        spool = self.spool
        if spool is None or not spool.pending:
            return
        deadline = time.monotonic() + (self.outage_wait if wait is None else wait)
        while True:
            self._retry(force=True)
            if not spool.pending:
                return
            if time.monotonic() >= deadline:
                raise SpoolNotDrained(
                    f"Elasticsearch at {self.store.url} did not take {spool.pending:,} records within "
                    f"{self.outage_wait if wait is None else wait:g} s; they are kept in {spool.dir}: "
                    "deliver them with `govpatrol spool replay` (the next sweep also replays them first)"
                )
            time.sleep(min(self.retry_interval, max(0.0, deadline - time.monotonic())))

    def delivery(self) -> dict[str, Any]:
        """For the sweep record: how many records waited in the spool, how many were refused."""
        info: dict[str, Any] = {"es_spooled": self.spooled, "es_rejected": self.rejected}
        if self.spool is not None and self.spool.pending:
            info |= {"es_pending": self.spool.pending, "es_spool": str(self.spool.dir)}
        if self.rejected and self.spool is not None:
            info["es_dead_letter"] = str(self.spool.dead_letter_path)
        return info

    def close(self) -> None:
        """Flush and let go of the spool: what is left stays on disk for a later replay."""
        try:
            self.flush()
        finally:
            if self.spool is not None:
                self.spool.close()


def say(message: str) -> None:
    """Delivery progress goes to stderr (stdout may carry JSON Lines)."""
    print(message, file=sys.stderr, flush=True)


def open_es_sink(store: Store, cfg: ElasticsearchConfig, *, away: bool = False) -> ElasticsearchSink:
    """The sweep's Elasticsearch sink, after leftover spools of earlier sweeps were delivered
    (oldest first: this sweep's writes must not overtake them). Raises ``StoreUnavailable`` when
    they cannot be, naming the spool and ``govpatrol spool replay``.

    ``away``: Elasticsearch did not answer at the start; every record goes to the spool (the
    leftovers stay where they are) and the run does not wait for it at the end.
    """
    root = spool_root(cfg)
    sink = ElasticsearchSink(
        store,
        batch_size=cfg.bulk_size,
        spool_root=root,
        outage_wait=cfg.outage_wait,
        retry_interval=cfg.retry_interval,
        wait_at_end=not away,
    )
    if away:
        return sink
    done = replay_all(root, sink._send, prepare=index_preparer(store))
    sink.replayed = done.delivered
    if done.delivered or done.rejected:
        say(
            f"delivered {done.delivered:,} records left in {root} by earlier sweeps ({done.rejected} refused)"
        )
    if done.stopped:
        raise StoreUnavailable(
            f"records of an earlier sweep could not be delivered: {done.stopped}; "
            "run `govpatrol spool replay` once Elasticsearch takes writes again"
        )
    return sink


def index_preparer(store: Store) -> Callable[[str], None]:
    """``prepare(prefix)`` for :func:`pipelines.spool.replay_all`: the index templates of a spooled
    prefix on ``store``'s node, once per prefix (``store``'s own are assumed in place)."""
    done = {store.prefix}

    def prepare(prefix: str) -> None:
        if prefix not in done:
            Store(store.cfg.model_copy(update={"index_prefix": prefix})).ensure_indices()
            done.add(prefix)

    return prepare


def drain_sinks(sinks: list[Any]) -> dict[str, Any]:
    """Wait for every spooled Elasticsearch sink to empty (raises ``SpoolNotDrained``); returns what
    the sweep record says about delivery, and prints the records Elasticsearch refused for good."""
    info: dict[str, Any] = {}
    for sink in sinks:
        if isinstance(sink, ElasticsearchSink) and sink.spool_root is not None:
            if sink.wait_at_end:
                sink.drain()
            else:
                sink.flush()
            info = sink.delivery()
            if sink.rejected:
                say(
                    f"elasticsearch refused {sink.rejected:,} records for good; "
                    f"they and the reasons are in {info.get('es_dead_letter')}"
                )
    return info
