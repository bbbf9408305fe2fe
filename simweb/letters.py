"""The simulated interaction channels: 领导信箱/留言板 pages in TRS, Hanweb, hand-made (table) and
JSON shapes, on the site's own host or a provincial platform's.

A channel's entry page carries its submit form (or a 写信 link, which may lead nowhere) and its
message list: TRS ``li`` items with labelled dates and the ``createPageHTML`` pager, Hanweb datastore
records with classed cells and a 下一页 link, a table with a header row, or an empty list its script
fills from JSON. Rendered from :class:`simweb.checkplan.Mailbox` records, which the truth reads too.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import parse_qs, urlsplit

from simweb.checkplan import Mailbox, SimLetter
from simweb.cms import PAGER_SCRIPT, chrome
from simweb.model import PORT_TOKEN, Response, Route, Site

FORM = (
    '<form class="xjform" action="/hdjl/submit.do" method="post"><p>姓名：<input type="text" name="name"></p>'
    '<p>电话：<input type="text" name="phone"></p><p>标题：<input type="text" name="title"></p>'
    '<p>内容：<textarea name="content"></textarea></p><button type="submit">提交</button></form>'
)
JSON_LIST = """<ul id="letters" class="list"></ul>
<script>
(function () {
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '%s', true);
  xhr.onload = function () {
    var d = JSON.parse(xhr.responseText), html = '';
    for (var i = 0; i < d.data.length; i++) {
      var r = d.data[i];
      html += '<li><a href="' + r.url + '">' + r.title + '</a><span>' + r.createTime + '</span><span>' + r.statusName + '</span></li>';
    }
    document.getElementById('letters').innerHTML = html;
  };
  xhr.send();
})();
</script>"""
JSON_PATH = "/hdjl/api/letters.json"


def mailbox_url(site: Site, box: Mailbox) -> str:
    """The entry page's address as the homepage links it (port placeholder for another host)."""
    return f"http://{box.host}:{PORT_TOKEN}{box.path}" if box.host else box.path


def column_path(site: Site) -> str:
    return "/hdjl/index.html" if site.cms == "trs" else "/hdjl/index.htm"


def home_block(site: Site) -> str:
    """The homepage's 互动交流 block: the channels, or the link to the 互动 column that lists them."""
    if site.checks.via_column:
        links = f'<li><a href="{column_path(site)}">互动交流</a></li>'
    else:
        links = "".join(
            f'<li><a href="{mailbox_url(site, b)}">{escape(b.name)}</a></li>' for b in site.checks.mailboxes
        )
    return f'<div class="hudong"><h3>政民互动</h3><ul>{links}</ul></div>'


def _day(letter: SimLetter, replied: bool = False) -> str:
    when = letter.replied if replied else letter.submitted
    return when.strftime("%Y-%m-%d") if when else ""


def _letter_path(letter: SimLetter) -> str:
    return f"/hdjl/detail/{letter.submitted:%Y%m}/t{letter.submitted:%Y%m%d}_{letter.docid}.html"


def _pages(box: Mailbox) -> list[list[SimLetter]]:
    return [box.letters[i : i + box.per_page] for i in range(0, len(box.letters), box.per_page)] or [[]]


def _trs(box: Mailbox, page: int, count: int) -> str:
    rows = "".join(
        f'<li><a href="{_letter_path(x)}" title="{escape(x.title)}">{escape(x.title)}</a>'
        f'<span class="status">{x.status}</span><span>来信时间：{_day(x)}</span>'
        f"<span>回复时间：{_day(x, True) or '—'}</span></li>"
        for x in _pages(box)[page]
    )
    pager = (
        f'<div class="page"><script>var currentPage = {page};//所在页从0开始\nvar countPage = {count}//共多少页\n'
        'createPageHTML(countPage, currentPage, "index", "html");</script></div>'
    )
    return f'<ul class="xjlist">{rows}</ul>{pager}'


def _hanweb(box: Mailbox, page: int, count: int) -> str:
    records = "".join(
        f'<record><![CDATA[<li><a href="{_letter_path(x)}" title="{escape(x.title)}">{escape(x.title)}</a>'
        f'<span class="lxsj">{_day(x)}</span><span class="hfsj">{_day(x, True)}</span>'
        f'<span class="zt">{x.status}</span></li>]]></record>'
        for x in _pages(box)[page]
    )
    more = f'<a href="{box.path}?pageNum={page + 2}">下一页</a>' if page + 1 < count else ""
    return (
        f'<div id="xj"><script type="text/xml"><datastore><totalrecord>{len(box.letters)}</totalrecord>'
        f'<recordset>{records}</recordset></datastore></script></div><div class="pager">{more}</div>'
    )


