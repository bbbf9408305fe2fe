"""Config validation errors as an operator reads them: ``file: [section].key: reason``.

pydantic reports a mistake as a location tuple and an English message; this turns each into one
line naming the file, the TOML table and key, the reason and the value given, and for an unknown
key or section the nearest known name ("did you mean ...?", by :mod:`difflib`).
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError


def closest(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest known name, or ""."""
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _model_at(root: type[BaseModel], path: Sequence[int | str]) -> type[BaseModel] | None:
    """The model class that holds the keys at ``path`` (through ``dict[str, Model]`` tables too)."""
    model: Any = root
    skip_key = False
    for part in path:
        if skip_key:  # a key of a dict-of-tables ([platforms.<name>])
            skip_key = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
        if typing.get_origin(annotation) is dict:
            model, skip_key = typing.get_args(annotation)[1], True
        else:
            model = annotation
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _where(loc: Sequence[int | str]) -> str:
    """``("platforms", "weibo", "origin")`` -> ``[platforms.weibo].origin``."""
    if not loc:
        return ""
    table, rest = str(loc[0]), list(loc[1:])
    if table == "platforms" and rest:
        table, rest = f"platforms.{rest[0]}", rest[1:]
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)
    return f"[{table}]{key}"


def _reason(error: Any, root: type[BaseModel]) -> str:
    loc = error["loc"]
    if error["type"] == "extra_forbidden":
        parent = _model_at(root, loc[:-1])
        known = list(parent.model_fields) if parent else []
        what = "section" if len(loc) == 1 else "key"
        return f"unknown {what}{closest(str(loc[-1]), known)} (known: {', '.join(known)})"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str | int | float | bool) and repr(value) not in message:
        message += f" (got {value!r})"
    return message


def describe_errors(exc: ValidationError, root: type[BaseModel], file: str) -> list[str]:
    """One line per mistake: ``<file>: [crawl].page_timeout: Input should be a finite number (got inf)``."""
    lines = []
    for error in exc.errors(include_url=False):
        reason = _reason(error, root)
        where = _where(error["loc"])
        if reason.startswith(f"{where}.") or reason.startswith(f"{where}:"):
            lines.append(f"{file}: {reason}")  # the validator already named the key ([alerts])
        else:
            lines.append(f"{file}: {where}: {reason}" if where else f"{file}: {reason}")
    return lines
