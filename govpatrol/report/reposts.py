"""The 通报's "重大信息转载情况": per 重大事件, the accounts that reposted late or not at all, with
their delays (from the ``ACCOUNT-REPOST-LATE`` findings seen in the report's period).

Plain text and rows; :mod:`govpatrol.report.outline` lays them out as a heading, a paragraph and a
table per event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawlers.dates import BEIJING
from govpatrol.labels import PLATFORM_LABELS

INDICATOR = "ACCOUNT-REPOST-LATE"
HEADERS = ["序号", "账号", "平台", "主办单位", "地区", "情况", "转载时间", "滞后时长", "转载时限"]


def _when(value: Any) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(str(value)).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _row(n: int, doc: dict[str, Any]) -> list[str]:
    ev = doc.get("evidence") or {}
    late = ev.get("outcome") == "late"
    repost = ev.get("repost") or {}
    delay = ev.get("delay", "")
    return [
        str(n),
        str(doc.get("target_name") or doc.get("target_id", "")),
        PLATFORM_LABELS.get(str(doc.get("platform") or ""), str(doc.get("platform") or "")),
        str(doc.get("owner") or ""),
        str(doc.get("region") or ""),
        "转载超时" if late else "未转载",
        _when(repost.get("date")) if late else f"截至{_when(ev.get('checked_at'))}未转载",
        delay if late else f"{delay}以上",
        _when(ev.get("deadline")),
    ]


@dataclass
class EventPart:
    line: str  # one paragraph: the event and its counts
    title: str  # its table's title
    rows: list[list[str]]


def repost_parts(findings: list[dict[str, Any]]) -> tuple[int, list[EventPart]]:
    """(accounts late or missing, one part per event, oldest event first); (0, []) without findings."""
    docs = [
        d for d in findings if d.get("indicator") == INDICATOR and (d.get("evidence") or {}).get("outcome")
    ]
    events: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        events.setdefault(str(doc["evidence"].get("event_id", "")), []).append(doc)
    parts = []
    ordered = sorted(events.values(), key=lambda group: str(group[0]["evidence"].get("published", "")))
    for i, group in enumerate(ordered, 1):
        ev = group[0]["evidence"]
        group.sort(
            key=lambda d: (
                d["evidence"]["outcome"] != "missing",
                -int(d["evidence"].get("delay_minutes") or 0),
            )
        )
        late = sum(1 for d in group if d["evidence"]["outcome"] == "late")
        title = str(ev.get("event_title", ""))
        line = (
            f"{i}. 重大信息“{title}”（{_when(ev.get('published'))}发布）："
            f"{len(group) - late}个账号未按要求转载，{late}个账号转载超时。"
        )
        rows = [_row(n, d) for n, d in enumerate(group, 1)]
        parts.append(EventPart(line, f"重大信息“{title}”转载超时及未转载账号", rows))
    return len(docs), parts
