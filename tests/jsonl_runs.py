"""Crawls and sweeps run in a subprocess and read back as JSON Lines, for the end-to-end tests.

A crawl owns its process's Twisted reactor (it cannot be restarted), so the spider and sweep tests
run each one in a fresh interpreter: the crawl through ``tests.integration.crawl_to_jsonl``, the
sweep through the real CLI. A failing run fails the test with the tail of its stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from crawlers.models import LinkCheck, PageObservation
from crawlers.records import record_from_dict
from pipelines.rules import column_kind
from pipelines.rules.base import Rules
from pipelines.rules.link_state import LinkState, judge_link

T = TypeVar("T")


@dataclass
class Run:
    """What a subprocess run wrote: its JSON lines, parsed and as text, and its stdout and stderr."""

    lines: list[str]
    stdout: str
    stderr: str
    records: list[dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.records = [json.loads(line) for line in self.lines]


def run_to_jsonl(args: list[str], out: Path, timeout: float, env: dict[str, str] | None = None) -> Run:
    """``python <args>`` (which writes JSON Lines to ``out``), asserted to exit 0."""
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return Run(out.read_text(encoding="utf-8").splitlines(), proc.stdout, proc.stderr)


def crawl_to_jsonl(
    targets: Path,
    config: Path,
    as_of: datetime,
    mode: str,
    out: Path,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> Run:
    """One crawl (sites and accounts of ``targets``); its last record is the crawl's stats."""
    args = ["-m", "tests.integration.crawl_to_jsonl", str(targets), str(config), as_of.isoformat(), mode]
    return run_to_jsonl([*args, str(out)], out, timeout, env)


def sweep_to_jsonl(targets: Path, config: Path, as_of: datetime, out: Path, timeout: float = 600) -> Run:
    """One ``govpatrol sweep`` through the CLI, quiet, with its JSON Lines in ``out``."""
    args = ["-m", "govpatrol", "sweep", "--targets", str(targets), "--as-of", as_of.isoformat()]
    args += ["--output", str(out), "--config", str(config), "--quiet"]
    return run_to_jsonl(args, out, timeout)


def of_type(items: list[dict[str, Any]], kind: str, **match: Any) -> list[dict[str, Any]]:
    """The records of type ``kind`` whose fields equal ``match``."""
    return [i for i in items if i["type"] == kind and all(i.get(k) == v for k, v in match.items())]


def parse_date(value: str | None) -> datetime | None:
    """An ISO date from a record, ``None`` for an empty one."""
    return datetime.fromisoformat(value) if value else None


# ---------------------------------------------------------------- the crawl's facts, judged by the rules

SHIPPED_RULES = Rules.load()


def record_of(cls: type[T], record: dict[str, Any]) -> T:
    """A crawl record (``to_dict()`` plus ``type``) as the record it was."""
    return record_from_dict(cls, {k: v for k, v in record.items() if k != "type"})


def link_state(record: dict[str, Any], rules: Rules = SHIPPED_RULES) -> LinkState:
    """What the dead-link rules conclude of one recorded link check (no earlier tries)."""
    return judge_link(record_of(LinkCheck, record), [], rules)


def column_judged(record: dict[str, Any], rules: Rules = SHIPPED_RULES) -> tuple[str, bool]:
    """(category, empty) the column rules conclude of one recorded column page."""
    page = record_of(PageObservation, record)
    return column_kind.category(page.column_name, rules), column_kind.is_empty(page, rules)
