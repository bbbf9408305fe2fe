"""The immediate outage alert: 站点宕机 when a homepage failed N consecutive probes, 已恢复 once it
answers again, each sent once per outage and channel.

The weekly roll-up judges the veto; this tells the duty officer within the hour. A small state
document per site in ``<prefix>-alerts`` counts the site's consecutive failed probes (round by
round; read back from the recorded probes, the facts, when there is no state yet or rounds made
while Elasticsearch was away were just delivered) and remembers which channels were told it is down
and which were told it is back. That state lives in Elasticsearch, which persists,
so a restarted service, scheduler or node never repeats an alert; a round older than the state
(a replay) never sends one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crawlers.alerts_config import AlertsConfig, load_alerts_config
from crawlers.dates import BEIJING
from crawlers.models import PageObservation, Target
from govpatrol.alertbook import AlertBook
from govpatrol.alerts import PREFIX, Alerter, AlertMessage
from pipelines.rules.unreachable import ERROR_NAMES
from pipelines.store import Store, StoreUnavailable
from spiders.probe import ROLE

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=2)  # probes older than this never make a streak with the current round


@dataclass
class OutageReport:
    down: list[str] = field(default_factory=list)  # sites a 站点宕机 alert went out for
    back: list[str] = field(default_factory=list)  # sites an 已恢复 alert went out for
    failed: list[str] = field(default_factory=list)  # a channel failed: retried after the next round

    def summary(self) -> str:
        return f"outage alerts: {len(self.down)} 站点宕机, {len(self.back)} 已恢复, {len(self.failed)} failed"


def _failed(probe: Mapping[str, Any]) -> bool:
    status = probe.get("status")
    return bool(probe.get("error")) or status is None or int(status) >= 400


def _when(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _reason(probe: Mapping[str, Any]) -> str:
    error = probe.get("error")
    if error == "http" or (not error and probe.get("status")):
        return f"HTTP {probe.get('status')}"
    return ERROR_NAMES.get(str(error), ERROR_NAMES["other"])


def last_probes(store: Store, ids: list[str], as_of: datetime, n: int) -> dict[str, list[dict[str, Any]]]:
    """target id -> its last ``n`` probes at or before ``as_of``, newest first."""
    query = {
        "bool": {
            "filter": [
                {"term": {"doc_type": "page"}},
                {"term": {"role": ROLE}},
                {"terms": {"target_id": ids}},
                {"range": {"fetched_at": {"gt": (as_of - LOOKBACK).isoformat(), "lte": as_of.isoformat()}}},
            ],
            "must_not": [{"term": {"error": "blocked"}}],
        }
    }
    aggs = {
        "sites": {
            "terms": {"field": "target_id", "size": max(1, len(ids))},
            "aggs": {
                "last": {
                    "top_hits": {
                        "size": n,
                        "sort": [{"fetched_at": "desc"}],
                        "_source": ["fetched_at", "error", "status"],
                    }
                }
            },
        }
    }
    pattern = f"{store.prefix}-observations-*"
    try:
        store.es.indices.refresh(index=pattern, allow_no_indices=True, ignore_unavailable=True)
        resp = store.es.search(
            index=pattern, query=query, aggs=aggs, size=0, allow_no_indices=True, ignore_unavailable=True
        )
    except Exception as exc:  # the client's transport and API errors alike
        raise StoreUnavailable(f"Elasticsearch at {store.url}: cannot read probes: {exc}") from exc
    return {
        b["key"]: [h["_source"] for h in b["last"]["hits"]["hits"]]
        for b in resp.get("aggregations", {}).get("sites", {}).get("buckets", [])
    }


def _message(
    doc_id: str, site: Target, title: str, line: str, details: list[tuple[str, str]]
) -> AlertMessage:
    owner = site.owner or "（未登记单位）"
    head = [("事件", title), ("单位", owner), ("对象", site.name or site.id)]
    if site.region:
        head.append(("地区", site.region))
    return AlertMessage(
        doc_id,
        f"{PREFIX}{site.name or site.id}：{title}",
        f"{PREFIX}{owner} {site.name or site.id}：{line}，详情 {site.url}",
        tuple([*head, *details, ("首页", site.url)]),
    )


def down_message(doc_id: str, site: Target, streak: list[dict[str, Any]]) -> AlertMessage:
    """站点宕机: the failing probes, oldest first."""
    first, last = streak[-1], streak[0]
    line = (
        f"站点宕机，首页连续{len(streak)}次探测失败（最近一次{_when(last['fetched_at'])}，{_reason(last)}），"
        f"自{_when(first['fetched_at'])}起无法访问"
    )
    details = [
        ("连续失败", f"{len(streak)}次"),
        ("首次失败", f"{_when(first['fetched_at'])}（{_reason(first)}）"),
        ("最近一次", f"{_when(last['fetched_at'])}（{_reason(last)}）"),
    ]
    return _message(doc_id, site, "站点宕机", line, details)


def back_message(doc_id: str, site: Target, since: str, probe: dict[str, Any]) -> AlertMessage:
    """已恢复: the first probe that answered again."""
    hours = (
        datetime.fromisoformat(probe["fetched_at"]) - datetime.fromisoformat(since)
    ).total_seconds() / 3600
    line = (
        f"已恢复，首页于{_when(probe['fetched_at'])}探测正常（自{_when(since)}起无法访问约{hours:.0f}小时）"
    )
    details = [("恢复时间", _when(probe["fetched_at"])), ("宕机开始", _when(since))]
    return _message(doc_id, site, "已恢复", line, details)


def alert_outages(
    table: Mapping[str, Any] | AlertsConfig | None,
    store: Store,
    sites: list[Target],
    observations: list[PageObservation],
    gap: bool = False,
) -> OutageReport | None:
    """After a probe round: alert new outages and recoveries; never fails the round. ``gap``: rounds
    this service did not see were delivered from the spool first (Elasticsearch was away)."""
    config = load_alerts_config(table)
    alerter = Alerter(config, store)
    if not config.enabled or not alerter.channels() or not observations:
        return None
    try:
        return _alert(alerter, store, sites, observations, gap, config.outage_probes)
    except Exception as exc:  # noqa: BLE001 - a broken alert path must not lose the probe round
        log.error("outage alerts failed: %s: %s", type(exc).__name__, exc)
        return None


def _alert(
    alerter: Alerter,
    store: Store,
    sites: list[Target],
    observations: list[PageObservation],
    gap: bool,
    n: int,
) -> OutageReport:
    """Each site's state counts its consecutive failed probes (``streak``) round by round; without a
    state, or after a gap, the last ``n`` probes are read back from the record (the facts). The
    state is written only when it changes: an hour where every site answers costs one read."""
    report = OutageReport()
    this = {
        o.target_id: {"fetched_at": o.fetched_at.isoformat(), "error": o.error, "status": o.status}
        for o in observations
        if o.error != "blocked"
    }
    when = max(o.fetched_at for o in observations)
    book = AlertBook(store, [f"outage:{s.id}" for s in sites])
    resync = [s.id for s in sites if s.id in this and (gap or f"outage:{s.id}" not in book.states)]
    probes = last_probes(store, resync, when, n) if resync else {}
    channels = set(alerter.channels())
    for site in sites:
        doc_id = f"outage:{site.id}"
        state = book.state(doc_id)
        seen = state.get("last_probe_at")
        if site.id not in this or (seen and datetime.fromisoformat(seen) >= when):
            continue  # not probed, or a replayed round no newer than what the state saw
        probe = this[site.id]
        if site.id in resync:
            recent = probes.get(site.id) or [probe]
            streak = next((i for i, p in enumerate(recent) if not _failed(p)), len(recent))
            failing = recent[:streak][::-1]  # oldest first
        else:
            failing = [*state.get("failing", []), probe][-n:] if _failed(probe) else []
            streak = int(state.get("streak", 0)) + 1 if _failed(probe) else 0
        new = dict(state) or {
            "id": doc_id,
            "kind": "outage",
            "target_id": site.id,
            "state": "up",
            "down_channels": [],
            "up_channels": [],
        }
        new |= {"target_name": site.name, "owner": site.owner, "region": site.region, "url": site.url}
        new |= {"streak": streak, "failing": failing, "failed_probes": streak}
        told_down = set(new.get("down_channels") or [])
        if streak >= n and channels - told_down:
            if new["state"] != "down":
                new |= {"state": "down", "down_since": failing[0]["fetched_at"], "up_channels": []}
            ok = book.tell(alerter, down_message(doc_id, site, failing[::-1][:n]), new, "down_channels")
            new["alerted_down_at"] = when.isoformat() if ok else new.get("alerted_down_at")
            (report.down if ok else report.failed).append(site.id)
        elif streak == 0 and new["state"] == "down":
            ok = book.tell(alerter, back_message(doc_id, site, new["down_since"], probe), new, "up_channels")
            if ok or set(new["up_channels"]) >= told_down:
                new |= {"state": "up", "back_at": probe["fetched_at"], "alerted_up_at": when.isoformat()}
                new |= {"down_channels": [], "up_channels": []}
            (report.back if ok else report.failed).append(site.id)
        if {k: v for k, v in new.items() if k != "last_probe_at"} != {
            k: v for k, v in state.items() if k != "last_probe_at"
        }:
            new["last_probe_at"] = probe["fetched_at"]
            book.put(doc_id, new)
    book.save()
    return report
