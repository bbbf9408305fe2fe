"""What a person sees in the terminal: live progress while a sweep runs, a summary table after it."""

from __future__ import annotations

import sys
import time
from collections import Counter
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from crawlers.thresholds import load_thresholds

if TYPE_CHECKING:
    from crawlers.models import TargetSummary
    from pipelines.recorder import SweepResult

_err = Console(stderr=True)
VERDICTS = ("pass", "fail", "unverified")
SCORE_NOTE = (
    "a site's 100 points minus its deductions (dead links, policy columns ...; each indicator up to "
    "its cap); below 60 the site fails even without a veto (crawlers/data/indicators.toml [scoring])"
)


class SweepProgress:
    """A progress bar on a terminal; on a log (CI, cron) a line every few targets instead."""

    def __init__(self, total: int, enabled: bool = True) -> None:
        self.total = total
        self.enabled = enabled and total > 0
        self.live = self.enabled and _err.is_terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._last_line = 0.0
        self.counts = {"pass": 0, "fail": 0, "unverified": 0}

    def __enter__(self) -> SweepProgress:
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]sweep[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=_err,
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task("", total=self.total)
        elif self.enabled:
            print(f"sweep: {self.total} targets planned", file=sys.stderr, flush=True)
        return self

    def advance(self, done: int, total: int, summary: TargetSummary) -> None:
        self.counts[summary.verdict] = self.counts.get(summary.verdict, 0) + 1
        text = "pass {pass} · fail {fail} · unverified {unverified}".format(**self.counts)
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task, completed=done, description=f"{text} · last {summary.target_id}"
            )
        elif self.enabled:
            now = time.monotonic()
            if done == total or now - self._last_line >= 2.0:
                self._last_line = now
                print(f"sweep: {done}/{total} targets judged ({text})", file=sys.stderr, flush=True)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()


def print_summary(result: SweepResult, output: str | None = None, console: Console | None = None) -> None:
    """The closing table: targets and verdicts, then findings by indicator (violations, warnings)."""
    console = console or Console(width=None if sys.stdout.isatty() else 140)  # logs: no cramped tables
    names = {k: v.get("name", "") for k, v in load_thresholds().items() if isinstance(v, dict)}
    verdicts = result.verdicts()
    elapsed = result.stats.get("elapsed_s", 0.0)

    head = Table(title=f"sweep {result.sweep_id}", show_header=True, header_style="bold")
    for col in ("", "targets", "pass", "fail", "unverified", "requests", "time"):
        head.add_column(col, justify="right" if col else "left")
    for label, kind in (("sites", "site"), ("accounts", "account")):
        mine: Counter[str] = Counter(s.verdict for s in result.summaries if s.kind == kind)
        if mine:
            head.add_row(label, str(sum(mine.values())), *(str(mine[v]) for v in VERDICTS), "", "")
    head.add_row(
        "all",
        str(len(result.summaries)),
        *(str(verdicts[v]) for v in VERDICTS),
        str(result.stats.get("requests", "?")),
        f"{elapsed:.1f} s",
    )
    console.print(head)

    by_ind = result.by_indicator()
    warn = result.warnings()
    unverified = {f.indicator for f in result.findings if f.status == "unverified"}
    _print_not_passing(console, result, names)
    _print_accounts(console, result)
    table = Table(title="findings by indicator", header_style="bold")
    table.add_column("indicator", no_wrap=True)
    table.add_column("名称", no_wrap=True)
    table.add_column("violations", justify="right")
    table.add_column("warnings (预警)", justify="right")
    for ind in sorted(set(by_ind) | set(warn) | unverified):
        table.add_row(ind, names.get(ind, ""), str(by_ind.get(ind, 0)), str(warn.get(ind, 0)))
    console.print(table)
    total_open = sum(by_ind.values())
    console.print(
        f"findings: {len(result.findings)} ({total_open} open violations, {sum(warn.values())} warnings, "
        f"{sum(1 for f in result.findings if f.status == 'unverified')} unverified)"
    )
    if any(s.score is not None for s in result.summaries):
        console.print(f"score: {SCORE_NOTE}")
    if output:
        console.print(f"JSON Lines: {output}")


def _print_not_passing(console: Console, result: SweepResult, names: dict[str, str], limit: int = 25) -> None:
    """Name the sites that failed or could not be verified: what an inspector looks at first."""
    rows = sorted(
        (s for s in result.summaries if s.verdict != "pass"), key=lambda s: (s.verdict, s.target_id)
    )
    if not rows:
        return
    problems: dict[str, list[str]] = {}
    for f in result.findings:
        if f.level == "violation" and f.status == "open" and f.severity == "veto":
            problems.setdefault(f.target_id, []).append(names.get(f.indicator, f.indicator))
        elif f.status == "unverified":
            problems.setdefault(f.target_id, []).append(f.message or f"未能核实: {f.indicator}")
    table = Table(title="targets not passing", header_style="bold")
    for col in ("id", "name", "verdict", "score", "latest update", "problems"):
        table.add_column(col, no_wrap=col != "problems")
    for s in rows[:limit]:
        latest = s.latest_update.isoformat() if s.latest_update is not None else "-"
        score = "-" if s.score is None else f"{s.score:g}"
        why = "、".join(dict.fromkeys(problems.get(s.target_id, []))) or f"score {score}"
        table.add_row(s.target_id, s.name, s.verdict, score, latest[:10], why)
    console.print(table)
    if len(rows) > limit:
        console.print(f"... and {len(rows) - limit} more (see the JSON Lines or Elasticsearch)")


def _print_accounts(console: Console, result: SweepResult) -> None:
    """Accounts by platform: how many were checked and what became of them."""
    accounts = [s for s in result.summaries if s.kind == "account"]
    if not accounts:
        return
    zombies = {
        f.target_id
        for f in result.findings
        if f.indicator == "ACCOUNT-VETO-NO-UPDATE" and f.level == "violation" and f.status == "open"
    }
    table = Table(title="accounts by platform", header_style="bold")
    for col in ("platform", "accounts", "pass", "not updated (僵尸)", "gone", "unverified"):
        table.add_column(col, justify="right" if col != "platform" else "left")
    platforms = sorted({s.platform or "?" for s in accounts})
    for platform in platforms:
        rows = [s for s in accounts if (s.platform or "?") == platform]
        table.add_row(
            platform,
            str(len(rows)),
            str(sum(1 for s in rows if s.verdict == "pass")),
            str(sum(1 for s in rows if s.target_id in zombies)),
            str(sum(1 for s in rows if s.state == "gone")),
            str(sum(1 for s in rows if s.verdict == "unverified")),
        )
    console.print(table)
