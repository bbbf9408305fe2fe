"""JSON Lines output follows its contract: one object per line, typed, Chinese kept."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from crawlers.models import AccountObservation, Finding, LinkCheck, TargetSummary
from pipelines.sinks import JsonLinesSink, MultiSink, observation_doc
from tests.unit.factories import AS_OF, HOME, homepage, item

FINDING = Finding(
    target_id="site-001",
    indicator="SITE-VETO-HOME-STALE",
    severity="veto",
    status="open",
    subject_url=HOME,
    evidence={"newest_date": "2024-09-01", "days": 21},
    as_of=AS_OF,
    message="首页栏目超过2周未更新",
)
SUMMARY = TargetSummary(
    target_id="site-001",
    kind="site",
    verdict="fail",
    latest_update=AS_OF - timedelta(days=21),
    latest_update_source="homepage",
    name="某某市人民政府",
)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_record_is_one_typed_json_line(tmp_path: Path) -> None:
    out = tmp_path / "sweep.jsonl"
    sink = JsonLinesSink(out)
    sink.write_finding(FINDING)
    sink.write_target(SUMMARY)
    sink.write_observation(observation_doc(homepage(), "sweep-1"))
    sink.write_sweep({"id": "sweep-1", "kind": "patrol", "as_of": AS_OF.isoformat()})
    sink.close()

    finding, target, sweep = lines(out)
    assert finding == {"type": "finding", **FINDING.to_dict()}
    assert finding["id"] == FINDING.id
    assert finding["as_of"] == "2024-09-22T10:00:00+08:00"
    for key in ("target_id", "indicator", "severity", "status", "subject_url", "evidence", "as_of"):
        assert key in finding
    assert target == {"type": "target", **SUMMARY.to_dict()}
    assert target["latest_update"] == "2024-09-01T10:00:00+08:00"
    assert sweep == {"type": "sweep", "id": "sweep-1", "kind": "patrol", "as_of": "2024-09-22T10:00:00+08:00"}


def test_chinese_text_is_written_as_is(tmp_path: Path) -> None:
    out = tmp_path / "sweep.jsonl"
    with_sink = JsonLinesSink(out)
    with_sink.write_finding(FINDING)
    with_sink.close()

    raw = out.read_text(encoding="utf-8")
    assert "首页栏目超过2周未更新" in raw
    assert "\\u" not in raw
    assert raw.endswith("\n")
    assert raw.count("\n") == 1


def test_dash_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    sink = JsonLinesSink("-")
    sink.write_target(SUMMARY)
    sink.close()

    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["name"] == "某某市人民政府"


def test_multisink_sends_every_record_to_every_sink(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    sink = MultiSink(JsonLinesSink(a), JsonLinesSink(b))
    sink.write_finding(FINDING)
    sink.write_target(SUMMARY)
    sink.close()

    assert lines(a) == lines(b)
    assert [d["type"] for d in lines(a)] == ["finding", "target"]


def test_page_observation_doc_flattens_newest_and_is_timestamped() -> None:
    newest = item(3)
    doc = observation_doc(homepage(items=[item(5), newest], newest=newest), "sweep-1")

    assert doc["doc_type"] == "page"
    assert doc["sweep_id"] == "sweep-1"
    assert doc["@timestamp"] == doc["fetched_at"] == AS_OF.isoformat()
    assert "newest" not in doc
    assert doc["newest_date"] == newest.date.isoformat()
    assert (doc["newest_title"], doc["newest_url"]) == (newest.title, newest.url)
    assert (doc["newest_source"], doc["newest_raw"]) == ("text", newest.raw)
    assert len(doc["items"]) == 2


def test_page_without_dated_items_has_empty_newest_fields() -> None:
    doc = observation_doc(homepage(newest_days=None), "sweep-1")

    assert doc["newest_date"] is None
    assert doc["navigation_only"] is True


def test_link_check_doc_is_typed_link_and_stamped_when_checked() -> None:
    link = LinkCheck(
        target_id="site-001",
        url=f"{HOME}gone.html",
        kind="page",
        found_on=[HOME],
        on_homepage=True,
        checked_at=AS_OF,
        status=404,
        internal=True,
    )
    doc = observation_doc(link, "sweep-1")

    assert (doc["doc_type"], doc["@timestamp"], doc["status"]) == ("link", AS_OF.isoformat(), 404)
    assert doc["found_on"] == [HOME]


def test_account_observation_doc_is_typed_account_and_stamped_when_fetched() -> None:
    latest = AS_OF - timedelta(days=20)
    obs = AccountObservation(
        target_id="A001",
        platform="weibo",
        url="https://m.weibo.cn/u/1234567890",
        fetched_at=AS_OF,
        state="latest",
        latest=latest,
        latest_post={"id": "4700000000000003", "pinned": False, "raw": "Thu Sep 26 10:00:00 +0800 2024"},
        post_dates=[latest, latest - timedelta(days=2)],
        name="苏州发布",
        requests=2,
    )
    doc = observation_doc(obs, "sweep-1")

    assert (doc["doc_type"], doc["@timestamp"], doc["sweep_id"]) == ("account", AS_OF.isoformat(), "sweep-1")
    assert (doc["platform"], doc["state"], doc["latest"]) == ("weibo", "latest", latest.isoformat())
    assert doc["post_dates"][0] == latest.isoformat()
    assert doc["browser"] is False
