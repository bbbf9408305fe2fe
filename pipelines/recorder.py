"""One sweep, end to end: plan -> crawl (observations) -> judge per target -> sinks -> sweep record.

The crawl hands every item to :class:`SweepRecorder`. Observations are written as they arrive; when
the spider says a target is done and every fact it counted for that target has arrived
(:mod:`crawlers.tally`), that target's observations are judged at once and its findings and summary
written, so memory holds only targets still in flight and progress is real.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from crawlers.events import RepostObservation
from crawlers.models import (
    AccountObservation,
    Finding,
    LinkCheck,
    PageObservation,
    SiteObservations,
    Target,
    TargetDone,
    TargetSummary,
    TextObservation,
)
from crawlers.tally import FACT_TYPES, Arrivals
from crawlers.watchmodels import PageSnapshot, WatchObservation

log = logging.getLogger(__name__)
JUDGED_PER_SITE = (PageObservation, LinkCheck, TextObservation, WatchObservation)


class Sink(Protocol):
    def write_observation(self, doc: dict[str, Any]) -> None: ...
    def write_finding(self, f: Finding) -> None: ...
    def write_target(self, s: TargetSummary) -> None: ...
    def write_sweep(self, doc: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


class Lifecycle(Protocol):
    """Reconciles findings with the record (``pipelines.lifecycle.SweepLifecycle``)."""

    total: Any

    def target(self, target: Target, observed: Any, findings: list[Finding]) -> list[Finding]: ...
    def registry(self, findings: list[Finding]) -> list[Finding]: ...


# (target, what was observed — SiteObservations, an AccountObservation, or None —, as-of) -> judgment
Judge = Callable[[Target, Any, datetime], tuple[list[Finding], TargetSummary]]
ObservationDoc = Callable[[Any, str], dict[str, Any]]


def new_sweep_id(kind: str, as_of: datetime) -> str:
    """Readable and unique: kind, as-of time, random suffix (two sweeps of one as-of never collide)."""
    return f"{kind}-{as_of.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


@dataclass
class SweepResult:
    """What a sweep produced; the CLI prints it and the sweep record stores it."""

    sweep_id: str
    kind: str
    as_of: datetime
    started_at: datetime
    ended_at: datetime | None = None
    summaries: list[TargetSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    observations: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    rectified: list[Finding] = field(default_factory=list)  # findings on record this sweep showed fixed
    opened: list[str] = field(default_factory=list)  # finding ids new (or back) in this sweep
    reposts: list[RepostObservation] = field(default_factory=list)  # repost-watch facts of open events

    def verdicts(self) -> Counter[str]:
        return Counter(s.verdict for s in self.summaries)

    def by_indicator(self) -> Counter[str]:
        """Violations by indicator (warnings and unverified checks are counted apart)."""
        return Counter(f.indicator for f in self.findings if f.level == "violation" and f.status == "open")

    def warnings(self) -> Counter[str]:
        return Counter(f.indicator for f in self.findings if f.level == "warning")

    def record(self, planned: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The sweep document (JSON Lines ``sweep`` record and the ``govpatrol-sweeps`` index)."""
        verdicts = self.verdicts()
        doc: dict[str, Any] = {
            "id": self.sweep_id,
            "kind": self.kind,
            "as_of": self.as_of.isoformat(),
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "targets_planned": planned,
            "sites": sum(1 for s in self.summaries if s.kind == "site"),
            "accounts": sum(1 for s in self.summaries if s.kind == "account"),
            "targets_done": len(self.summaries),
            "targets_failed": verdicts.get("fail", 0),
            "targets_unverified": verdicts.get("unverified", 0),
            "targets_passed": verdicts.get("pass", 0),
            "findings": len(self.findings),
            "findings_open": sum(1 for f in self.findings if f.status == "open" and f.level == "violation"),
            "warnings": sum(self.warnings().values()),
            "findings_opened": len(self.opened),
            "findings_closed": len(self.rectified),
            "by_indicator": dict(self.by_indicator()),
            "observations": self.observations,
            "requests": int(self.stats.get("requests", 0)),
            "elapsed_s": round(float(self.stats.get("elapsed_s", 0.0)), 3),
        }
        doc.update(extra or {})
        return doc


