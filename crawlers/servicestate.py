"""Where ``govpatrol services`` keeps its state file, and the service URLs recorded in it.

The application writes the file (:mod:`govpatrol.services`); the SSRF guard reads it
(:mod:`crawlers.guard`) so the local Elasticsearch and Redis are never fetched from crawled content.
A module of its own so that both import it without loading the crawler.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

#: ``GOVPATROL_RUN_DIR`` overrides the directory
RUN_DIR_ENV = "GOVPATROL_RUN_DIR"
DEFAULT_RUN_DIR = "/tmp/govpatrol-services"  # noqa: S108 - one place every worktree and command finds
STATE_LABELS = {"elasticsearch": "Elasticsearch", "redis": "Redis"}


def services_run_dir() -> Path:
    """The directory of the services state file and logs."""
    return Path(os.environ.get(RUN_DIR_ENV, DEFAULT_RUN_DIR))


def services_state_file() -> Path:
    return services_run_dir() / "state.json"


def recorded_service_urls() -> list[tuple[str, str]]:
    """``(label, url)`` of each service the state file records (none when there is no readable file)."""
    try:
        state = json.loads(services_state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(state, dict):
        return []
    found = []
    for key, label in STATE_LABELS.items():
        entry = state.get(key)
        if isinstance(entry, dict) and isinstance(entry.get("url"), str):
            found.append((label, entry["url"]))
    return found
