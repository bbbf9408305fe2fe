"""Page shapes of the common government CMSs: TRS WCM, Hanweb JCMS (大汉), gov.cn/Ucap, hand-made.

Only markup lives here: URLs of columns and articles, list markup, page chrome (meta tags, navigation,
footer marks). ``pages.py`` decides which pages a site serves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from simweb.content import format_date
from simweb.model import PORT_TOKEN, Column, Item, Site
from simweb.searchform import search_form

CMS_STYLES: tuple[str, ...] = ("trs", "hanweb", "govcn", "handmade")

ZHAOCUO_JS = "/exposure/jiucuo.js"  # the national 找错 widget, on zfwzgl.www.gov.cn
ZHAOCUO_HOST = "zfwzgl.www.gov.cn"

SITEMAP_PATHS: dict[str, str] = {
    "trs": "/wzdt/index.html",
    "hanweb": "/wzdt.html",
    "govcn": "/wzdt.htm",
    "handmade": "/sitemap.html",
}

_COLUMN_TYPES: dict[str, str] = {
    "news": "新闻动态",
    "notice_policy": "通知公告",
    "other": "信息公开",
    "exempt": "专题专栏",
}


def column_path(cms: str, slug: str, parent_slug: str, colid: int) -> str:
    """A column list page URL in the CMS's own shape."""
    if cms == "hanweb":
        return f"/col/col{colid}/index.html"
    base = f"/{parent_slug}/{slug}" if parent_slug else f"/{slug}"
    if cms == "trs":
        return f"{base}/index.html"
    if cms == "govcn":
        return f"{base}/home.htm"
    return f"/html/{slug}/list.html"


def item_path(cms: str, column_path_: str, colid: int, slug: str, when: datetime, docid: int) -> str:
    """An article URL; TRS and Hanweb URLs carry the date (a fallback the crawler may use)."""
    if cms == "trs":
        folder = column_path_.rsplit("/", 1)[0]
        return f"{folder}/{when:%Y%m}/t{when:%Y%m%d}_{docid}.html"
    if cms == "hanweb":
        return f"/art/{when.year}/{when.month}/{when.day}/art_{colid}_{docid}.html"
    if cms == "govcn":
        top = column_path_.strip("/").split("/")[0]
        return f"/{top}/content/{when:%Y%m}/content_{docid}.htm"
    return f"/html/{slug}/show_{docid}.html"


def list_page_path(site: Site, column: Column, page: int) -> str:
    """Path of list page ``page`` (0 = the first), for the CMSs whose pager writes static URLs."""
    if page == 0:
        return column.path
    folder = column.path.rsplit("/", 1)[0]
    if site.cms == "trs":
        return f"{folder}/index_{page}.html"
    if site.cms == "govcn":
        return f"{folder}/home_{page}.htm"
    return f"{column.path}?page={page + 1}"


def _href(site: Site, column_dir: str | None, item: Item) -> str:
    """TRS column pages link relatively (./202409/t...html); everything else root-relative."""
    if site.cms == "trs" and column_dir and item.path.startswith(column_dir + "/"):
        return "./" + item.path[len(column_dir) + 1 :]
    return item.path


def _entry(site: Site, item: Item, href: str) -> str:
    """One list entry in the site's markup, with the date where this CMS puts it."""
    t = escape(item.title)
    d = format_date(item.date, item.fmt)
    mark = '<b class="zd">[置顶]</b>' if item.pinned else ""
    li_class = ' class="top"' if item.pinned else ""
    if site.cms == "govcn":
        if item.date_in_link and d:
            return f'<li{li_class}><h4><a href="{href}" target="_blank"><span class="date">{d}</span>{mark}{t}</a></h4></li>'
        span = f'<span class="date">{d}</span>' if d else ""
        return f'<li{li_class}><h4><a href="{href}" target="_blank">{mark}{t}</a>{span}</h4></li>'
    if site.cms == "handmade" and site.variant % 2 == 0:
        cell = f'<td class="date" align="right">{d}</td>' if d else ""
        return (
            f'<tr{li_class}><td class="title"><a href="{href}" target="_blank">{mark}{t}</a></td>{cell}</tr>'
        )
    if site.cms == "handmade":
        em = f"<em>{d}</em>" if d else ""
        return f'<div class="item{" top" if item.pinned else ""}"><a href="{href}">{mark}{t}</a>{em}</div>'
    if item.date_in_link and d:
        return f'<li{li_class}><a href="{href}" title="{t}" target="_blank"><span class="date">{d}</span>{mark}{t}</a></li>'
    span = f"<span>{d}</span>" if d else ""
    return f'<li{li_class}><a href="{href}" title="{t}" target="_blank">{mark}{t}</a>{span}</li>'


