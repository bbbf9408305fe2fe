"""Veto alerts against real receivers on loopback (an HTTP robot endpoint, an SMTP server) and the real ES.

One message per new veto finding per channel; none on the repeat sweep; retried through transient
failures; a receiver that is down gets the message on the next sweep, and only that receiver.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from crawlers.models import Finding
from govpatrol.alerts import Alerter, AlertsConfig, alert_after_sweep, dingtalk_sign
from pipelines.store import Store

BEIJING = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2025, 3, 31, 10, 0, tzinfo=BEIJING)
SECRET = "SECloopbacksecret"


# --- receivers ---------------------------------------------------------------------------------


@dataclass
class Robot:
    """A robot webhook endpoint: records every POST; answers 500, then a robot error, as told."""

    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # consumed first
    posts: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self, port: int = 0) -> Robot:
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                robot.posts.append({"query": parse_qs(urlsplit(self.path).query), "body": body})
                status, answer = (
                    robot.answers.pop(0) if robot.answers else (200, {"errcode": 0, "errmsg": "ok"})
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class Mailbox:
    """aiosmtpd handler collecting every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def robots() -> Iterator[list[Robot]]:
    started: list[Robot] = []
    yield started
    for robot in started:
        robot.stop()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


# --- findings ------------------------------------------------------------------------------------


def finding(target_id: str, indicator: str = "SITE-VETO-HOME-STALE", **changes: object) -> Finding:
    fields: dict[str, object] = {
        "target_id": target_id,
        "indicator": indicator,
        "severity": "veto",
        "status": "open",
        "subject_url": f"https://{target_id}.example.gov.cn/",
        "evidence": {"newest": "2025-02-10"},
        "as_of": AS_OF,
        "first_seen": AS_OF,
        "last_seen": AS_OF,
        "message": "首页最新信息发布于 2025-02-10，已 49 天未更新",
        "target_name": f"{target_id} 人民政府",
        "owner": f"{target_id} 人民政府办公室",
        "region": "某某市",
        "sweep_id": "full-1",
    }
    fields |= changes
    return Finding(**fields)  # type: ignore[arg-type]


def sweep_findings() -> list[Finding]:
    """Two open veto violations among findings that must never be alerted."""
    return [
        finding("site-a"),
        finding("acct-b", "ACCOUNT-GONE", kind="account", platform="weibo", message="账号已注销"),
        finding("site-c", level="warning", message="预警：首页 11 天未更新"),
        finding("site-d", "SITE-DED-DEAD-LINK-HOME", severity="deduction", message="首页链接不可用 3 条"),
        finding("site-e", status="rectified"),
        finding("site-f", status="unverified", message="首页无法判断"),
    ]


def config(robots: list[Robot], smtp_port: int | None = None, **extra: Any) -> AlertsConfig:
    table: dict[str, Any] = {"enabled": True, "retries": 3, "timeout_s": 5, "backoff_s": 0.01, **extra}
    table["webhooks"] = [
        {"kind": kind, "url": f"http://127.0.0.1:{robot.port}/send?access_token=T", "secret": secret}
        for robot, kind, secret in zip(robots, ("wecom", "dingtalk"), ("", SECRET), strict=False)
    ]
    if smtp_port:
        table["smtp"] = {
            "host": "127.0.0.1",
            "port": smtp_port,
            "sender": "govpatrol@example.gov.cn",
            "recipients": ["office@example.gov.cn"],
        }
    return AlertsConfig.from_table(table)


# --- tests ---------------------------------------------------------------------------------------


