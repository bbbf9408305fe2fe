"""Which pages a simulated site serves: homepage, columns (and their further pages), articles,
site map, assets, the JS list endpoint, and the planted soft-404 and redirect-loop routes.

Articles are rendered on request (a site has hundreds), everything else once.
"""

from __future__ import annotations

import json
import random
from html import escape

from simweb.cms import (
    PAGER_SCRIPT,
    SITEMAP_PATHS,
    article_html,
    chrome,
    column_type,
    hanweb_datastore,
    list_html,
    list_page_path,
    pager_html,
)
from simweb.content import article_body, format_date
from simweb.letters import home_block, mailbox_routes
from simweb.model import PORT_TOKEN, Column, Item, Response, Route, Site
from simweb.searchsim import search_routes

# 1x1 transparent PNG: logos, badges and banners that exist.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
CSS = "body{font-family:'Microsoft YaHei',SimSun,sans-serif;margin:0}.nav li,.menu li{display:inline-block}\n"

SOFT404_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>页面不存在</title></head>
<body><div class="error"><h2>抱歉，您访问的页面不存在或已被删除！</h2><p><a href="/">返回首页</a></p></div></body></html>
"""

EMPTY_MARKUP: dict[str, str] = {
    "placeholder": '<ul class="list"></ul><div class="no-data">暂无信息</div>',
    "empty_ul": '<ul class="list"></ul>',
    "column_placeholder": '<div class="list-empty">本栏目暂无信息</div>',
    "no_data": '<div class="list-empty"><p>暂无数据</p></div>',
    "hanweb_zero": "",
}

JS_LIST = """<ul id="list" class="list"></ul>
<script>
(function () {
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/api/list.json?columnid=%d', true);
  xhr.onload = function () {
    var d = JSON.parse(xhr.responseText), html = '';
    for (var i = 0; i < d.data.length; i++) {
      var r = d.data[i];
      html += '<li><a href="' + r.url + '" title="' + r.title + '">' + r.title + '</a><span class="date">' + r.pubDate + '</span></li>';
    }
    document.getElementById('list').innerHTML = html;
  };
  xhr.send();
})();
</script>"""

PAGE_SIZE_MIN = 8


def _page(site: Site, role: str, html: str, status: int = 200, delay: float = 0.0) -> Response:
    charset = site.header_charset.get(role, site.encoding)
    return Response(status=status, body=html, charset=charset, encoding=site.encoding, delay=delay)


def _home_body(site: Site) -> str:
    parts = ['<div class="banner"><img src="/images/banner.jpg" alt="banner"></div>']
    for key, items in site.home_blocks:
        col = site.column(key)
        parts.append(
            f'<div class="block"><div class="block-title"><h3>{escape(col.shown)}</h3>'
            f'<a class="more" href="{col.path}">更多&gt;&gt;</a></div>\n{list_html(site, items)}</div>'
        )
    if site.nav_only:
        tiles = "".join(
            f'<li><a href="{c.path}"><img src="/images/logo.png" alt=""><span>{escape(c.shown)}</span></a></li>'
            for c in site.columns
            if c.level == 1
        )
        parts.append(f'<div class="portal-tiles"><ul>{tiles}</ul></div>')
    planted = "".join(
        f'<li><a href="{link.url}" target="_blank">{escape(link.text)}</a></li>'
        if link.kind != "image"
        else f'<li><img src="{link.url}" alt="{escape(link.text)}"></li>'
        for link in site.links
        if link.on_homepage
    )
    parts.append(
        '<div class="links"><h3>相关链接</h3><ul>'
        f'<li><a href="http://www.gov.cn:{PORT_TOKEN}/" target="_blank">中国政府网</a></li>'
        f'<li><a href="http://www.js.gov.cn:{PORT_TOKEN}/" target="_blank">江苏省人民政府</a></li>'
        f"{planted}</ul></div>"
    )
    parts.append(home_block(site))
    return "\n".join(parts)


def _pages_of(column: Column) -> list[list[Item]]:
    """Split a column's items into list pages (first page 8-20 items)."""
    size = max(PAGE_SIZE_MIN, min(20, column.colid % 13 + 8))
    items = column.items
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _column_page(site: Site, column: Column, page: int) -> str:
    pages = _pages_of(column)
    items = pages[page]
    folder = column.path.rsplit("/", 1)[0]
    if column.js:
        listing = JS_LIST % column.colid
    elif column.empty and site.cms == "hanweb":
        listing = hanweb_datastore(column, [], 0) + EMPTY_MARKUP.get(column.empty_style, "")
    elif column.empty:
        listing = EMPTY_MARKUP[column.empty_style]
    elif site.cms == "hanweb":
        listing = hanweb_datastore(column, items, len(column.items))
    else:
        listing = list_html(site, items, column_dir=folder)
    planted = "".join(
        f'<li><a href="{link.url}" target="_blank">{escape(link.text)}</a></li>'
        for link in site.links
        if link.column == column.key
    )
    if planted:
        planted = f'<div class="related"><h4>相关链接</h4><ul>{planted}</ul></div>'
    crumb = ""
    if column.parent:
        parent = site.column(column.parent)
        crumb = f' &gt; <a href="{parent.path}">{escape(parent.shown)}</a>'
    pager = "" if column.empty or column.js else pager_html(site, len(pages), page)
    body = (
        f'<div class="position">当前位置：<a href="/">首页</a>{crumb} &gt; {escape(column.shown)}</div>\n'
        f'<div class="col-title"><h2>{escape(column.shown)}</h2></div>\n'
        f"{listing}\n{planted}\n{pager}"
    )
    meta = {"ColumnName": column.shown, "ColumnType": column_type(column), "ColumnDescription": column.shown}
    return chrome(site, f"{column.shown}_{site.name}", body, meta=meta, head=PAGER_SCRIPT if pager else "")


