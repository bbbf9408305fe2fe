"""Replay a page object against recorded replies: the unit-test harness for platform modules.

A recorded case is a folder ``tests/fixtures/platforms/<key>/<case>/`` holding
- ``meta.json``: ``{"target": {Target fields}, "now": ISO 8601, "settings": {"cookies": {}, "credentials": {}}}``
- ``input.json``: the replies in order, one per Fetch the page object makes:
  ``[{"url_contains": "/api/container/getIndex", "status": 200, "headers": {}, "body_file": "01.json"}, ...]``
  (``body`` inline instead of ``body_file``; ``error`` for a network failure; ``captured``:
  ``[{"url": ..., "status": 200, "body_file": ...}]`` and ``page_text`` for browser fetches)
- ``expected.json``: ``{"state": ..., "latest": ISO 8601 | null, "reason_contains": "...",
  "latest_id": "...", "posts": N, "fetches": N, "browser": bool}`` (keys other than state optional)
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from crawlers.models import Target
from crawlers.platforms.base import AccountResult, Captured, Fetch, PlatformSettings, Reply

MAX_STEPS = 12  # a page object that asks for more than this is looping


def _body(folder: Path, spec: dict[str, Any], key: str = "body") -> str:
    if f"{key}_file" in spec:
        return (folder / spec[f"{key}_file"]).read_text(encoding="utf-8")
    return str(spec.get(key, ""))


def replay(
    po: ModuleType,
    target: Target,
    now: datetime,
    replies: list[dict[str, Any]],
    folder: Path,
    settings: PlatformSettings | None = None,
) -> tuple[AccountResult, list[Fetch]]:
    """Drive ``po`` with the recorded replies; returns its result and the fetches it asked for."""
    fetches: list[Fetch] = []
    step: Fetch | AccountResult = po.start(target, settings or PlatformSettings())
    for spec in replies:
        if isinstance(step, AccountResult):
            raise AssertionError(
                f"page object finished after {len(fetches)} fetches; {len(replies)} replies recorded"
            )
        fetches.append(step)
        wanted = spec.get("url_contains", "")
        if wanted and wanted not in step.url:
            raise AssertionError(
                f"fetch {len(fetches)}: expected a URL containing {wanted!r}, got {step.url!r}"
            )
        reply = Reply(
            fetch=step,
            url=step.url,
            status=spec.get("status"),
            headers={k.lower(): v for k, v in spec.get("headers", {}).items()},
            text=_body(folder, spec),
            error=spec.get("error"),
            captured=[
                Captured(url=c["url"], status=c.get("status", 200), text=_body(folder, c))
                for c in spec.get("captured", [])
            ],
            page_text=spec.get("page_text", ""),
        )
        step = po.next(reply, target, now)
        if len(fetches) > MAX_STEPS:
            raise AssertionError("page object is looping")
    if not isinstance(step, AccountResult):
        raise AssertionError(f"page object wants another fetch ({step.url}) but no reply is recorded")
    return step, fetches


def load_case(
    folder: Path,
) -> tuple[Target, datetime, list[dict[str, Any]], dict[str, Any], PlatformSettings]:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    replies = json.loads((folder / "input.json").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    target = Target(**meta["target"])
    now = datetime.fromisoformat(meta["now"])
    settings = PlatformSettings(**meta.get("settings", {}))
    return target, now, replies, expected, settings
