"""Recorded list pages: each folder under tests/fixtures/listpages is one case.

``input.html`` is the page, ``meta.json`` gives ``base_url`` and ``now`` (and optionally
``homepage``), ``expected.json`` what an inspector would read off the page: the newest date, how
many entries the list has, whether the column is empty, and optional details of the items. The
extractor records the entries; emptiness is the column rules' judgment over those facts and the
page's text (as in a sweep), so both are checked here together.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import pytest

from crawlers import pagefacts
from crawlers.listpage import ListResult, extract_list, newest_item
from crawlers.models import DatedItem, PageObservation
from pipelines.rules import column_kind
from pipelines.rules.base import Rules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "listpages"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "input.html").is_file())
BEIJING_NOW = datetime.fromisoformat("2024-09-30T10:00:00+08:00")
RULES = Rules.load()


def run_case(name: str) -> tuple[ListResult, dict, PageObservation]:
    """The extractor's result, the expectation, and the column observation the spider would record."""
    folder = FIXTURES / name
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    html = (folder / "input.html").read_text(encoding="utf-8")
    now = datetime.fromisoformat(meta["now"])
    result = extract_list(html, meta["base_url"], now, homepage=meta.get("homepage"))
    chars, excerpt = pagefacts.text_signals(html, always=not result.items)
    page = PageObservation(
        target_id="t",
        url=meta["base_url"],
        role="column",
        fetched_at=now,
        status=200,
        items=result.items,
        item_count=result.item_count,
        newest=result.newest,
        text_chars=chars,
        text_excerpt=excerpt,
    )
    return result, expected, page


def test_there_are_enough_recorded_cases() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("name", CASES)
def test_recorded_list_page(name: str) -> None:
    result, expected, page = run_case(name)
    newest = result.newest.date.isoformat() if result.newest else None
    assert newest == expected["newest"]
    assert result.item_count == expected["item_count"]
    assert column_kind.is_empty(page, RULES) is expected["empty"]
    assert [i.date.isoformat() for i in result.items] == expected["dates"]
    if "placeholder" in expected:
        assert column_kind.placeholder(page, RULES) == expected["placeholder"]
    for key in ("title", "url", "source", "raw", "pinned"):
        if f"newest_{key}" in expected:
            assert getattr(result.newest, key) == expected[f"newest_{key}"], key
    if "sources" in expected:
        assert [i.source for i in result.items] == expected["sources"]
    if "pinned" in expected:
        assert [i.pinned for i in result.items] == expected["pinned"]
    if "first_title" in expected:
        assert result.items[0].title == expected["first_title"]


@pytest.mark.parametrize("name", CASES)
def test_items_are_complete_records(name: str) -> None:
    result, _expected, _page = run_case(name)
    for item in result.items:
        assert item.date.tzinfo is not None
        assert item.title
        assert item.title == item.title.strip()
        assert item.url.startswith(("http://", "https://"))
        assert item.source in ("text", "url", "attribute")
        assert item.raw


def test_navigation_and_footer_links_are_not_entries() -> None:
    result, _, _ = run_case("trs_basic")
    titles = {i.title for i in result.items}
    assert not titles & {"首页", "网站地图", "联系我们", "苏ICP备00000000号-1", "无障碍"}


def test_truncated_link_text_takes_the_title_attribute() -> None:
    result, _, _ = run_case("pinned_old_unmarked")
    assert result.items[2].title == "某某县人民政府关于印发2024年县政府重点工作任务分解方案的通知"


def test_date_inside_the_link_is_not_part_of_the_title() -> None:
    result, _, _ = run_case("trs_date_inside_link")
    assert all(not i.title.startswith("20") for i in result.items)


def test_homepage_is_detected_from_the_url_and_can_be_forced() -> None:
    html = (FIXTURES / "homepage_blocks" / "input.html").read_text(encoding="utf-8")
    as_column = extract_list(html, "http://www.abc.gov.cn/", BEIJING_NOW, homepage=False)
    as_home = extract_list(html, "http://www.abc.gov.cn/", BEIJING_NOW)
    assert as_home.item_count == 12
    assert as_column.item_count == 5  # only the biggest block: the 通知公告 list


def test_newest_is_the_maximum_not_the_first_item() -> None:
    items = [
        DatedItem(datetime.fromisoformat("2024-09-01T00:00:00+08:00"), "旧", "http://a/1"),
        DatedItem(datetime.fromisoformat("2024-09-20T00:00:00+08:00"), "新", "http://a/2"),
        DatedItem(datetime.fromisoformat("2024-09-10T00:00:00+08:00"), "中", "http://a/3"),
    ]
    assert newest_item(items) is items[1]
    assert newest_item([]) is None


def test_pinned_items_count_by_their_own_date() -> None:
    old_pinned = DatedItem(datetime.fromisoformat("2023-01-01T00:00:00+08:00"), "置顶", "u1", pinned=True)
    normal = DatedItem(datetime.fromisoformat("2024-09-01T00:00:00+08:00"), "普通", "u2")
    new_pinned = DatedItem(datetime.fromisoformat("2024-09-25T00:00:00+08:00"), "新置顶", "u3", pinned=True)
    assert newest_item([old_pinned, normal]) is normal
    assert newest_item([old_pinned]) is old_pinned
    assert newest_item([new_pinned, normal]) is new_pinned


def test_empty_and_broken_input() -> None:
    for html in ("", "   ", "<html><body></body></html>"):
        result = extract_list(html, "http://x.gov.cn/col/a/index.html", BEIJING_NOW)
        assert result.items == []
        assert result.item_count == 0
        assert result.newest is None


def test_typical_list_page_takes_well_under_10_ms() -> None:
    rows = "\n".join(
        f'<li><a href="./2024{m:02d}/t2024{m:02d}{d:02d}_{n}.html" title="关于第{n}项工作的通知">'
        f"关于第{n}项工作的通知</a><span>2024-{m:02d}-{d:02d}</span></li>"
        for n, (m, d) in enumerate(((m, d) for m in (7, 8, 9) for d in range(1, 28, 3)), start=1)
    )[:30_000]
    chrome = '<div class="nav">' + "".join(f'<a href="/c{i}/">栏目{i}</a>' for i in range(20)) + "</div>"
    html = f"<html><body>{chrome}<ul class='list'>{rows}</ul><div class='footer'>footer</div></body></html>"
    # CPU time, best of several rounds: other processes on a shared machine must not fail this.
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(10):
            result = extract_list(html, "http://x.gov.cn/col/a/index.html", BEIJING_NOW)
        rounds.append((time.process_time() - start) * 1000 / 10)
    assert result.item_count == 27
    assert min(rounds) < 10, f"{min(rounds):.2f} ms per page"