def _sitemap(site: Site) -> str:
    blocks = []
    for top in (c for c in site.columns if c.level == 1):
        children = "".join(
            f'<a href="{c.path}">{escape(c.shown)}</a> ' for c in site.columns if c.parent == top.key
        )
        blocks.append(f'<dl><dt><a href="{top.path}">{escape(top.shown)}</a></dt><dd>{children}</dd></dl>')
    return chrome(site, f"网站地图_{site.name}", '<div class="sitemap">\n' + "\n".join(blocks) + "\n</div>")


def _js_list(site: Site, column: Column) -> Response:
    data = [
        {"title": i.title, "url": i.path, "pubDate": format_date(i.date, "iso")}
        for i in sorted(column.items, key=lambda i: i.date, reverse=True)
    ]
    body = json.dumps({"code": 0, "total": len(data), "data": data}, ensure_ascii=False)
    return Response(body=body, content_type="application/json")


def _article_route(site: Site, column: Column, item: Item) -> Route:
    def render() -> Response:
        rng = random.Random(f"{site.id}-{item.docid}")
        return _page(
            site, "article", article_html(site, column, item, article_body(rng, item.title, site.owner))
        )

    return render


def site_routes(site: Site) -> dict[str, Route]:
    """Every path the site answers; anything else is a 404."""
    if site.closed:
        return {}
    routes: dict[str, Route] = {
        "/css/style.css": Response(body=CSS, content_type="text/css"),
        "/images/logo.png": Response(body=PNG, content_type="image/png", charset=None),
        "/images/banner.jpg": Response(body=PNG, content_type="image/png", charset=None),
        "/images/red.png": Response(body=PNG, content_type="image/png", charset=None),
        "/images/ga.png": Response(body=PNG, content_type="image/png", charset=None),
        "/module/web/jpage/jpage.js": Response(body="/* jpage */\n", content_type="application/javascript"),
    }
    routes[site.home_path] = _page(
        site, "homepage", chrome(site, site.name, _home_body(site)), delay=site.home_delay
    )
    for path, status, location in site.redirects:
        routes[path] = Response(status=status, headers={"Location": location}, body="", delay=site.home_delay)
    routes[SITEMAP_PATHS[site.cms]] = _page(site, "sitemap", _sitemap(site))
    routes.update(search_routes(site))
    routes.update(mailbox_routes(site)[0])
    for column in site.columns:
        for page in range(len(_pages_of(column))):
            html = _column_page(site, column, page)
            routes[list_page_path(site, column, page)] = _page(site, "column", html)
        if column.js:
            routes["/api/list.json"] = _js_list(site, column)
        for item in column.items:
            routes[item.path] = _article_route(site, column, item)
    for link in site.links:
        if link.why == "soft404":
            routes[link.url] = Response(body=SOFT404_HTML)
        elif link.why == "loop":
            other = link.url.replace("_a.", "_b.")
            routes[link.url] = Response(status=302, headers={"Location": other})
            routes[other] = Response(status=302, headers={"Location": link.url})
    return routes
