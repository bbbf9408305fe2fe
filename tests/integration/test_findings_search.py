"""`govpatrol findings` against the real Elasticsearch: a known set of seven findings, each filter and
each format returning exactly the expected rows in region / owner / indicator order."""

from __future__ import annotations

import argparse
import csv
import io
import json
import socket
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from crawlers.dates import BEIJING
from crawlers.models import Finding
from govpatrol.cli import findings as cli_findings
from govpatrol.cli.findings import HEADERS, TABLE_COLUMNS
from govpatrol.findings_search import search
from pipelines.store import Store

RECENT = (datetime.now(BEIJING) - timedelta(days=2)).replace(microsecond=0)


def finding(key: str, **fields: object) -> Finding:
    base: dict = {
        "target_id": key,
        "indicator": "SITE-VETO-HOME-STALE",
        "severity": "veto",
        "status": "open",
        "subject_url": f"https://{key}.gov.cn/",
        "evidence": {"why": key},
        "as_of": datetime(2025, 3, 1, 9, 0, tzinfo=BEIJING),
        "kind": "site",
        "first_seen": datetime(2025, 3, 1, 9, 0, tzinfo=BEIJING),
        "sweep_id": "full-2025q1",
    }
    base.update(fields)
    return Finding(**base)


# Named by the order the search must return them in: region, then owner, then indicator.
F = {
    "nj-link": finding(
        "nj-gaj",
        indicator="SITE-DED-DEAD-LINK",
        severity="deduction",
        points=0.1,
        region="江苏省南京市",
        owner="南京市公安局",
        target_name="南京市公安局网站",
        subject="https://nj-gaj.gov.cn/a/1.html",
        message="其他页面链接不可用：/a/1.html 返回 404",
        last_seen=datetime(2025, 3, 8, 9, 0, tzinfo=BEIJING),
    ),
    "nj-home-link": finding(
        "nj-gaj",
        indicator="SITE-DED-DEAD-LINK-HOME",
        severity="deduction",
        points=1.0,
        region="江苏省南京市",
        owner="南京市公安局",
        target_name="南京市公安局网站",
        subject="https://nj-gaj.gov.cn/old.html",
        message="首页链接不可用：/old.html 返回 404",
        last_seen=datetime(2025, 3, 12, 9, 0, tzinfo=BEIJING),
    ),
    "wx-gone": finding(
        "wx-scjg-wechat",
        indicator="ACCOUNT-GONE",
        status="unverified",
        kind="account",
        platform="wechat",
        region="江苏省无锡市",
        owner="无锡市市场监督管理局",
        target_name="无锡市场监管",
        message="账号主页无法访问，待核实",
        first_seen=datetime(2025, 3, 5, 10, 0, tzinfo=BEIJING),
        last_seen=RECENT,
    ),
    "sz-home": finding(
        "sz-gov",
        region="江苏省苏州市",
        owner="苏州市人民政府办公室",
        target_name="苏州市人民政府门户网站",
        site_code="3205000001",
        message="首页最新信息发布于 2025-02-20，已 18 天未更新",
        last_seen=datetime(2025, 3, 10, 0, 30, tzinfo=BEIJING),  # 2025-03-09 16:30 UTC
    ),
    "sz-police-weibo": finding(
        "sz-gaj-weibo",
        indicator="ACCOUNT-VETO-NO-UPDATE",
        kind="account",
        platform="weibo",
        region="江苏省苏州市",
        owner="苏州市公安局",
        target_name="苏州警方",
        message="最近一条微博发布于 2025-01-02",
        last_seen=datetime(2025, 3, 11, 14, 0, tzinfo=BEIJING),
    ),
    "wz-column": finding(
        "wz-gov",
        indicator="SITE-VETO-COLUMN-STALE",
        status="rectified",
        region="江苏省苏州市吴中区",
        owner="苏州市吴中区人民政府",
        target_name="吴中区人民政府网站",
        message="5 个栏目超期未更新",
        last_seen=datetime(2025, 2, 1, 9, 0, tzinfo=BEIJING),
    ),
    "gs-home-warn": finding(
        "gs-gov",
        level="warning",
        region="江苏省苏州市姑苏区",
        owner="苏州市姑苏区人民政府",
        target_name="姑苏区人民政府网站",
        message="首页已 11 天未更新（预警）",
        last_seen=datetime(2025, 3, 9, 23, 59, tzinfo=BEIJING),  # one minute before 03-10
    ),
}
ORDER = list(F)


