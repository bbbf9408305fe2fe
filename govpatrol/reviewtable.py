"""The review queue as inspectors read it: a Chinese table, the evidence at a glance.

Shared by ``govpatrol review`` and the demo; a web page would render the same :func:`what_matched`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from crawlers.dates import BEIJING
from crawlers.thresholds import load_thresholds


def indicator_label(indicator: str) -> str:
    """The indicator's Chinese name (from the indicator data), else its id."""
    table = load_thresholds().get(indicator)
    return str(table.get("name", indicator)) if isinstance(table, dict) else indicator


def when(value: Any) -> str:
    return datetime.fromisoformat(str(value)).astimezone(BEIJING).strftime("%m-%d %H:%M") if value else ""


def what_matched(doc: dict[str, Any]) -> str:
    """The evidence at a glance: the hidden link and its CSS, the new host, the changes, the term."""
    ev = doc.get("evidence") or {}
    if "technique_name" in ev:
        return f"{ev.get('text') or ev.get('host')} → {ev.get('url')} | {ev['technique_name']}: {ev.get('css', '')[:60]}"
    if "changes" in ev:
        return "; ".join(
            f"{c['kind']}: {c.get('after') or c.get('new') or c.get('hosts') or c.get('similarity')}"
            for c in ev["changes"]
        )
    if "differences" in ev:
        return "; ".join(
            f"{d['variant']}/{d['kind']}: {d.get('hosts') or d.get('title') or d.get('spam_words') or ''}"
            for d in ev["differences"]
        )
    if "what" in ev:
        return f"{ev['what']}: {ev.get('host') or ev.get('signals') or ev.get('url', '')}"
    if "matched" in ev:
        return f"{ev.get('url')}: {ev.get('target_title', '')} {[m['kind'] for m in ev['matched']]}"
    if "term" in ev:
        return f"“{ev['term']}” {ev.get('context', '')[:60]}"
    return str(doc.get("subject_url", ""))


def print_queue(docs: list[dict[str, Any]]) -> None:
    table = Table(title=f"待审核安全事件（{len(docs)}）", show_lines=False)
    for column in ("编号", "单位", "对象", "问题", "命中内容", "首次发现", "最近发现"):
        table.add_column(column, overflow="fold")
    for doc in docs:
        table.add_row(
            str(doc["id"]),
            str(doc.get("owner", "")),
            str(doc.get("target_name") or doc.get("target_id")),
            indicator_label(str(doc.get("indicator", ""))),
            what_matched(doc),
            when(doc.get("first_seen")),
            when(doc.get("last_seen")),
        )
    Console(width=200).print(table)
