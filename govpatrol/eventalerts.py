"""Tell the duty officer who has not reposted a 重大事件 yet: shortly before a deadline, and at it.

Accounts of one event can have different deadlines (2 hours; a WeChat subscription account the end
of the next working day), so the alerts go per (event, deadline): a ``pre`` alert once the deadline
is within ``[events] alert_lead_minutes`` and some account with that deadline has not been seen
reposting, and a ``due`` alert once it has passed, listing those that did not repost or could not be
read. Each is sent once per channel, ever: its state is a document in ``<prefix>-alerts``
(``event:<id>:<stage>:<deadline>``), so a restarted scheduler or a second run never repeats it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from crawlers.config import Config
from crawlers.dates import BEIJING
from crawlers.events import Event, format_duration
from govpatrol.alertbook import AlertBook
from govpatrol.alerts import PREFIX, Alerter, AlertMessage
from govpatrol.events import STATUS_ZH
from govpatrol.labels import PLATFORM_LABELS
from pipelines.rules.account_repost import RepostVerdict
from pipelines.store import Store

log = logging.getLogger(__name__)

NOT_SEEN = ("pending", "unverified", "missing")  # no repost seen (yet)
MAX_LISTED = 30  # accounts named in one message; the rest are counted


@dataclass
class EventAlertReport:
    sent: list[str] = field(default_factory=list)  # alert ids delivered on every channel
    failed: list[str] = field(default_factory=list)  # some channel failed: retried by the next run
    already: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"event alerts: {len(self.sent)} sent, {len(self.failed)} failed, {len(self.already)} already sent"


def _when(value: datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _who(v: RepostVerdict) -> str:
    platform = PLATFORM_LABELS.get(v.platform, v.platform)
    extra = f"，{STATUS_ZH[v.status]}" if v.status == "unverified" else ""
    return f"{v.owner} {v.name}（{platform}{extra}）"


def alert_message(
    doc_id: str,
    event: Event,
    stage: str,
    deadline: datetime,
    accounts: Sequence[RepostVerdict],
    now: datetime,
) -> AlertMessage:
    """The Chinese text of one pre-deadline (``pre``) or deadline (``due``) alert."""
    names = [_who(v) for v in accounts[:MAX_LISTED]]
    if len(accounts) > MAX_LISTED:
        names.append(f"等共{len(accounts)}个账号")
    listed = "；".join(names)
    if stage == "pre":
        head = f"重大信息转载时限将至（{_when(deadline)}，还剩{format_duration(deadline - now)}）"
        line = f"{PREFIX}{head}：“{event.title}”，尚有{len(accounts)}个账号未见转载：{listed}"
        title = f"{PREFIX}转载时限将至：{event.title}"
    else:
        head = f"重大信息转载时限已到（{_when(deadline)}）"
        line = f"{PREFIX}{head}：“{event.title}”，{len(accounts)}个账号未转载或无法核实：{listed}"
        title = f"{PREFIX}转载时限已到：{event.title}"
    details = [("事件", event.title), ("发布时间", _when(event.published)), ("转载时限", _when(deadline))]
    if event.url:
        details.append(("原文", event.url))
    details += [("未见转载", f"{len(accounts)}个"), ("账号", listed), ("事件编号", event.id)]
    return AlertMessage(doc_id, title, line, tuple(details))


def due_alerts(
    event: Event, verdicts: Sequence[RepostVerdict], now: datetime, lead: timedelta
) -> list[tuple[str, str, datetime, list[RepostVerdict]]]:
    """(alert id, stage, deadline, accounts not seen) of every alert due at ``now``."""
    by_deadline: dict[datetime, list[RepostVerdict]] = {}
    for v in verdicts:
        by_deadline.setdefault(v.deadline, []).append(v)
    out = []
    for deadline, group in sorted(by_deadline.items()):
        missing = [v for v in group if v.status in NOT_SEEN]
        if not missing:
            continue
        stage = "due" if now >= deadline else "pre" if now >= deadline - lead else ""
        if stage:
            doc_id = f"event:{event.id}:{stage}:{deadline.astimezone(BEIJING):%Y%m%dT%H%M}"
            out.append((doc_id, stage, deadline, missing))
    return out


def alert_events(
    config: Config,
    store: Store,
    events: Sequence[Event],
    verdicts: Mapping[str, Sequence[RepostVerdict]],
    now: datetime,
) -> EventAlertReport | None:
    """Send the alerts due at ``now``; never raises (a broken alert path must not lose the watch)."""
    alerter = Alerter(config.alerts, store)
    if not config.alerts.enabled or not alerter.channels():
        return None
    try:
        return _alert(
            alerter, store, events, verdicts, now, timedelta(minutes=config.events.alert_lead_minutes)
        )
    except Exception as exc:  # noqa: BLE001
        log.error("event alerts failed: %s: %s", type(exc).__name__, exc)
        return None


def _alert(
    alerter: Alerter,
    store: Store,
    events: Sequence[Event],
    verdicts: Mapping[str, Sequence[RepostVerdict]],
    now: datetime,
    lead: timedelta,
) -> EventAlertReport:
    report = EventAlertReport()
    due = [
        (e, *d)
        for e in events
        if e.status == "open"
        for d in due_alerts(e, verdicts.get(e.id, []), now, lead)
    ]
    book = AlertBook(store, [d[1] for d in due])
    for event, doc_id, stage, deadline, accounts in due:
        state = book.state(doc_id)
        if state.get("alerted_at"):
            report.already.append(doc_id)
            continue
        doc = {
            "id": doc_id,
            "kind": "event",
            "event_id": event.id,
            "stage": stage,
            "deadline": deadline.isoformat(),
            "target_ids": [v.target_id for v in accounts],
            "alert_channels": state.get("alert_channels") or [],
        }
        ok = book.tell(
            alerter, alert_message(doc_id, event, stage, deadline, accounts, now), doc, "alert_channels"
        )
        doc["alerted_at"] = now.isoformat() if ok else None
        book.put(doc_id, doc)
        (report.sent if ok else report.failed).append(doc_id)
    book.save(refresh=True)
    return report
