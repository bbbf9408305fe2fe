"""The scheduler's ``events`` job starts the repost watch only while a 重大事件 is open.

Every ``[events] watch_minutes`` the job asks the store its config names how many events are open
(one count, in the scheduler's process): none open, the run ends there -- it still counts as a run,
exit 0 -- and no ``govpatrol event watch`` process is started. An open event starts the command;
so does any doubt (no store named, a store that does not answer): the command looks itself and
says why it cannot.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from crawlers.config import Config, load_config
from crawlers.dates import BEIJING
from govpatrol.events import Scope, new_event, open_event_store
from pipelines.store import Store
from scheduler.jobs import command_prefix, run_job
from simweb.server import free_closed_port
from spiders.arguments import load_registry

AT = datetime(2025, 7, 1, 16, 0, tzinfo=BEIJING)
ROWS = [
    "id,kind,name,owner,region,url,platform,account_id",
    "A1,account,昆山发布,昆山市人民政府新闻办公室,江苏省苏州市昆山市,https://weibo.com/u/1000000001,weibo,1000000001",
]


class RecordingRunner:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def run(self, argv: list[str], *, timeout: float) -> int:
        self.calls.append(argv)
        return 0


def config(tmp_path: Path, es: str) -> Config:
    (tmp_path / "targets.csv").write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    path = tmp_path / "govpatrol.toml"
    path.write_text(
        f'[elasticsearch]\n{es}\n\n[scheduler]\ntargets = "targets.csv"\nstate_dir = "state"\n',
        encoding="utf-8",
    )
    return load_config(path)


def watch_started(cfg: Config) -> bool:
    """One ``events`` run: did it start ``govpatrol event watch``? (It exits 0 either way here.)"""
    runner = RecordingRunner()
    assert run_job("events", cfg, AT, runner) == 0
    assert [argv[len(command_prefix()) : len(command_prefix()) + 2] for argv in runner.calls] in (
        [],
        [["event", "watch"]],
    )
    return bool(runner.calls)


def test_the_repost_watch_starts_only_while_an_event_is_open(tmp_path: Path, store: Store, monkeypatch):
    monkeypatch.delenv("GOVPATROL_ES_URL", raising=False)
    cfg = config(tmp_path, f'url = "{store.url}"\nindex_prefix = "{store.prefix}"')
    assert not watch_started(cfg)  # no event was ever added

    events = open_event_store(store)
    registry = load_registry(tmp_path / "targets.csv")
    event = new_event(
        registry, Scope(), title="通告", url="", keywords=[], published=AT, deadline="2h", now=AT
    )
    events.save(event)
    assert watch_started(cfg)

    events.close(event, AT)
    assert not watch_started(cfg)  # closed: nothing left to watch


def test_in_doubt_the_command_runs_and_looks_itself(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("GOVPATROL_ES_URL", raising=False)
    # no store named: the command finds the node `services start` recorded (or says there is none)
    assert watch_started(config(tmp_path, ""))
    # a store that does not answer: the command reports it (exit 1, the next run looks again)
    assert watch_started(config(tmp_path, f'url = "http://127.0.0.1:{free_closed_port()}"'))
