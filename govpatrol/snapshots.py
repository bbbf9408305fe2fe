"""Showing a captured page without running it: the snapshot of a hacked page stays inert.

A snapshot holds whatever the attacker put on the page (scripts, frames, event handlers, links to
gambling hosts). It is never served or opened as HTML: :func:`inert_html` turns it into a page that
shows the source as escaped text under a Content-Security-Policy that forbids every script, frame,
form and load, with the screenshot (when Chromium was used) as an inline ``data:`` image. The
escaped source cannot break out of its ``<pre>`` (``<`` and ``&`` are escaped), so the result has
no element the snapshot put there.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

from crawlers.config import Config
from pipelines.snapshots import SnapshotStore, snapshot_root

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'"
)


def inert_html(source: str, *, url: str = "", taken_at: str = "", png: bytes = b"") -> str:
    """A page that shows ``source`` as text (and ``png`` as an image), running nothing of it."""
    picture = ""
    if png:
        picture = f'<h2>截图</h2><img alt="截图" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>页面快照 {escape(url)}</title>"
        "<style>pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:1em}"
        "img{max-width:100%;border:1px solid #999}</style></head><body>"
        f"<h1>页面快照（仅供查看，已停用脚本）</h1><p>网址：{escape(url)}<br>采集时间：{escape(taken_at)}</p>"
        f"{picture}<h2>页面源代码</h2><pre>{escape(source, quote=True)}</pre></body></html>"
    )


def write_inert(config: Config, finding: dict[str, Any], out: Path) -> Path:
    """The finding's snapshot, made inert, written to ``out``."""
    ref = (finding.get("evidence") or {}).get("snapshot") or {}
    if not ref:
        raise ValueError(f"finding {finding.get('id')} has no snapshot")
    store = SnapshotStore(Path(ref.get("root") or snapshot_root(config)))
    png = store.path(ref, "screenshot").read_bytes() if ref.get("screenshot") else b""
    page = inert_html(
        store.read_html(ref), url=str(ref.get("url", "")), taken_at=str(ref.get("taken_at", "")), png=png
    )
    out.write_text(page, encoding="utf-8")
    return out
