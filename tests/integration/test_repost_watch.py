"""The repost watch end to end, on the real Elasticsearch and the simulated platforms: `govpatrol
event add`, then `event watch` runs (the scheduler's job) at chosen check times, `event show`.

Asserted against the planted event's ground truth (simweb/reposts.py): every account's status,
repost time and delay; the duty officer's alert before the deadline names the accounts not seen
yet and the one at the deadline those still missing, each sent once however often the watch runs;
the ACCOUNT-REPOST-LATE findings and the 通报's 重大信息转载情况 carry the delays.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from typing import Any

import pytest

from crawlers.config import ElasticsearchConfig
from govpatrol.cli import main
from govpatrol.events import event_rows
from govpatrol.report import write_report
from pipelines.store import Store
from simweb.reposts import KEYWORDS, REGION, TITLE, URL, repost_world
from simweb.server import SimulatedWeb
from simweb.verify import compare_reposts
from simweb.world import build_world
from tests.integration.test_alerts import Robot

AS_OF = datetime.fromisoformat("2026-10-08T10:00:00+08:00")  # after 国庆: the WeChat case spans the holiday
M = timedelta(minutes=1)


def cli(*args: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


def watch(office: dict[str, Any], at: datetime) -> str:
    """`govpatrol event watch` in its own process (a crawl owns its reactor)."""
    argv = [
        sys.executable,
        "-m",
        "govpatrol",
        "event",
        "watch",
        *office["args"],
        "--as-of",
        at.isoformat(),
        "--quiet",
    ]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    office["alerts_after"].append(len(office["robot"].posts))
    return run.stderr


@pytest.fixture(scope="module")
def office(tmp_path_factory, es_url: str, measurements) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("reposts")
    store = Store(ElasticsearchConfig(url=es_url, index_prefix=f"govpatrol-test-{uuid.uuid4().hex[:8]}"))
    store.ensure_indices()
    web = SimulatedWeb(build_world(AS_OF), accounts=repost_world(AS_OF)).start()
    robot = Robot().start()
    try:
        rows = list(csv.reader(web.write_targets_csv(tmp / "all.csv").open(encoding="utf-8")))
        targets = tmp / "accounts.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[1] == "account"])
        config = web.write_config(tmp / "office.toml", es_url=es_url, index_prefix=store.prefix)
        with config.open("a", encoding="utf-8") as fh:
            fh.write(
                "\n[alerts]\nenabled = true\nretries = 0\n"
                f'webhooks = [{{kind = "wecom", url = "http://127.0.0.1:{robot.port}/send?key=k"}}]\n'
                "\n[events]\nalert_lead_minutes = 30\n"
            )
        truth = web.truth()["reposts"]
        published = datetime.fromisoformat(truth["event"]["published"])
        args = ["--targets", str(targets), "--config", str(config)]
        event_id = cli("event", "add", *args, "--region", REGION, "--title", TITLE, "--url", URL,
                       "--keywords", ",".join(KEYWORDS), "--published", published.isoformat()).strip()  # fmt: skip
        office = {"store": store, "robot": robot, "args": args, "id": event_id, "truth": truth,
                  "published": published, "alerts_after": [], "config": config, "tmp": tmp}  # fmt: skip
        started = datetime.now()
        for at in (published + 100 * M, published + 110 * M, published + 125 * M, published + 140 * M, AS_OF):
            office.setdefault("stderr", []).append(watch(office, at))
        measurements["repost watch (10 accounts, 5 event watch runs)"] = (
            f"{(datetime.now() - started).total_seconds():.1f} s"
        )
        yield office
    finally:
        robot.stop()
        web.stop()
        store.delete_indices()


def rows_at(office: dict[str, Any], at: datetime) -> dict[str, dict[str, Any]]:
    office["store"].refresh()
    return {r["target_id"]: r for r in event_rows(office["store"], office["id"], at)}


def test_every_planted_account_is_judged_right_at_the_check_time(office) -> None:
    shown = cli("event", "show", office["id"], "--config", str(office["config"]), "--as-of", AS_OF.isoformat(),
                "--format", "json")  # fmt: skip
    rows = [json.loads(line) for line in shown.splitlines()]
    assert compare_reposts(office["truth"], rows) == []
    assert [r["status"] for r in rows][:2] == ["missing", "missing"]  # most urgent first
    assert rows[-1]["status"] == "reposted"


def test_the_table_follows_the_check_time(office) -> None:
    published = office["published"]
    before = rows_at(office, published + 100 * M)
    assert before["E01"]["status"] == "reposted"
    assert before["E01"]["delay"] == "25分"
    assert before["E02"]["status"] == "pending"
    assert before["E02"]["seconds_left"] == 20 * 60
    at_deadline = rows_at(office, published + 125 * M)
    assert at_deadline["E03"]["status"] == "missing"  # its repost comes at 2 h 10 min
    later = rows_at(office, published + 140 * M)
    assert (later["E03"]["status"], later["E03"]["delay_minutes"], later["E03"]["overdue"]) == (
        "late",
        130,
        "10分",
    )
    assert later["E07"]["deadline_kind"] == "working_day"
    assert later["E07"]["status"] == "pending"


def test_the_terminal_table_has_chinese_headers(office) -> None:
    shown = cli(
        "event", "show", office["id"], "--config", str(office["config"]), "--as-of", AS_OF.isoformat()
    )
    for header in ("单位", "账号", "平台", "状态", "转载时间", "滞后", "时限"):
        assert header in shown
    assert "转载超时" in shown
    assert "未转载" in shown
    assert "无法核实" in shown


def test_one_alert_before_the_deadline_and_one_at_it_each_sent_once(office) -> None:
    assert office["alerts_after"] == [1, 1, 2, 2, 2]
    pre, due = (json.dumps(p["body"], ensure_ascii=False) for p in office["robot"].posts)
    assert "转载时限将至" in pre
    assert "还剩20分" in pre
    for not_yet in ("昆山融媒", "昆山应急", "昆山水务", "昆山气象", "昆山交通", "昆山政务服务"):
        assert not_yet in pre, not_yet
    for seen_or_later in ("昆山发布", "昆山警方", "昆山教育", "健康昆山"):
        assert seen_or_later not in pre, seen_or_later
    assert "转载时限已到" in due
    assert "无法核实" in due
    for missing in ("昆山应急", "昆山水务", "昆山气象", "昆山交通", "昆山政务服务"):
        assert missing in due, missing
    assert "昆山融媒" not in due  # reposted at 1 h 50 min, before the deadline


def test_late_and_missing_accounts_are_findings_with_their_delays(office) -> None:
    store = office["store"]
    store.refresh()
    docs = store.search_all("findings", {"term": {"indicator": "ACCOUNT-REPOST-LATE"}}, [{"id": "asc"}])
    by_target = {d["target_id"]: d for d in docs}
    assert {t: d["status"] for t, d in by_target.items()} == {
        "E03": "open", "E04": "open", "E06": "open", "E08": "unverified", "E09": "open",
    }  # fmt: skip
    assert by_target["E03"]["evidence"]["delay_minutes"] == 130
    assert by_target["E03"]["subject_url"].startswith("https://www.163.com/dy/article/")
    assert by_target["E09"]["evidence"]["delay"] == "3小时"
    assert by_target["E04"]["evidence"]["outcome"] == "missing"
    assert all(d["subject"] == f"event:{office['id']}" and d["severity"] == "deduction" for d in docs)


def test_the_report_lists_late_and_missing_accounts_with_their_delays(office) -> None:
    store = office["store"]
    sweeps = store.search_all(
        "sweeps", {"term": {"kind": "watch"}}, [{"as_of": "desc"}, {"id": "asc"}], limit=1
    )
    path = write_report(store, sweep_id=sweeps[0]["id"], fmt="md", out=office["tmp"] / "通报.md")
    text = path.read_text(encoding="utf-8")
    assert "重大信息转载情况（4个账号）" in text
    assert "2个账号未按要求转载，2个账号转载超时" in text
    section = text[text.index("重大信息转载情况") :]
    assert "昆山应急" in section
    assert "2小时10分" in section
    assert "昆山水务" in section
    assert "昆山发布" not in section  # reposted in time


def test_a_closed_event_is_no_longer_watched(office) -> None:
    listed = cli("event", "list", "--config", str(office["config"]))
    assert office["id"] in listed
    cli("event", "close", office["id"], "--config", str(office["config"]))
    assert office["id"] not in cli("event", "list", "--status", "open", "--config", str(office["config"]))
    stderr = watch(office, AS_OF + 30 * M)
    assert "no open event" in stderr
    assert main(["event", "show", "ev-nope", "--config", str(office["config"])]) == 2
