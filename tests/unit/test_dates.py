"""Dates as Chinese government sites and platforms print them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawlers.dates import BEIJING, beijing_now, date_from_url, find_dates, parse_date, parse_timestamp

NOW = datetime(2024, 9, 30, 10, 0, 0, tzinfo=BEIJING)  # Monday
NEW_YEAR = datetime(2025, 1, 3, 15, 0, 0, tzinfo=BEIJING)


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


PARSED = [
    # full dates, the list-page forms (§12.6)
    ("2024-09-26", NOW, bj(2024, 9, 26)),
    ("2024-9-6", NOW, bj(2024, 9, 6)),
    ("2024-09-26 10:00", NOW, bj(2024, 9, 26, 10, 0)),
    ("2024-09-26 10:00:59", NOW, bj(2024, 9, 26, 10, 0, 59)),
    ("2024/09/26", NOW, bj(2024, 9, 26)),
    ("2024/9/26 8:05", NOW, bj(2024, 9, 26, 8, 5)),
    ("2024.09.26", NOW, bj(2024, 9, 26)),
    ("2024年09月26日", NOW, bj(2024, 9, 26)),
    ("2024年9月6日", NOW, bj(2024, 9, 6)),
    ("2024年9月6日 10:30", NOW, bj(2024, 9, 6, 10, 30)),
    ("2024年9月26日10时30分", NOW, bj(2024, 9, 26, 10, 30)),
    ("2024 年 9 月 26 日", NOW, bj(2024, 9, 26)),
    ("[2024-09-26]", NOW, bj(2024, 9, 26)),
    ("(2024-09-26)", NOW, bj(2024, 9, 26)),
    ("（2024-09-26）", NOW, bj(2024, 9, 26)),
    ("【2024-09-26】", NOW, bj(2024, 9, 26)),
    ("  2024-09-26\n", NOW, bj(2024, 9, 26)),
    ("发布时间：2024-09-26 10:00", NOW, bj(2024, 9, 26, 10, 0)),
    ("发布日期: 2024年09月26日", NOW, bj(2024, 9, 26)),
    # full-width digits and punctuation
    ("２０２４－０９－２６", NOW, bj(2024, 9, 26)),
    ("２０２４年９月２６日", NOW, bj(2024, 9, 26)),
    ("［０９－２６］", NOW, bj(2024, 9, 26)),
    ("2024-09-26 10：30", NOW, bj(2024, 9, 26, 10, 30)),
    # year-less: this year unless that is more than 7 days ahead
    ("09-26", NOW, bj(2024, 9, 26)),
    ("[09-26]", NOW, bj(2024, 9, 26)),
    ("[9-6]", NOW, bj(2024, 9, 6)),
    ("09月26日 10:30", NOW, bj(2024, 9, 26, 10, 30)),
    ("9月26日", NOW, bj(2024, 9, 26)),
    ("06月17日 18:12", NOW, bj(2024, 6, 17, 18, 12)),
    ("10-05", NOW, bj(2024, 10, 5)),  # 5 days ahead: still this year
    ("10-08", NOW, bj(2023, 10, 8)),  # 8 days ahead: last year
    ("12-28", NOW, bj(2023, 12, 28)),
    ("[12-28]", NEW_YEAR, bj(2024, 12, 28)),  # across the new year
    ("12月31日 23:59", NEW_YEAR, bj(2024, 12, 31, 23, 59)),
    ("01-02", NEW_YEAR, bj(2025, 1, 2)),
    ("01-09", NEW_YEAR, bj(2025, 1, 9)),  # 6 days ahead
    ("02-29", bj(2025, 3, 1), bj(2024, 2, 29)),  # no 29 February this year
    # relative forms
    ("刚刚", NOW, NOW),
    ("30秒前", NOW, NOW - timedelta(seconds=30)),
    ("5分钟前", NOW, NOW - timedelta(minutes=5)),
    ("3小时前", NOW, NOW - timedelta(hours=3)),
    ("2天前", NOW, NOW - timedelta(days=2)),
    ("3天前", NEW_YEAR, bj(2024, 12, 31, 15, 0)),
    ("1周前", NOW, NOW - timedelta(days=7)),
    ("今天 08:30", NOW, bj(2024, 9, 30, 8, 30)),
    ("昨天 12:30", NOW, bj(2024, 9, 29, 12, 30)),
    ("昨天 23:05", NEW_YEAR, bj(2025, 1, 2, 23, 5)),
    ("前天 23:59", NOW, bj(2024, 9, 28, 23, 59)),
    # platform and metadata forms
    ("Thu Sep 26 10:00:00 +0800 2024", NOW, bj(2024, 9, 26, 10, 0)),
    ("Tue Dec 31 23:30:00 +0800 2024", NEW_YEAR, bj(2024, 12, 31, 23, 30)),
    ("2024-09-26T10:00:00+08:00", NOW, bj(2024, 9, 26, 10, 0)),
    ("2024-09-26T02:00:00Z", NOW, bj(2024, 9, 26, 10, 0)),
    ("2024-09-26T02:00:00.123Z", NOW, bj(2024, 9, 26, 10, 0)),
    ("2024-09-26T10:00:00+0800", NOW, bj(2024, 9, 26, 10, 0)),
    ("2024-09-26-10:00:00", NOW, bj(2024, 9, 26, 10, 0)),  # gov.cn firstpublishedtime
    ("2025-07-14 01:59", NOW, bj(2025, 7, 14, 1, 59)),  # PubDate meta
    ("20240926", NOW, bj(2024, 9, 26)),
    # unix values: seconds, and milliseconds from 1e12 on
    ("1727316000", NOW, bj(2024, 9, 26, 10, 0)),
    ("1727316000000", NOW, bj(2024, 9, 26, 10, 0)),
    # rare forms go to dateparser
    ("Sep 26, 2024", NOW, bj(2024, 9, 26)),
    ("3 days ago", NOW, NOW - timedelta(days=3)),
]

NOT_DATES = [
    "",
    "   ",
    "首页",
    "暂无信息",
    "2024-02-30",  # no such day
    "2024-13-01",  # no such month
    "2023-02-29",  # not a leap year
    "2024年13月1日",
    "13-45",
    "[00-12]",
    "苏ICP备14054231号-1",
    "苏公网安备 32010202010427号",
    "3205000001",  # 标识码: ten digits, but written as a code
    "〔2024〕12号",
    "某政规〔2024〕5号",
    "0512-68881234",
    "12345",
    "第12号",
]


@pytest.mark.parametrize(("raw", "now", "expected"), PARSED, ids=[p[0] or "empty" for p in PARSED])
def test_parse_date(raw: str, now: datetime, expected: datetime) -> None:
    got = parse_date(raw, now)
    assert got == expected
    assert got is not None
    assert got.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("raw", NOT_DATES)
def test_not_a_date(raw: str) -> None:
    assert parse_date(raw, NOW) is None


def test_there_are_enough_cases() -> None:
    assert len(PARSED) + len(NOT_DATES) >= 60


def test_naive_now_is_beijing_time() -> None:
    assert parse_date("3小时前", datetime(2024, 9, 30, 10, 0)) == bj(2024, 9, 30, 7, 0)


def test_now_in_another_zone_is_converted_first() -> None:
    utc_now = datetime(2024, 9, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 October in Beijing
    assert parse_date("今天 00:30", utc_now) == bj(2024, 10, 1, 0, 30)


def test_find_dates_in_a_footer_reads_only_real_dates() -> None:
    text = (
        "主办：某某市人民政府办公室 联系电话：0512-68881234 政府网站标识码：3205000001 "
        "苏ICP备14054231号-1 苏公网安备 32050002000000号 某政办发〔2024〕12号 更新时间：2024-09-26 10:00"
    )
    assert find_dates(text, NOW) == [(bj(2024, 9, 26, 10, 0), "2024-09-26 10:00")]


def test_find_dates_in_order_with_raw_substrings() -> None:
    text = "关于某事项的通知[09-12] 另一条 2024年9月1日 评论于3天前，最后回复 昨天 12:30"
    assert find_dates(text, NOW) == [
        (bj(2024, 9, 12), "[09-12]"),
        (bj(2024, 9, 1), "2024年9月1日"),
        (NOW - timedelta(days=3), "3天前"),
        (bj(2024, 9, 29, 12, 30), "昨天 12:30"),
    ]


def test_find_dates_keeps_full_width_raw_text() -> None:
    assert find_dates("（２０２４－０９－２１）", NOW) == [(bj(2024, 9, 21), "２０２４－０９－２１")]


def test_find_dates_skips_invalid_dates() -> None:
    assert find_dates("2024-02-30 与 2024-02-28", NOW) == [(bj(2024, 2, 28), "2024-02-28")]


@pytest.mark.parametrize(
    ("url", "expected", "raw"),
    [
        ("http://www.a.gov.cn/zwgk/tzgg/202409/t20240926_1234567.html", bj(2024, 9, 26), "t20240926"),
        ("./202409/t20240926_5012345.shtml", bj(2024, 9, 26), "t20240926"),
        ("/art/2024/9/26/art_64511_998877.html", bj(2024, 9, 26), "2024/9/26"),
        ("http://www.b.gov.cn/art/2024-9-6/art_1_2.html", bj(2024, 9, 6), "2024-9-6"),
        ("http://www.c.gov.cn/xw/202409/26/c_1234.htm", bj(2024, 9, 26), "202409/26"),
        ("http://www.d.gov.cn/xw/2024-09/26/content_1.htm", bj(2024, 9, 26), "2024-09/26"),
        ("http://www.e.gov.cn/news/20240926/abc.html", bj(2024, 9, 26), "20240926"),
    ],
)
def test_date_from_url(url: str, expected: datetime, raw: str) -> None:
    assert date_from_url(url) == (expected, raw)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.gov.cn/zhengce/content/202404/content_6946880.htm",
        "http://www.a.gov.cn/col/col64511/index.html",
        "http://www.a.gov.cn/zwgk/tzgg/202409/t20240230_1.html",  # impossible date
        "http://www.a.gov.cn/content/post_12600001.html",
        "http://www.a.gov.cn/list.jsp?date=2024-09-26",  # query strings are not paths
        "",
    ],
)
def test_no_date_in_url(url: str) -> None:
    assert date_from_url(url) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1727316000, bj(2024, 9, 26, 10, 0)),
        (1727316000000, bj(2024, 9, 26, 10, 0)),
        ("1727316000", bj(2024, 9, 26, 10, 0)),
        (1727316000.5, bj(2024, 9, 26, 10, 0) + timedelta(milliseconds=500)),
        (1_000_000_000_000, bj(2001, 9, 9, 9, 46, 40)),  # 1e12 itself is milliseconds
    ],
)
def test_parse_timestamp(value: int | float | str, expected: datetime) -> None:
    got = parse_timestamp(value)
    assert got == expected
    assert got.tzinfo is BEIJING


def test_beijing_now_is_aware_and_current() -> None:
    now = beijing_now()
    assert now.utcoffset() == timedelta(hours=8)
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)
