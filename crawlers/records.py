"""Records back from their JSON form: a dataclass rebuilt from the dict ``Record.to_dict`` gave.

Fields are rebuilt from the dataclasses' own type hints (datetimes from ISO 8601 with their offset,
nested records such as ``DatedItem`` and ``LinkRef``), so a field added to a record travels without
a change here. Used by the distributed codec (worker -> coordinator) and by the replay of stored
observations (Elasticsearch -> the judge).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


class RecordError(ValueError):
    """A dict that is not the given record (not an object, or fields the record does not have)."""


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if hint is datetime:
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return record_from_dict(hint, value)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):  # X | None
        inner = [a for a in args if a is not type(None)]
        return _value(inner[0], value) if len(inner) == 1 else value
    if origin is list and args:
        return [_value(args[0], v) for v in value]
    return value


def record_from_dict(cls: type[T], data: Any, *, extra: str = "refuse") -> T:
    """``cls`` rebuilt from ``data``; fields ``cls`` lacks are refused (``extra="refuse"``) or
    dropped (``extra="drop"``: documents that carry store-only fields such as ``sweep_id``)."""
    if not isinstance(data, dict):
        raise RecordError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = _hints(typing.cast(type, cls))
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - names
    if unknown and extra == "refuse":
        raise RecordError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    return cls(**{k: _value(hints[k], v) for k, v in data.items() if k in names})
