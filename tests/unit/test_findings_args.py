"""`govpatrol findings` inputs: --since spans and dates, indicator ids and Chinese names, and bad input
rejected with one clear line and exit 2 before Elasticsearch is contacted."""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta

import pytest

from crawlers.dates import BEIJING
from govpatrol.cli import findings as cli_findings
from govpatrol.findings_search import SearchError, build_query, parse_since, resolve_indicator

NOW = datetime(2025, 3, 20, 9, 30, tzinfo=BEIJING)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", NOW - timedelta(days=7)),
        ("12h", NOW - timedelta(hours=12)),
        ("2w", NOW - timedelta(days=14)),
        (" 30D ", NOW - timedelta(days=30)),
        ("2025-03-01", datetime(2025, 3, 1, tzinfo=BEIJING)),  # a date is Beijing midnight
        ("2025-03-01T08:00:00+00:00", datetime(2025, 3, 1, 16, 0, tzinfo=BEIJING)),
        ("2025-03-01T08:00", datetime(2025, 3, 1, 8, 0, tzinfo=BEIJING)),
    ],
)
def test_since_accepts_spans_dates_and_datetimes(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["last week", "7", "d7", "2025-13-01", "7y", ""])
def test_bad_since_is_rejected_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(SearchError, match=r"bad --since .*7d"):
        parse_since(text, now=NOW)


def test_since_filters_last_seen_from_that_moment() -> None:
    query = build_query(since="2025-03-10", now=NOW)
    assert query == {"bool": {"filter": [{"range": {"last_seen": {"gte": "2025-03-10T00:00:00+08:00"}}}]}}


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("SITE-VETO-HOME-STALE", ["SITE-VETO-HOME-STALE"]),
        ("site-veto-home-stale", ["SITE-VETO-HOME-STALE"]),
        ("首页不更新", ["SITE-VETO-HOME-STALE"]),
        ("栏目不更新", ["SITE-VETO-COLUMN-STALE"]),
        ("站点无法访问", ["SITE-VETO-UNREACHABLE"]),
        ("账号已注销或被封禁", ["ACCOUNT-GONE"]),
        # part of names: every indicator whose name contains it
        ("链接不可用", ["SITE-DED-DEAD-LINK", "SITE-DED-DEAD-LINK-HOME"]),
    ],
)
def test_indicator_resolves_ids_names_and_parts_of_names(text: str, ids: list[str]) -> None:
    assert resolve_indicator(text) == ids


def test_unknown_indicator_lists_the_known_ones() -> None:
    with pytest.raises(SearchError) as info:
        resolve_indicator("网站被黑")
    message = str(info.value)
    assert "unknown indicator '网站被黑'" in message
    assert "SITE-VETO-HOME-STALE (首页不更新)" in message
    assert "ACCOUNT-VETO-NO-UPDATE (内容不更新)" in message
    assert "\n" not in message


def test_an_override_file_can_rename_an_indicator(tmp_path) -> None:
    override = tmp_path / "mine.toml"
    override.write_text('["SITE-VETO-HOME-STALE"]\nname = "门户首页长期未更新"\n', encoding="utf-8")
    assert resolve_indicator("门户首页长期未更新", str(override)) == ["SITE-VETO-HOME-STALE"]
    with pytest.raises(SearchError):
        resolve_indicator("门户首页长期未更新")


def test_filters_build_one_bool_filter() -> None:
    query = build_query(region="苏州市", owner="公安*局", indicator="首页不更新", status="open", kind="site")
    assert query["bool"]["filter"] == [
        {"wildcard": {"region": {"value": "*苏州市*", "case_insensitive": True}}},
        {"wildcard": {"owner.keyword": {"value": "*公安\\*局*", "case_insensitive": True}}},
        {"terms": {"indicator": ["SITE-VETO-HOME-STALE"]}},
        {"term": {"status": "open"}},
        {"term": {"kind": "site"}},
    ]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"status": "closed"}, "unknown status 'closed'; known: open (未整改), rectified (已整改)"),
        ({"kind": "app"}, "unknown kind 'app'; known: site, account"),
        ({"platform": "twitter"}, "unknown platform 'twitter'; known: weibo (微博)"),
    ],
)
def test_bad_filter_values_are_named(kwargs: dict, needle: str) -> None:
    with pytest.raises(SearchError, match=re.escape(needle)):
        build_query(**kwargs)


def test_the_words_the_tables_print_are_accepted_back() -> None:
    """`findings --status 已整改 --platform 微博 --kind 政务新媒体`: what the table shows, typed back."""
    query = build_query(status="已整改", platform="微博", kind="政务新媒体")
    assert query["bool"]["filter"] == [
        {"term": {"status": "rectified"}},
        {"term": {"kind": "account"}},
        {"term": {"platform": "weibo"}},
    ]
    assert build_query(status="待核实", platform="微信公众号")["bool"]["filter"] == [
        {"term": {"status": "unverified"}},
        {"term": {"platform": "wechat"}},
    ]


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli_findings.add_cli(parser.add_subparsers())
    args = parser.parse_args(["findings", *argv])
    return args.func(args)


# a closed port: bad input must be rejected before any connection is tried (exit 2, not 1)
NO_ES = ["--es", "http://127.0.0.1:9"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            ["--indicator", "网站被黑"],
            "error: unknown indicator '网站被黑'; known: SITE-VETO-UNREACHABLE (站点无法访问)",
        ),
        (["--since", "yesterday"], "error: bad --since 'yesterday'"),
        (["--status", "closed"], "error: unknown status 'closed'"),
        (["--format", "xlsx"], "error: --format xlsx needs --out FILE.xlsx"),
    ],
)
def test_cli_rejects_bad_input_with_one_line_and_exit_2(argv: list[str], needle: str, capsys) -> None:
    assert run_cli([*argv, *NO_ES]) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert len(err.strip().splitlines()) == 1