def test_one_message_per_new_veto_finding_on_every_channel_and_none_on_the_repeat_sweep(
    store: Store, robots: list[Robot], mailbox: tuple[Mailbox, int]
) -> None:
    box, smtp_port = mailbox
    wecom, dingtalk = Robot().start(), Robot().start()
    robots += [wecom, dingtalk]
    alerter = Alerter(config([wecom, dingtalk], smtp_port), store)
    first = sweep_findings()
    store.upsert_findings(first)
    vetoes = sorted([first[0].id, first[1].id])

    report = alerter.notify(first, {"id": "full-1"})

    assert sorted(report.sent) == vetoes
    assert report.failed == []
    assert len(wecom.posts) == 2
    assert len(dingtalk.posts) == 2
    assert len(box.messages) == 2
    wecom_texts = sorted(p["body"]["markdown"]["content"] for p in wecom.posts)
    assert (
        "【政务巡网预警】acct-b 人民政府办公室 acct-b 人民政府：账号已注销，首次发现 2025-03-31"
        in wecom_texts[0]
    )
    assert (
        "【政务巡网预警】site-a 人民政府办公室 site-a 人民政府：首页最新信息发布于 2025-02-10"
        in wecom_texts[1]
    )
    for post in dingtalk.posts:  # signed as DingTalk requires: the sign matches the timestamp sent
        assert post["body"]["msgtype"] == "markdown"
        timestamp = int(post["query"]["timestamp"][0])
        assert post["query"]["sign"][0] == unquote_plus(dingtalk_sign(SECRET, timestamp))
        assert post["query"]["access_token"] == ["T"]
    subjects = sorted(m["Subject"] for m in box.messages)
    assert subjects == [
        "【政务巡网预警】acct-b 人民政府：账号已注销或被封禁",
        "【政务巡网预警】site-a 人民政府：首页不更新",
    ]
    assert store.alerted_ids([f.id for f in first]) == set(vetoes)

    # the repeat sweep writes the same findings again: alerted_at survives, nothing is sent
    repeat = sweep_findings()
    for f in repeat:
        f.sweep_id, f.last_seen = "full-2", AS_OF + timedelta(days=1)
    store.upsert_findings(repeat)
    assert store.alerted_ids([f.id for f in repeat]) == set(vetoes)
    new = finding("site-g", "SITE-VETO-COLUMN-STALE", message="栏目不更新 5 个")
    store.upsert_findings([new])

    again = alerter.notify([*repeat, new], {"id": "full-2"})

    assert sorted(again.already) == vetoes
    assert again.sent == [new.id]
    assert len(wecom.posts) == 3
    assert len(dingtalk.posts) == 3
    assert len(box.messages) == 3
    assert "site-g 人民政府：栏目不更新 5 个" in wecom.posts[-1]["body"]["markdown"]["content"]


def test_a_receiver_failing_twice_gets_the_message_after_retries(store: Store, robots: list[Robot]) -> None:
    robot = Robot(answers=[(502, {}), (200, {"errcode": 45009, "errmsg": "api freq out of limit"})]).start()
    robots.append(robot)
    only = finding("site-a")
    store.upsert_findings([only])

    report = Alerter(config([robot]), store).notify([only], {"id": "full-1"})

    assert report.sent == [only.id]
    assert [(d.ok, d.attempts) for d in report.deliveries] == [(True, 3)]
    assert len(robot.posts) == 3
    assert store.alerted_ids([only.id]) == {only.id}


def test_a_receiver_that_is_down_gets_the_message_on_the_next_sweep_and_only_it(
    store: Store, robots: list[Robot]
) -> None:
    wecom = Robot().start()
    robots.append(wecom)
    down = Robot()
    down_port = free_port()  # nothing listens there: connection refused
    hooks = [
        {"kind": "wecom", "url": f"http://127.0.0.1:{wecom.port}/send?key=K", "secret": ""},
        {"kind": "dingtalk", "url": f"http://127.0.0.1:{down_port}/send?access_token=T", "secret": SECRET},
    ]
    alerts = AlertsConfig.from_table({"enabled": True, "retries": 1, "backoff_s": 0.01, "webhooks": hooks})
    only = finding("site-a")
    store.upsert_findings([only])

    report = Alerter(alerts, store).notify([only], {"id": "full-1"})

    assert report.failed == [only.id]
    assert report.sent == []
    failed = [d for d in report.deliveries if not d.ok]
    assert [(d.channel.split(":")[0], d.attempts) for d in failed] == [("dingtalk", 2)]
    assert "access_token" not in failed[0].error
    assert store.alerted_ids([only.id]) == set()
    assert len(wecom.posts) == 1

    robots.append(down.start(down_port))  # the receiver is back for the next sweep
    store.upsert_findings([only])
    later = Alerter(alerts, store).notify([only], {"id": "full-2"})

    assert later.sent == [only.id]
    assert len(down.posts) == 1
    assert len(wecom.posts) == 1  # it already had the message: not sent twice
    assert store.alerted_ids([only.id]) == {only.id}


