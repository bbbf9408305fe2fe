"""The demo's 重大事件: register the planted event before the sweep, show its table after it, and
compare the table with the simulated platforms' truth (``simweb/reposts.py``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.config import load_config
from crawlers.events import Event
from govpatrol.events import Scope, event_rows, new_event, open_event_store
from pipelines.store import Store
from simweb.reposts import KEYWORDS, REGION, TITLE, URL, RepostPlan
from simweb.verify import compare_reposts
from spiders.arguments import load_registry


def register_demo_event(config_path: Path, targets: Path, plan: RepostPlan, now: datetime) -> Event:
    """The planted event, scoped by its region (``event add --region``); the demo's earlier events
    are closed first, so only this run's event is watched."""
    config = load_config(config_path)
    events = open_event_store(Store(config.elasticsearch))
    for old in events.events("open"):
        events.close(old, now)
    event = new_event(
        load_registry(targets, config.indicators_file or None),
        Scope(regions=(REGION,), targets_file=str(targets)),
        title=TITLE,
        url=URL,
        keywords=KEYWORDS,
        published=plan.published,
        deadline=None,
        now=now,
    )
    events.save(event)
    return event


def demo_event_rows(config_path: Path, event: Event, as_of: datetime) -> list[dict[str, Any]]:
    store = Store(load_config(config_path).elasticsearch)
    store.refresh()
    return event_rows(store, event.id, as_of)


def repost_problems(truth: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    return compare_reposts(truth.get("reposts"), rows)