@pytest.fixture
def loaded(store: Store) -> Store:
    store.upsert_findings(list(F.values()))
    store.refresh()
    return store


def ids(*keys: str) -> list[str]:
    return [F[k].id for k in keys]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ORDER),
        ({"region": "苏州市"}, ["sz-home", "sz-police-weibo", "wz-column", "gs-home-warn"]),
        ({"region": "吴中区"}, ["wz-column"]),
        ({"region": "江苏省苏州市"}, ["sz-home", "sz-police-weibo", "wz-column", "gs-home-warn"]),
        ({"owner": "公安局"}, ["nj-link", "nj-home-link", "sz-police-weibo"]),
        ({"owner": "苏州市人民政府办公室"}, ["sz-home"]),
        ({"indicator": "首页不更新"}, ["sz-home", "gs-home-warn"]),
        ({"indicator": "SITE-VETO-HOME-STALE"}, ["sz-home", "gs-home-warn"]),
        ({"indicator": "链接不可用"}, ["nj-link", "nj-home-link"]),
        ({"status": "rectified"}, ["wz-column"]),
        ({"status": "unverified"}, ["wx-gone"]),
        ({"status": "open"}, ["nj-link", "nj-home-link", "sz-home", "sz-police-weibo", "gs-home-warn"]),
        # Beijing midnight of 03-10: 00:30 that day is in, 23:59 the day before is out
        ({"since": "2025-03-10"}, ["nj-home-link", "wx-gone", "sz-home", "sz-police-weibo"]),
        ({"since": "7d"}, ["wx-gone"]),
        ({"kind": "account"}, ["wx-gone", "sz-police-weibo"]),
        ({"platform": "weibo"}, ["sz-police-weibo"]),
        ({"region": "苏州市", "status": "open", "kind": "site"}, ["sz-home", "gs-home-warn"]),
        ({"region": "南京市", "indicator": "首页不更新"}, []),
    ],
)
def test_search_returns_exactly_the_matching_findings_in_order(
    loaded: Store, filters: dict, expected: list[str]
) -> None:
    assert [doc["id"] for doc in search(loaded, **filters)] == ids(*expected)


def test_limit_pages_through_in_the_same_order(loaded: Store, monkeypatch) -> None:
    monkeypatch.setattr("pipelines.queries.PAGE_SIZE", 2)  # force search_after paging
    assert [doc["id"] for doc in search(loaded)] == ids(*ORDER)
    assert [doc["id"] for doc in search(loaded, limit=3)] == ids(*ORDER[:3])


def run_cli(store: Store, tmp_path, argv: list[str], monkeypatch) -> int:
    config = tmp_path / "govpatrol.toml"
    config.write_text(f'[elasticsearch]\nindex_prefix = "{store.prefix}"\n', encoding="utf-8")
    monkeypatch.delenv("GOVPATROL_INDEX_PREFIX", raising=False)
    parser = argparse.ArgumentParser()
    cli_findings.add_cli(parser.add_subparsers())
    args = parser.parse_args(["findings", *argv, "--es", store.cfg.url, "--config", str(config)])
    return args.func(args)


SUZHOU_ROWS = [
    [
        "苏州市人民政府办公室",
        "江苏省苏州市",
        "苏州市人民政府门户网站",
        "首页不更新",
        "单项否决",
        "未整改",
        "2025-03-01 09:00",
        "2025-03-10 00:30",
        "首页最新信息发布于 2025-02-20，已 18 天未更新",
    ],
    [
        "苏州市公安局",
        "江苏省苏州市",
        "苏州警方",
        "内容不更新",
        "单项否决",
        "未整改",
        "2025-03-01 09:00",
        "2025-03-11 14:00",
        "最近一条微博发布于 2025-01-02",
    ],
    [
        "苏州市吴中区人民政府",
        "江苏省苏州市吴中区",
        "吴中区人民政府网站",
        "栏目不更新",
        "单项否决",
        "已整改",
        "2025-03-01 09:00",
        "2025-02-01 09:00",
        "5 个栏目超期未更新",
    ],
    [
        "苏州市姑苏区人民政府",
        "江苏省苏州市姑苏区",
        "姑苏区人民政府网站",
        "首页不更新",
        "单项否决（预警）",
        "未整改",
        "2025-03-01 09:00",
        "2025-03-09 23:59",
        "首页已 11 天未更新（预警）",
    ],
]