def test_the_sweep_hook_reads_the_alerts_table_of_a_config_file(
    store: Store, robots: list[Robot], tmp_path: Path
) -> None:
    robot = Robot().start()
    robots.append(robot)
    path = tmp_path / "govpatrol.toml"
    path.write_text(
        "[alerts]\nenabled = true\nbackoff_s = 0.01\n"
        f'webhooks = [{{kind = "wecom", url = "http://127.0.0.1:{robot.port}/send?key=K", format = "text"}}]\n',
        encoding="utf-8",
    )
    findings = sweep_findings()
    store.upsert_findings(findings)

    assert alert_after_sweep(path, None, findings, {"id": "full-1"}) is None  # no ES: no record, no alerts
    assert robot.posts == []
    report = alert_after_sweep(path, store, findings, {"id": "full-1"})

    assert report is not None
    assert len(report.sent) == 2
    assert [p["body"]["msgtype"] for p in robot.posts] == ["text", "text"]
    assert alert_after_sweep({"enabled": False}, store, findings, {}) is None


def test_a_sweep_through_the_cli_alerts_each_new_veto_once_and_its_repeat_not_at_all(
    store: Store, robots: list[Robot], tmp_path: Path
) -> None:
    """End to end: two `govpatrol sweep` runs over the simulated web with a WeCom robot configured."""
    from simweb.server import SimulatedWeb
    from simweb.world import build_world
    from tests.jsonl_runs import of_type, sweep_to_jsonl

    as_of = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
    robot = Robot().start()
    robots.append(robot)
    with SimulatedWeb(build_world(as_of)) as web:
        truth = web.truth()["sites"]
        stale = next(
            i for i, s in truth.items() if s.get("expect", {}).get("SITE-VETO-HOME-STALE") == "violation"
        )
        healthy = next(i for i, s in truth.items() if s["healthy"] and s["reachable"])
        rows = web.write_targets_csv(tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()
        targets = tmp_path / "targets.csv"
        targets.write_text(
            "\n".join([rows[0]] + [r for r in rows[1:] if r.split(",", 1)[0] in (stale, healthy)]) + "\n",
            encoding="utf-8",
        )
        config = web.write_config(tmp_path / "office.toml", es_url=store.cfg.url, index_prefix=store.prefix)
        with config.open("a", encoding="utf-8") as fh:
            fh.write(
                '\n[alerts]\nenabled = true\nwebhooks = [{ kind = "wecom", '
                f'url = "http://127.0.0.1:{robot.port}/cgi-bin/webhook/send?key=test" }}]\n'
            )
        first = sweep_to_jsonl(targets, config, as_of, tmp_path / "first.jsonl")
        after_first = len(robot.posts)
        second = sweep_to_jsonl(targets, config, as_of, tmp_path / "second.jsonl")

    vetoes = [
        f
        for f in of_type(first.records, "finding", status="open", level="violation")
        if f["severity"] == "veto"
    ]
    assert [f["target_id"] for f in vetoes] == [stale]
    assert after_first == len(vetoes) == 1
    assert "政务巡网预警" in json.dumps(robot.posts[0]["body"], ensure_ascii=False)
    assert len(robot.posts) == after_first  # the repeat sweep found the same veto: no second message
    assert of_type(second.records, "finding", target_id=stale, indicator="SITE-VETO-HOME-STALE")
