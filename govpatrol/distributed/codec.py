"""Crawl items <-> JSON, for the trip from a worker to the coordinator through Redis.

JSON and an explicit list of record types, never pickle: anyone able to write to Redis must not be
able to run code in the coordinator. Fields are rebuilt from the dataclasses' own type hints
(:mod:`crawlers.records`), so a field added to a record travels without a change here.
"""

from __future__ import annotations

import json
from typing import Any

from crawlers.events import RepostObservation
from crawlers.models import AccountObservation, LinkCheck, PageObservation, Target, TargetDone
from crawlers.records import RecordError, record_from_dict
from crawlers.watchmodels import PageSnapshot, WatchObservation

#: the record types a worker may send; anything else is refused on both ends
ITEM_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        PageObservation,
        LinkCheck,
        AccountObservation,
        RepostObservation,
        TargetDone,
        WatchObservation,
        PageSnapshot,
    )
}


class CodecError(ValueError):
    """A payload that is not one of ours (malformed, or an unknown record type)."""


def _build(cls: type, data: Any) -> Any:
    try:
        return record_from_dict(cls, data)
    except RecordError as exc:
        raise CodecError(str(exc)) from exc


def encode_item(item: object) -> dict[str, Any]:
    name = type(item).__name__
    if ITEM_TYPES.get(name) is not type(item):
        raise CodecError(f"not a crawl item this codec carries: {name}")
    return {"type": name, "data": item.to_dict()}  # type: ignore[attr-defined]


def decode_item(doc: dict[str, Any]) -> object:
    cls = ITEM_TYPES.get(doc.get("type", "")) if isinstance(doc, dict) else None
    if cls is None:
        raise CodecError(f"unknown item type: {doc.get('type') if isinstance(doc, dict) else doc!r}")
    try:
        return _build(cls, doc.get("data"))
    except (TypeError, ValueError) as exc:
        raise CodecError(f"{cls.__name__}: {exc}") from exc


def encode_items(items: list[object]) -> str:
    """One target's items (its observations, then its TargetDone) as one payload."""
    return json.dumps([encode_item(i) for i in items], ensure_ascii=False, separators=(",", ":"))


def decode_items(payload: str) -> list[object]:
    try:
        docs = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise CodecError(f"not JSON: {exc}") from exc
    if not isinstance(docs, list):
        raise CodecError("a payload is a list of items")
    return [decode_item(d) for d in docs]


def encode_target(target: Target) -> dict[str, Any]:
    return target.to_dict()


def decode_target(data: dict[str, Any]) -> Target:
    return _build(Target, data)
