"""The repost watch around a sweep: which accounts to watch for which open event, and afterwards the
verdicts, their findings and the duty officer's alerts.

Every sweep with Elasticsearch watches the open events: before the crawl :meth:`EventWatching.start`
hands the account spider one :class:`~crawlers.events.EventWatch` per event, naming the accounts of
the sweep whose verdict is not final yet (no repost seen and no check after the deadline); after it,
:meth:`EventWatching.finish` judges every open event at the sweep's as-of time from all the facts on
record, stores the ``ACCOUNT-REPOST-LATE`` findings and sends the alerts due. ``govpatrol event
watch`` (the scheduler's tighter job while an event is open) is a sweep of just those accounts.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from crawlers.config import Config
from crawlers.events import Event, EventWatch
from crawlers.models import Target
from govpatrol.eventalerts import EventAlertReport, alert_events
from govpatrol.events import FINAL, EventStore, open_event_store, record_findings, verdicts_of
from pipelines.judge import load_rules
from pipelines.recorder import SweepResult
from pipelines.rules.account_repost import RepostVerdict
from pipelines.rules.base import Rules
from pipelines.store import Store, StoreUnavailable


def accounts_to_watch(
    events: Sequence[Event], verdicts: dict[str, list[RepostVerdict]], as_of: datetime
) -> dict[str, list[str]]:
    """Event id -> the accounts still to watch: published already, verdict not final."""
    return {
        e.id: [v.target_id for v in verdicts.get(e.id, []) if v.status not in FINAL]
        for e in events
        if e.published <= as_of
    }


@dataclass
class EventWatching:
    config: Config
    store: Store
    events: EventStore
    open: list[Event]
    rules: Rules
    watches: tuple[EventWatch, ...]

    @classmethod
    def start(
        cls, config: Config, targets: Sequence[Target], as_of: datetime, use_es: bool
    ) -> EventWatching | None:
        """The watches for a sweep of ``targets`` (None without Elasticsearch or an open event)."""
        if not use_es or not config.elasticsearch.url:
            return None
        store = Store(config.elasticsearch)
        try:
            events = open_event_store(store)
            open_events = events.events("open")
            if not open_events:
                return None
            rules = load_rules(config.indicators_file or None)
            todo = accounts_to_watch(open_events, verdicts_of(events, open_events, as_of, rules), as_of)
        except StoreUnavailable as exc:
            print(
                f"note: open events not read, no repost watch in this run: {str(exc)[:300]}", file=sys.stderr
            )
            return None
        ids = {t.id for t in targets if t.kind == "account"}
        watches = tuple(
            e.watch([t for t in todo.get(e.id, []) if t in ids])
            for e in open_events
            if set(todo.get(e.id, [])) & ids
        )
        return cls(config, store, events, open_events, rules, watches)

    def finish(self, result: SweepResult) -> tuple[dict[str, list[RepostVerdict]], EventAlertReport | None]:
        """Judge the open events at the sweep's as-of time, store the findings, alert."""
        self.store.refresh("observations", "findings")
        verdicts = verdicts_of(self.events, self.open, result.as_of, self.rules)
        record_findings(self.store, verdicts, result.as_of, result.sweep_id)
        report = alert_events(self.config, self.store, self.open, verdicts, result.as_of)
        if report is not None:
            print(f"{report.summary()}", file=sys.stderr)
        return verdicts, report

    def target_ids(self) -> set[str]:
        return {t for w in self.watches for t in w.target_ids}


def watch_targets(config: Config, store: Store, as_of: datetime) -> set[str]:
    """The accounts ``govpatrol event watch`` sweeps: those of the open events still to watch."""
    events = open_event_store(store)
    open_events = events.events("open")
    if not open_events:
        return set()
    verdicts = verdicts_of(events, open_events, as_of, load_rules(config.indicators_file or None))
    return {t for ids in accounts_to_watch(open_events, verdicts, as_of).values() for t in ids}
