"""Public message lists read in the shapes the common CMSs print them: TRS items with labelled dates
and the createPageHTML pager, Hanweb datastore records with classed cells, a table with a header row,
JSON behind the list -- every letter with its title, dates and status words as printed, and the
list's next page. The pages are the simulated web's own; a few hand-made shapes add what it lacks.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from crawlers.checkwords import load_check_words
from crawlers.letters import read_html, read_json
from simweb.checkplan import Mailbox
from simweb.model import Response
from simweb.world import build_world

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
WORDS = load_check_words()


@pytest.fixture(scope="module")
def world():
    return build_world(AS_OF)


def serve(world, host: str, path: str) -> Response:
    route = world.routes[host][path.split("?")[0]]
    if isinstance(route, Response):
        return route
    return route(path) if getattr(route, "wants_path", False) else route()


def box_of(world, site_id: str) -> tuple[str, Mailbox]:
    site = world.sites[site_id]
    box = site.checks.mailboxes[0]
    return box.host or site.host, box


def as_printed(box: Mailbox, page: int) -> list[tuple[str, str, str, str]]:
    rows = box.letters[page * box.per_page : (page + 1) * box.per_page]
    return [
        (x.title, f"{x.submitted:%Y-%m-%d}", f"{x.replied:%Y-%m-%d}" if x.replied else "", x.status)
        for x in rows
    ]


def as_read(letters) -> list[tuple[str, str, str, str]]:
    return [
        (
            x.title,
            f"{x.submitted:%Y-%m-%d}" if x.submitted else "",
            f"{x.replied:%Y-%m-%d}" if x.replied else "",
            x.status,
        )
        for x in letters
    ]


@pytest.mark.parametrize(
    ("site_id", "shape", "next_path"),
    [
        ("S036", "items", "/hdjl/ldxx/index_1.html"),  # TRS: li items, 来信时间：… labels, pager script
        ("S037", "items", ""),  # Hanweb: datastore records, classed spans; one page, no 下一页
    ],
)
def test_cms_lists_read_every_letter_with_dates_status_and_next_page(world, site_id, shape, next_path):
    host, box = box_of(world, site_id)
    page = serve(world, host, box.path)
    url = f"http://{host}{box.path}"
    found = read_html(str(page.body), url, AS_OF, WORDS)
    assert found.shape == shape
    assert as_read(found.letters) == as_printed(box, 0)
    assert found.next_url == (f"http://{host}{next_path}" if next_path else "")
    assert all(x.url.startswith(f"http://{host}/hdjl/detail/") for x in found.letters)


def test_unanswered_letter_on_the_second_trs_page_is_read_without_a_reply_date(world):
    host, box = box_of(world, "S036")
    page = serve(world, host, "/hdjl/ldxx/index_1.html")
    found = read_html(str(page.body), f"http://{host}/hdjl/ldxx/index_1.html", AS_OF, WORDS)
    assert as_read(found.letters) == as_printed(box, 1)
    (open_letter,) = [x for x in found.letters if x.replied is None]
    assert open_letter.status in ("办理中", "已受理")
    assert open_letter.raw_replied in ("", "—")


def test_table_with_header_row_is_read_by_its_column_names():
    html = """<table><tr><th>办理状态</th><th>信件标题</th><th>回复时间</th><th>来信时间</th></tr>
    <tr><td>已办结</td><td><a href="/xj/1.html">关于路灯损坏的反映</a></td><td>2024-09-03</td><td>2024-09-01</td></tr>
    <tr><td>办理中</td><td><a href="/xj/2.html">关于学位申请的咨询</a></td><td></td><td>2024-05-20</td></tr>
    </table><a href="list.html?page=2">下一页</a>"""
    found = read_html(html, "http://www.example.gov.cn/xj/list.html", AS_OF, WORDS)
    assert found.shape == "table"
    assert as_read(found.letters) == [
        ("关于路灯损坏的反映", "2024-09-01", "2024-09-03", "已办结"),
        ("关于学位申请的咨询", "2024-05-20", "", "办理中"),
    ]
    assert found.letters[1].url == "http://www.example.gov.cn/xj/2.html"
    assert found.next_url == "http://www.example.gov.cn/xj/list.html?page=2"


def test_json_list_is_read_by_its_keys(world):
    host, box = box_of(world, "S040")  # the list written by script from JSON, all on one page
    answer = serve(world, host, "/hdjl/api/letters.json?page=1")
    found = read_json(str(answer.body), f"http://{host}/hdjl/api/letters.json?page=1", AS_OF, WORDS)
    assert found is not None
    assert found.shape == "json"
    assert as_read(found.letters) == as_printed(box, 0)
    assert found.next_url == ""  # totalPage 1


def test_json_list_pages_on_by_its_page_parameter_until_the_last_page():
    body = (
        '{"result": {"pageNo": %d, "pageCount": 3, "rows": [{"subject": "关于公交线路调整的建议", '
        '"submitDate": "2024-08-01 09:30", "dealTime": null, "handleStatus": "办理中", "detailUrl": "/x/9.html"}]}}'
    )
    url = "http://www.example.gov.cn/api/list?pageNo=%d&size=10"
    first = read_json(body % 1, url % 1, AS_OF, WORDS)
    assert first is not None
    assert as_read(first.letters) == [("关于公交线路调整的建议", "2024-08-01", "", "办理中")]
    assert first.letters[0].url == "http://www.example.gov.cn/x/9.html"
    assert first.next_url == url % 2
    last = read_json(body % 3, url % 3, AS_OF, WORDS)
    assert last is not None
    assert last.next_url == ""


def test_an_error_answer_or_a_page_that_is_not_json_reads_no_letters(world):
    host, _box = box_of(world, "S041")  # its JSON answers 500 with an error object
    error = serve(world, host, "/hdjl/api/letters.json?page=1")
    assert error.status == 500
    found = read_json(str(error.body), f"http://{host}/hdjl/api/letters.json", AS_OF, WORDS)
    assert found is not None
    assert found.letters == []
    assert found.shape == ""
    assert read_json("<html>系统维护</html>", "http://x.gov.cn/a.json", AS_OF, WORDS) is None


def test_a_news_list_is_not_a_message_list():
    html = """<ul><li><a href="/a/1.html">市政府召开常务会议</a><span>2024-10-01</span></li>
    <li><a href="/a/2.html">全市安全生产工作会议召开</a><span>2024-09-28</span></li></ul>"""
    found = read_html(html, "http://www.example.gov.cn/", AS_OF, WORDS)
    assert [x.replied for x in found.letters if x.replied] == []
    assert all(x.status == "" for x in found.letters)
