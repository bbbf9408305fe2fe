"""The security watch around the judge: baselines and allow lists in, snapshots and baselines out.

Before a site is judged, :meth:`WatchBook.fill` gives it its accepted baselines (read once from the
store when the sweep opens) and its own allowed hosts (``[security] sites``). After, :meth:`after`
writes the snapshot every security finding points at (its evidence gains ``snapshot``: where the
HTML and screenshot are), records a baseline for each watched page that has none (the first patrol:
never a hit) and remembers the text of each page that raised no tamper hit (ordinary churn is
measured against it too). Without Elasticsearch (or with it away) there are no baselines: tamper
is not judged, snapshots are still written. A store that fails mid-sweep costs the baselines, never
the sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from crawlers.config import Config
from crawlers.models import Finding, SiteObservations, Target
from crawlers.watchmodels import Baseline, PageSnapshot
from pipelines.essink import ElasticsearchSink
from pipelines.rules import sec_tamper
from pipelines.snapshots import SnapshotStore, snapshot_root
from pipelines.store import Store, StoreUnavailable
from pipelines.watchstore import (
    DismissKey,
    baseline_of,
    load_baselines,
    load_dismissals,
    touch_recent,
    write_baselines,
)

log = logging.getLogger(__name__)


def _digests(evidence: dict[str, Any]) -> list[str]:
    found = [evidence.get("snapshot_digest") or ""]
    found += [v.get("snapshot_digest") or "" for v in (evidence.get("variants") or {}).values()]
    return [d for d in found if d]


class WatchBook:
    """One sweep's baselines, dismissals and snapshot store."""

    def __init__(self, config: Config, store: Store | None, targets: list[Target], sweep_id: str) -> None:
        self.config = config
        self.store = store
        self.sweep_id = sweep_id
        self.snapshots = SnapshotStore(snapshot_root(config))
        self.baselines: dict[str, dict[str, Baseline]] = {}
        self.dismissed: set[DismissKey] = set()
        sites = [t.id for t in targets if t.kind == "site"]
        if store is not None:
            try:
                self.baselines = load_baselines(store, sites)
                self.dismissed = load_dismissals(store, [t.id for t in targets])
            except StoreUnavailable as exc:
                log.warning("security watch: baselines and dismissals not read (%s): no tamper hits", exc)
                self.store = None

    @classmethod
    def for_sinks(
        cls, config: Config, sinks: Iterable[object], targets: list[Target], sweep_id: str
    ) -> WatchBook:
        stores = [s.store for s in sinks if isinstance(s, ElasticsearchSink)]
        return cls(config, stores[0] if stores else None, targets, sweep_id)

    def fill(self, site: SiteObservations) -> SiteObservations:
        site.baselines = dict(self.baselines.get(site.target.id, {}))
        site.allow_hosts = self.config.security.allow_hosts(site.target)
        return site

    def after(self, site: SiteObservations, findings: list[Finding], at: datetime) -> None:
        shots: dict[str, PageSnapshot] = {s.digest: s for s in site.snapshots}
        saved: dict[str, dict[str, Any]] = {}

        def save(digest: str) -> dict[str, Any] | None:
            if digest not in saved and digest in shots:
                try:
                    saved[digest] = self.snapshots.save(shots[digest])
                except OSError as exc:
                    log.warning("snapshot of %s not written: %s", shots[digest].url, exc)
                    return None
            return saved.get(digest)

        for finding in findings:
            refs = [ref for d in _digests(finding.evidence) if (ref := save(d)) is not None]
            if refs:
                finding.evidence["snapshot"] = refs[0]
                finding.evidence["snapshots"] = refs
        site.snapshots.clear()  # the HTML is not needed any more
        if self.store is not None:
            self._baselines(site, findings, at, save)

    def _baselines(self, site: SiteObservations, findings: list[Finding], at: datetime, save: Any) -> None:
        tampered = {f.subject_url for f in findings if f.indicator == sec_tamper.INDICATOR}
        new: list[Baseline] = []
        recent: dict[str, tuple[list[int], datetime]] = {}
        for obs in site.watch:
            if obs.variant != "static" or not obs.ok:
                continue
            known = site.baselines.get(obs.url)
            if known is None:
                base = baseline_of(
                    obs, at=at, by="patrol", sweep_id=self.sweep_id, snapshot=save(obs.snapshot)
                )
                new.append(base)
                self.baselines.setdefault(site.target.id, {})[obs.url] = base
            elif obs.url not in tampered:
                recent[known.id] = (obs.text_print, at)
        try:
            write_baselines(self.store, new)  # type: ignore[arg-type]
            touch_recent(self.store, recent)  # type: ignore[arg-type]
        except StoreUnavailable as exc:
            log.warning("baselines of %s not written: %s", site.target.id, exc)
