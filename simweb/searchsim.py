"""The simulated site search: the form each site shows and the answers behind it.

``local`` -- ``/search.html?q=`` lists the site's items whose title holds the query; ``broken`` --
the same page answers 未找到 to everything; ``missing`` -- no form at all; ``provincial`` -- the form
sends the query (with the site's 标识码) to a provincial search platform on another host; ``js`` --
the answer page is an empty list its script fills from ``/search/api.json`` (read in Chromium).
"""

from __future__ import annotations

import dataclasses
import json
from html import escape
from urllib.parse import parse_qs, urlsplit

from simweb.cms import chrome, list_html
from simweb.model import PORT_TOKEN, Item, Response, Route, Site
from simweb.searchform import PROVINCIAL_PATH, SEARCH_PATH

API_PATH = "/search/api.json"
JS_ANSWER = """<div class="search-result"><h2>搜索结果</h2><ul id="results" class="list"></ul></div>
<script>
(function () {
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/search/api.json' + window.location.search, true);
  xhr.onload = function () {
    var d = JSON.parse(xhr.responseText), html = '';
    for (var i = 0; i < d.data.length; i++) {
      html += '<li><a href="' + d.data[i].url + '">' + d.data[i].title + '</a></li>';
    }
    document.getElementById('results').innerHTML = html;
  };
  xhr.send();
})();
</script>"""


def hits(site: Site, query: str) -> list[Item]:
    """The site's items whose title holds the query, newest first (pins cleared), at most 20."""
    found = sorted(
        (i for c in site.columns for i in c.items if query and query in i.title),
        key=lambda i: i.date,
        reverse=True,
    )[:20]
    return [dataclasses.replace(i, pinned=False) for i in found]


def _query(path: str, name: str) -> str:
    return parse_qs(urlsplit(path).query).get(name, [""])[0].strip()


def _answer_page(site: Site, query: str, found: list[Item]) -> str:
    listing = list_html(site, found) if found else "<p>未找到相关信息</p>"
    body = f'<div class="search-result"><h2>搜索“{escape(query)}”：共{len(found)}条</h2>\n{listing}</div>'
    return chrome(site, f"搜索结果_{site.name}", body)


def search_routes(site: Site) -> dict[str, Route]:
    """The site's own search routes for its kind of search."""
    kind = site.checks.search

    def local(path: str) -> Response:
        query = _query(path, "q")
        found = [] if kind == "broken" else hits(site, query)
        return Response(body=_answer_page(site, query, found))

    def script_page(path: str) -> Response:
        return Response(body=chrome(site, f"搜索结果_{site.name}", JS_ANSWER))

    def api(path: str) -> Response:
        data = [{"title": i.title, "url": i.path} for i in hits(site, _query(path, "q"))]
        return Response(body=json.dumps({"data": data}, ensure_ascii=False), content_type="application/json")

    for route in (local, script_page, api):
        route.wants_path = True  # type: ignore[attr-defined]
    if kind in ("missing", "provincial"):
        return {}
    if kind == "js":
        return {SEARCH_PATH: script_page, API_PATH: api}
    return {SEARCH_PATH: local}


def provincial_routes(sites: list[Site]) -> dict[str, Route]:
    """The provincial search platform: ``/s?siteCode=..&searchWord=..`` answers with links to the
    site's own articles (absolute addresses on the site's host)."""
    by_code = {s.site_code: s for s in sites if s.checks.search == "provincial"}

    def answer(path: str) -> Response:
        site = by_code.get(_query(path, "siteCode"))
        query = _query(path, "searchWord")
        if site is None:
            return Response(body="<html><body><p>站点不存在</p></body></html>")
        rows = "".join(
            f'<li><a href="http://{site.host}:{PORT_TOKEN}{i.path}" target="_blank">{escape(i.title)}</a>'
            f"<span>{i.date:%Y-%m-%d}</span></li>"
            for i in hits(site, query)
        )
        body = (
            f"<html><head><meta charset='utf-8'><title>江苏省政府网站集约化平台搜索</title></head><body>"
            f'<div class="result"><h2>“{escape(query)}”的搜索结果</h2><ul class="list">{rows}</ul></div></body></html>'
        )
        return Response(body=body)

    answer.wants_path = True  # type: ignore[attr-defined]
    return {PROVINCIAL_PATH: answer}