def test_csv_file_has_a_bom_chinese_headers_and_the_rows(loaded: Store, tmp_path, monkeypatch) -> None:
    out = tmp_path / "苏州.csv"
    assert (
        run_cli(loaded, tmp_path, ["--region", "苏州市", "--format", "csv", "--out", str(out)], monkeypatch)
        == 0
    )
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(HEADERS)
    assert [[row[i] for i in TABLE_COLUMNS] for row in rows[1:]] == SUZHOU_ROWS
    # the columns a spreadsheet needs to act on a finding: target id, platform, 标识码, URL
    assert rows[1][3:7] == ["sz-gov", "网站", "3205000001", "https://sz-gov.gov.cn/"]
    assert rows[2][3:7] == ["sz-gaj-weibo", "微博", "", "https://sz-gaj-weibo.gov.cn/"]


def test_csv_to_stdout_has_no_bom(loaded: Store, tmp_path, monkeypatch, capsys) -> None:
    assert run_cli(loaded, tmp_path, ["--status", "rectified", "--format", "csv"], monkeypatch) == 0
    text = capsys.readouterr().out
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert [rows[0], [rows[1][i] for i in TABLE_COLUMNS]] == [list(HEADERS), SUZHOU_ROWS[2]]


def test_xlsx_reads_back_with_the_same_rows(loaded: Store, tmp_path, monkeypatch) -> None:
    out = tmp_path / "苏州.xlsx"
    assert (
        run_cli(loaded, tmp_path, ["--region", "苏州市", "--format", "xlsx", "--out", str(out)], monkeypatch)
        == 0
    )
    sheet = load_workbook(out).active
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(HEADERS)
    first_seen, last_seen = rows[1][10], rows[1][11]
    assert isinstance(first_seen, datetime)  # real Excel dates (Beijing wall time), not text
    assert (first_seen, last_seen) == (datetime(2025, 3, 1, 9, 0), datetime(2025, 3, 10, 0, 30))
    assert sheet.cell(row=2, column=11).number_format == "yyyy-mm-dd hh:mm"
    as_text = [
        [v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v for v in row] for row in rows[1:]
    ]
    assert [[row[i] for i in TABLE_COLUMNS] for row in as_text] == SUZHOU_ROWS
    assert rows[1][3:7] == ["sz-gov", "网站", "3205000001", "https://sz-gov.gov.cn/"]


def test_json_lines_are_the_stored_finding_documents(loaded: Store, tmp_path, monkeypatch, capsys) -> None:
    assert run_cli(loaded, tmp_path, ["--kind", "account", "--format", "json"], monkeypatch) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [doc["id"] for doc in docs] == ids("wx-gone", "sz-police-weibo")
    weibo = docs[1]
    assert weibo["platform"] == "weibo"
    assert weibo["target_name"] == "苏州警方"
    assert weibo["indicator"] == "ACCOUNT-VETO-NO-UPDATE"
    assert weibo["evidence"] == {"why": "sz-gaj-weibo"}
    assert datetime.fromisoformat(weibo["last_seen"]) == F["sz-police-weibo"].last_seen


def test_table_shows_chinese_headers_and_one_line_per_finding(
    loaded: Store, tmp_path, monkeypatch, capsys
) -> None:
    assert run_cli(loaded, tmp_path, ["--indicator", "首页不更新"], monkeypatch) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "单位" in line)
    assert [h for h in HEADERS if h in header] == [HEADERS[i] for i in TABLE_COLUMNS]
    rows = [line for line in out.splitlines() if "首页不更新" in line]
    assert len(rows) == 2
    assert "苏州市人民政府门户网站" in rows[0]
    assert "2025-03-10 00:30" in rows[0]
    assert "姑苏区人民政府网站" in rows[1]
    assert "单项否决（预警）" in rows[1]
    assert "问题清单（2 条）" in out
    assert "南京市公安局" not in out


def test_unreachable_elasticsearch_exits_1_naming_the_url_without_credentials(capsys) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    parser = argparse.ArgumentParser()
    cli_findings.add_cli(parser.add_subparsers())
    args = parser.parse_args(["findings", "--es", f"http://inspector:s3cret@127.0.0.1:{port}"])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert f"http://127.0.0.1:{port}" in err
    assert "s3cret" not in err
    assert "inspector" not in err