def _table(box: Mailbox, page: int, count: int) -> str:
    rows = "".join(
        f'<tr><td><a href="{_letter_path(x)}">{escape(x.title)}</a></td><td>{_day(x)}</td>'
        f"<td>{_day(x, True)}</td><td>{x.status}</td></tr>"
        for x in _pages(box)[page]
    )
    more = f'<a href="{box.path}?page={page + 2}">下一页</a>' if page + 1 < count else ""
    head = "<tr><th>信件标题</th><th>来信时间</th><th>回复时间</th><th>办理状态</th></tr>"
    return f'<table class="xj" width="100%">{head}{rows}</table><div class="pager">{more}</div>'


def _listing(box: Mailbox, page: int) -> str:
    count = len(_pages(box))
    if box.submit_404:
        return '<p class="tip">欢迎来信。</p><p><a href="/hdjl/xiexin.html">我要写信</a></p>'
    if box.shape == "json":
        return JSON_LIST % f"{JSON_PATH}?page=1"
    return {"trs": _trs, "hanweb": _hanweb}.get(box.shape, _table)(box, page, count)


def _entry_page(site: Site, box: Mailbox, page: int) -> str:
    form = FORM if box.form else ""
    body = (
        f'<div class="xj-box"><h2>{escape(box.name)}</h2>{form}<h3>信件选登</h3>{_listing(box, page)}</div>'
    )
    return chrome(site, f"{box.name}_{site.name}", body, head=PAGER_SCRIPT if box.shape == "trs" else "")


def _json_route(box: Mailbox) -> Route:
    def answer(path: str) -> Response:
        if box.json_status != 200:
            return Response(
                status=box.json_status, body='{"code":500,"msg":"系统繁忙"}', content_type="application/json"
            )
        page = int(parse_qs(urlsplit(path).query).get("page", ["1"])[0] or 1)
        pages = _pages(box)
        rows = pages[page - 1] if 0 < page <= len(pages) else []
        data = [
            {
                "title": x.title,
                "createTime": x.submitted.strftime("%Y-%m-%d %H:%M"),
                "replyTime": x.replied.strftime("%Y-%m-%d %H:%M") if x.replied else "",
                "statusName": x.status,
                "url": _letter_path(x),
            }
            for x in rows
        ]
        body = {"code": 0, "page": page, "totalPage": len(pages), "data": data}
        return Response(body=json.dumps(body, ensure_ascii=False), content_type="application/json")

    answer.wants_path = True  # type: ignore[attr-defined]
    return answer


def _entry_route(site: Site, box: Mailbox) -> Route:
    def answer(path: str) -> Response:
        query = parse_qs(urlsplit(path).query)
        number = int((query.get("page") or query.get("pageNum") or ["1"])[0] or 1)
        return Response(body=_entry_page(site, box, max(0, min(number - 1, len(_pages(box)) - 1))))

    answer.wants_path = True  # type: ignore[attr-defined]
    return answer


def mailbox_routes(site: Site) -> tuple[dict[str, Route], dict[str, dict[str, Route]]]:
    """(the site's own routes, other hosts' routes) of its channels and 互动 column."""
    own: dict[str, Route] = {}
    other: dict[str, dict[str, Route]] = {}
    if site.checks.via_column:
        links = "".join(
            f'<li><a href="{mailbox_url(site, b)}">{escape(b.name)}</a></li>' for b in site.checks.mailboxes
        )
        body = f'<div class="col-title"><h2>互动交流</h2></div><ul class="hd-list">{links}</ul>'
        own[column_path(site)] = Response(body=chrome(site, f"互动交流_{site.name}", body))
    for box in site.checks.mailboxes:
        table = other.setdefault(box.host, {}) if box.host else own
        table[box.path] = _entry_route(site, box)
        if box.shape == "trs":
            folder = box.path.rsplit("/", 1)[0]
            for n in range(1, len(_pages(box))):
                table[f"{folder}/index_{n}.html"] = Response(body=_entry_page(site, box, n))
        if box.shape == "json":
            table[JSON_PATH] = _json_route(box)
    return own, other
