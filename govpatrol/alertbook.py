"""Alerts sent once: their state documents in ``<prefix>-alerts``, and telling each channel once.

A batch of alerts (one run's event deadlines, one probe round's outages) reads its states in one
request and writes the changed ones back in one. Each state lists the channels that already took
its message: :meth:`AlertBook.tell` sends only to the others and adds those that take it, so a
channel that failed is tried again by the next run and one that took it is never sent it twice --
across runs, restarts and a second scheduler alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govpatrol.alerts import Alerter, AlertMessage
from pipelines.store import Store, StoreUnavailable


class AlertBook:
    """The states of ``ids`` (``state(id)``: {} for one never written), and the writes to make."""

    def __init__(self, store: Store, ids: Sequence[str]) -> None:
        self.store = store
        self.states = _read(store, list(ids))
        self._ops: list[dict[str, Any]] = []

    def state(self, doc_id: str) -> dict[str, Any]:
        return self.states.get(doc_id, {})

    @staticmethod
    def tell(alerter: Alerter, msg: AlertMessage, doc: dict[str, Any], channels: str) -> bool:
        """Send ``msg`` on every channel ``doc[channels]`` does not list yet and list those that took
        it; True when every channel has it."""
        told = set(doc.get(channels) or [])
        ok = alerter.deliver(msg, told)
        doc[channels] = sorted(told)
        return ok

    def put(self, doc_id: str, doc: dict[str, Any]) -> None:
        self._ops += [{"index": {"_index": self.store.index_name("alerts"), "_id": doc_id}}, doc]

    def save(self, *, refresh: bool = False) -> None:
        """Write what was put, in one request (``refresh``: readable at once)."""
        if not self._ops:
            return
        self.store.write_ops(self._ops)
        self._ops = []
        if refresh:
            self.store.refresh("alerts")


def _read(store: Store, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    try:
        resp = store.es.mget(index=store.index_name("alerts"), ids=ids)
    except Exception as exc:  # the client's transport and API errors alike
        raise StoreUnavailable(f"Elasticsearch at {store.url}: cannot read alert state: {exc}") from exc
    return {d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")}