class SweepRecorder:
    """Receives crawl items, keeps each target's observations until it is done, then judges it."""

    def __init__(
        self,
        targets: list[Target],
        as_of: datetime,
        judge: Judge,
        sinks: list[Sink],
        result: SweepResult,
        observation_doc: ObservationDoc,
        on_progress: Callable[[int, int, TargetSummary], None] | None = None,
        lifecycle: Lifecycle | None = None,
    ) -> None:
        self.targets = {t.id: t for t in targets}
        self.lifecycle = lifecycle
        self.as_of = as_of
        self.judge = judge
        self.sinks = sinks
        self.result = result
        self.observation_doc = observation_doc
        self.on_progress = on_progress
        self.pending: dict[str, SiteObservations] = {}
        self.accounts: dict[str, AccountObservation] = {}
        self.done: set[str] = set()
        self.arrivals = Arrivals()  # facts arrived per target, and the TargetDones waiting for more

    def _site(self, target_id: str) -> SiteObservations:
        if target_id not in self.pending:
            self.pending[target_id] = SiteObservations(target=self.targets[target_id])
        return self.pending[target_id]

    def on_item(self, item: object) -> None:
        """Called for every item the crawl yields (in the crawl's thread)."""
        if isinstance(item, TargetDone):
            if self.arrivals.done(item):
                self._finish_target(item.target_id)
            return
        try:
            self._record(item)
        finally:  # a fact whose recording failed has still arrived: its site does not wait for it
            if isinstance(item, FACT_TYPES) and self.arrivals.fact(item.target_id):
                self._finish_target(item.target_id)  # the last fact its TargetDone waited for

    def _record(self, item: object) -> None:
        if isinstance(item, JUDGED_PER_SITE) and item.target_id in self.done:
            # more than its TargetDone counted, or after the end judged it without: stored, but not
            # in the target's findings (a dead link it carried would wrongly come out rectified)
            log.error("%s of %s arrived after the target was judged", type(item).__name__, item.target_id)
        if isinstance(item, PageObservation):
            self._emit_observation(item)
            self._site(item.target_id).add_page(item)
        elif isinstance(item, AccountObservation):
            self._emit_observation(item)
            self.accounts[item.target_id] = item
        elif isinstance(item, LinkCheck):
            self._emit_observation(item)
            self._site(item.target_id).links.append(item)
        elif isinstance(item, TextObservation):  # content watch (a post's text comes in its account)
            self._emit_observation(item)
            self._site(item.target_id).texts.append(item)
        elif isinstance(item, WatchObservation):  # the security watch's facts of a watched page
            self._emit_observation(item)
            self._site(item.target_id).watch.append(item)
        elif isinstance(item, PageSnapshot):  # kept on disk only for what a finding points at
            self._site(item.target_id).snapshots.append(item)
        elif isinstance(item, RepostObservation):  # the repost watch: judged per event, after the sweep
            self._emit_observation(item)
            self.result.reposts.append(item)

    def _emit_observation(
        self,
        obs: PageObservation
        | LinkCheck
        | AccountObservation
        | TextObservation
        | WatchObservation
        | RepostObservation,
    ) -> None:
        self.result.observations += 1
        takers = [s for s in self.sinks if getattr(s, "wants_observations", True)]
        if not takers:  # JSON Lines alone: no document to build
            return
        doc = self.observation_doc(obs, self.result.sweep_id)
        for sink in takers:
            sink.write_observation(doc)

    def _finish_target(self, target_id: str) -> None:
        if target_id in self.done:
            return
        self.done.add(target_id)
        self.arrivals.forget(target_id)
        target = self.targets[target_id]
        if target.kind == "site":
            observed: Any = self.pending.pop(target_id, None) or SiteObservations(target=target)
        else:
            observed = self.accounts.pop(target_id, None)
        findings, summary = self.judge(target, observed, self.as_of)
        summary.sweep_id = self.result.sweep_id
        written = self.write_findings(findings, target, observed)
        if summary.verdict != "fail" and any(  # a security hit a person confirmed earlier is a veto
            f.status == "open" and f.severity == "veto" and f.level == "violation" for f in written
        ):
            summary.verdict = "fail"
        for sink in self.sinks:
            sink.write_target(summary)
        self.result.summaries.append(summary)
        if self.on_progress:
            self.on_progress(len(self.done), len(self.targets), summary)

    def write_findings(
        self, findings: list[Finding], target: Target | None = None, observed: Any = None
    ) -> list[Finding]:
        """Stamp findings with this sweep, reconcile them with the record, write them.

        Without ``target`` they are registry-level notices. The lifecycle may add findings on record
        that this sweep showed rectified; they are written too (status ``rectified``).
        """
        for f in findings:
            f.sweep_id = self.result.sweep_id
            f.first_seen = f.first_seen or self.as_of
            f.last_seen = self.as_of
            if target is not None and target.site_code:
                f.site_code = target.site_code  # 标识码: exports and the 通报 name a site by it
        if self.lifecycle is not None:
            before = len(self.lifecycle.total.opened)
            if target is None:
                findings = self.lifecycle.registry(findings)
            else:
                findings = self.lifecycle.target(target, observed, findings)
            self.result.opened += self.lifecycle.total.opened[before:]
        else:
            self.result.opened += [f.id for f in findings]
        for f in findings:
            for sink in self.sinks:
                sink.write_finding(f)
        self.result.findings.extend(f for f in findings if f.status != "rectified")
        self.result.rectified.extend(f for f in findings if f.status == "rectified")
        return findings

    def finish(self) -> None:
        """Judge any target the crawl never reported done (a crawl cut short still gets verdicts),
        and any whose TargetDone still waits for facts that never came."""
        for target_id, (arrived, expected) in sorted(self.arrivals.missing().items()):
            log.error(
                "%s: %d of the %d facts its spider emitted arrived; judged at the end without the rest",
                target_id,
                arrived,
                expected,
            )
            self._finish_target(target_id)
        for target_id in list(self.targets):
            if target_id not in self.done:
                self._finish_target(target_id)