def list_html(site: Site, items: list[Item], column_dir: str | None = None) -> str:
    """A static list of items (homepage blocks and non-Hanweb column pages)."""
    rows = "\n".join(_entry(site, i, _href(site, column_dir, i)) for i in items)
    if site.cms == "govcn":
        return f'<div class="list list_1 list_2"><ul>\n{rows}\n</ul></div>'
    if site.cms == "handmade" and site.variant % 2 == 0:
        return f'<table class="list" width="100%" cellspacing="0">\n{rows}\n</table>'
    if site.cms == "handmade":
        return f'<div class="news-list">\n{rows}\n</div>'
    return f'<ul class="list">\n{rows}\n</ul>'


def hanweb_datastore(column: Column, items: list[Item], total: int) -> str:
    """Hanweb JCMS keeps list records as CDATA in an inline XML datastore, rendered by its script."""
    records = "\n".join(f"<record><![CDATA[{_entry_plain(i)}]]></record>" for i in items)
    per_page = max(len(items), 1)
    pages = max(1, -(-total // per_page))
    nextgroup = (
        f'<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3&path=/&columnid={column.colid}'
        f'&unitid={column.colid + 400000}&permissiontype=0"></a>'
    )
    return (
        f'<div id="{column.colid + 100000}"><script type="text/xml"><datastore>\n'
        f"<nextgroup><![CDATA[{nextgroup}]]></nextgroup>\n"
        f"<totalrecord>{total}</totalrecord><totalpage>{pages if total else 0}</totalpage>\n"
        f"<recordset>\n{records}\n</recordset>\n</datastore></script>"
        f'<script type="text/javascript" src="/module/web/jpage/jpage.js"></script></div>'
    )


def _entry_plain(item: Item) -> str:
    t = escape(item.title)
    d = format_date(item.date, item.fmt)
    mark = "[置顶]" if item.pinned else ""
    if item.date_in_link and d:
        return f'<li><a href="{item.path}" title="{t}" target="_blank"><span>{d}</span>{mark}{t}</a></li>'
    span = f'<span class="bt-data-time">{d}</span>' if d else ""
    return f'<li><a href="{item.path}" title="{t}" target="_blank">{mark}{t}</a>{span}</li>'


def pager_html(site: Site, pages: int, current: int) -> str:
    """The JS-written pager each CMS uses (TRS createPageHTML, gov.cn home_N.htm)."""
    if site.cms == "trs":
        return (
            '<div class="page"><script>var currentPage = '
            f"{current};//所在页从0开始\nvar countPage = {pages}//共多少页\n"
            'createPageHTML(countPage, currentPage, "index", "html");</script></div>'
        )
    if site.cms == "govcn":
        return f"<div class=\"page\" id=\"page_div\"><script>createPageHTML('page_div',{pages},{current + 1},'home','htm',{pages * 15});</script></div>"
    if site.cms == "handmade":
        return f'<div class="page">共{pages}页 当前第{current + 1}页</div>'
    return ""


# createPageHTML as TRS templates define it: writes links to index_N.html (all served).
PAGER_SCRIPT = """<script>
function createPageHTML(count, current, name, ext) {
  if (typeof count === 'string') { var id = count; count = current; current = name - 1; name = ext; ext = arguments[4]; }
  if (count <= 1) { return; }
  var html = '';
  for (var i = 0; i < count; i++) {
    var href = i === 0 ? name + '.' + ext : name + '_' + i + '.' + ext;
    html += i === current ? '<span>' + (i + 1) + '</span> ' : '<a href="' + href + '">' + (i + 1) + '</a> ';
  }
  document.write(html);
}
</script>"""


def chrome(
    site: Site,
    title: str,
    body: str,
    *,
    meta: dict[str, str] | None = None,
    head: str = "",
) -> str:
    """A full page: head meta tags, top bar, navigation, the body, and the footer marks."""
    tags = {"SiteName": site.name, "SiteDomain": site.host}
    if site.footer_code is not None:
        tags["SiteIDCode"] = site.footer_code
    tags.update(meta or {})
    metas = "\n".join(f'<meta name="{k}" content="{escape(v)}">' for k, v in tags.items())
    sitemap = SITEMAP_PATHS[site.cms]
    nav_items = "".join(
        f'<li><a href="{c.path}">{escape(c.shown)}</a></li>' for c in site.columns if c.level == 1
    )
    if site.cms in ("trs", "govcn"):
        nav = f'<div class="nav"><ul><li><a href="/">首页</a></li>{nav_items}</ul></div>'
    else:
        nav = f'<ul class="menu"><li><a href="/">首页</a></li>{nav_items}</ul>'
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta charset="{site.meta_charset}">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{escape(title)}</title>
{metas}
<link rel="stylesheet" href="/css/style.css">
{head}
</head><body>
<div class="topbar"><span>欢迎访问{escape(site.name)}</span> <a href="{sitemap}">网站地图</a>
{search_form(site)}</div>
<div class="header"><a href="/"><img src="/images/logo.png" alt="{escape(site.name)}"></a></div>
{nav}
<div class="main">
{body}
</div>
{footer(site)}
</body></html>
"""


def footer(site: Site) -> str:
    """Footer marks: 标识码, ICP, 公网安备 linked to beian.gov.cn, the conac badge."""
    code = f"政府网站标识码：{site.footer_code}" if site.footer_code is not None else ""
    icp = (
        f'<a href="http://beian.miit.gov.cn:{PORT_TOKEN}/" target="_blank">{site.icp}</a>' if site.icp else ""
    )
    beian = (
        f'<a href="http://www.beian.gov.cn:{PORT_TOKEN}/portal/registerSystemInfo?recordcode={site.beian}" '
        f'target="_blank"><img src="/images/ga.png" alt="">苏公网安备 {site.beian}号</a>'
    )
    badge = (
        f'<a href="http://bszs.conac.cn:{PORT_TOKEN}/sitename?method=show&amp;id={site.conac_id}" '
        f'target="_blank"><img src="/images/red.png" alt="党政机关"></a>'
    )
    zhaocuo = (
        f"<script id=\"_jiucuo_\" sitecode='{site.footer_code or site.site_code}' "
        f"src='http://{ZHAOCUO_HOST}:{PORT_TOKEN}{ZHAOCUO_JS}'></script>"
        if site.checks.zhaocuo
        else ""
    )
    return f"""<div class="footer">
<p>主办单位：{escape(site.owner)}　承办单位：{escape(site.name)}信息中心</p>
<p>{code}　{icp}　{beian}</p>
<p class="conac">{badge}</p>
{zhaocuo}
</div>"""


def column_type(column: Column) -> str:
    """The ColumnType meta value for a column's category."""
    return _COLUMN_TYPES.get(column.category, "信息公开")


def article_html(site: Site, column: Column, item: Item, body: str) -> str:
    """An article page with ArticleTitle/PubDate meta and the CMS's body container."""
    pub = item.date.strftime("%Y-%m-%d %H:%M")
    zoom = {
        "trs": 'class="TRS_Editor"',
        "hanweb": 'id="zoom"',
        "govcn": 'class="pages_content" id="UCAP-CONTENT"',
    }
    inner = f"""<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{column.path}">{escape(column.shown)}</a></div>
<div class="article"><h1>{escape(item.title)}</h1>
<div class="info">发布日期：{pub[:10]}　来源：{escape(site.owner)}</div>
<meta name="ContentStart"><div {zoom.get(site.cms, 'class="content"')}>
{body}</div><meta name="ContentEnd"></div>"""
    meta = {"ColumnName": column.shown, "ContentSource": site.owner}
    if site.checks.articles != "untagged":
        shifted = item.date + timedelta(days=site.checks.pubdate_shift_days)
        meta |= {"ArticleTitle": item.title, "PubDate": shifted.strftime("%Y-%m-%d %H:%M")}
    return chrome(site, f"{item.title}_{site.name}", inner, meta=meta)
