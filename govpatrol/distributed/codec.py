"""Crawl items <-> JSON, for the trip from a worker to the coordinator through Redis.

JSON and an explicit list of record types, never pickle: anyone able to write to Redis must not be
able to run code in the coordinator. Fields are rebuilt from the dataclasses' own type hints
(datetimes from ISO 8601 with their offset, nested records such as ``DatedItem`` and ``LinkRef``),
so a field added to a record travels without a change here.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any

from crawlers.models import (
    AccountObservation,
    DatedItem,
    LinkCheck,
    LinkRef,
    PageObservation,
    Target,
    TargetDone,
)

#: the record types a worker may send; anything else is refused on both ends
ITEM_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (PageObservation, LinkCheck, AccountObservation, TargetDone)
}
_NESTED: dict[type, type] = {cls: cls for cls in (DatedItem, LinkRef, Target)}


class CodecError(ValueError):
    """A payload that is not one of ours (malformed, or an unknown record type)."""


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode_value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint in _NESTED:
        return _build(hint, value)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):  # X | None
        inner = [a for a in args if a is not type(None)]
        return _decode_value(inner[0], value) if len(inner) == 1 else value
    if origin is list and args:
        return [_decode_value(args[0], v) for v in value]
    return value


def _build(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise CodecError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise CodecError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    return cls(**{k: _decode_value(hints[k], v) for k, v in data.items()})


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
