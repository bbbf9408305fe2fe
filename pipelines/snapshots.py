"""Snapshots of watched pages on disk: the evidence a security finding points at.

A snapshot is the page's HTML as the watch fetched it (capped), gzip-compressed, and the PNG
screenshot when Chromium was used. Files are named by the HTML's sha256, under the target's folder,
so the same look is stored once however many patrols and findings point at it. The HTML is stored
with a ``.snapshot.gz`` name, never ``.html``: opened by mistake it is not a page a browser runs;
showing it is the job of :mod:`govpatrol.snapshots`, which renders it inert.
"""

from __future__ import annotations

import base64
import gzip
import os
import re
from pathlib import Path
from typing import Any

from crawlers.config import Config
from crawlers.watchmodels import PageSnapshot

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def snapshot_root(config: Config) -> Path:
    """``[security] snapshot_dir``, else ``snapshots`` in the state directory (``[scheduler] state_dir``,
    else ``$XDG_STATE_HOME/govpatrol``); relative paths are relative to the config file."""
    chosen = config.security.snapshot_dir
    if not chosen and config.scheduler.state_dir:
        chosen = str(Path(config.scheduler.state_dir) / "snapshots")
    if not chosen:
        base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        return Path(base) / "govpatrol" / "snapshots"
    path = Path(chosen).expanduser()
    if not path.is_absolute() and config.source:
        path = Path(config.source).resolve().parent / path
    return path


class SnapshotStore:
    """Writes and reads snapshots under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, snap: PageSnapshot) -> dict[str, Any]:
        """Write the snapshot (once per digest); its reference for a finding's evidence."""
        folder = self.root / _SAFE.sub("_", snap.target_id)
        folder.mkdir(parents=True, exist_ok=True)
        html = folder / f"{snap.digest}.snapshot.gz"
        if not html.exists():
            partial = html.with_suffix(".partial")
            partial.write_bytes(gzip.compress(snap.html.encode("utf-8")))
            partial.replace(html)
        ref: dict[str, Any] = {
            "html": str(html.relative_to(self.root)),
            "digest": snap.digest,
            "url": snap.url,
            "variant": snap.variant,
            "taken_at": snap.taken_at.isoformat(),
            "truncated": snap.truncated,
            "bytes": len(snap.html.encode("utf-8")),
            "screenshot": "",
            "root": str(self.root),
        }
        if snap.screenshot_b64:
            png = folder / f"{snap.digest}.png"
            if not png.exists():
                png.write_bytes(base64.b64decode(snap.screenshot_b64))
            ref["screenshot"] = str(png.relative_to(self.root))
        return ref

    def path(self, ref: dict[str, Any], key: str = "html") -> Path:
        """The file a reference names (refused when it would leave the snapshot folder)."""
        root = Path(ref.get("root") or self.root).resolve()
        path = (root / str(ref.get(key) or "")).resolve()
        if root not in path.parents:
            raise ValueError(f"snapshot reference outside {root}: {ref.get(key)!r}")
        return path

    def read_html(self, ref: dict[str, Any]) -> str:
        return gzip.decompress(self.path(ref).read_bytes()).decode("utf-8", "replace")
