"""Column discovery from navigation and 网站地图 (names as shown; their category is the rules')."""

from __future__ import annotations

from pathlib import Path

from crawlers.columns import discover_columns
from crawlers.links import ColumnRef

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
HOME = "http://www.mousz.gov.cn/"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- discovery


def test_columns_from_homepage_navigation():
    columns = discover_columns(page("trs_home.html"), HOME)
    assert columns == [
        ColumnRef(HOME + "zwgk/", "政务公开", 1, "nav"),
        ColumnRef(HOME + "zwgk/tzgg/index.html", "通知公告", 2, "nav"),
        ColumnRef(HOME + "zwgk/zcwj/", "政策文件", 2, "nav"),
        ColumnRef(HOME + "xwzx/index.html", "新闻中心", 1, "nav"),
        ColumnRef(HOME + "xwzx/zwyw/", "政务要闻", 2, "nav"),
        ColumnRef(HOME + "xwzx/bmdt/", "部门动态", 2, "nav"),
        ColumnRef(HOME + "hdjl/", "互动交流", 1, "nav"),
        ColumnRef("http://www.mousz.gov.cn:8080/zmhd/", "政民互动", 1, "nav"),
        ColumnRef(HOME + "ztzl/", "专题专栏", 1, "nav"),
    ]
    # not columns: 首页, the top bar (无障碍, English, 网站地图, 登录), www.gov.cn, articles,
    # and /zwgk/tzgg/ again (same column as /zwgk/tzgg/index.html)


def test_columns_from_the_site_map_are_grouped_under_headings():
    columns = discover_columns(page("sitemap.html"), HOME + "wzdt/", from_sitemap=True)
    got = [(c.url.removeprefix(HOME), c.name, c.level, c.source) for c in columns]
    assert got == [
        ("xwzx/", "新闻中心", 1, "sitemap"),
        ("xwzx/zwyw/", "政务要闻", 2, "sitemap"),
        ("xwzx/bmdt/", "部门动态", 2, "sitemap"),
        ("xwzx/qxdt/", "区县动态", 2, "sitemap"),
        ("zwgk/tzgg/", "通知公告", 2, "sitemap"),  # under the unlinked heading 政务公开
        ("zwgk/zcwj/", "政策文件", 2, "sitemap"),
        ("zwgk/zcjd/index.html", "政策解读", 2, "sitemap"),
        ("hdjl/", "互动交流", 1, "sitemap"),  # nested lists
        ("hdjl/zxts/", "咨询投诉", 2, "sitemap"),
        ("hdjl/myzj/", "民意征集", 2, "sitemap"),
        ("ztzl/", "专题专栏", 1, "sitemap"),
        ("ztzl/2023lh/", "2023年两会专题", 2, "sitemap"),
    ]
    # the page's own navigation and footer (关于我们, 联系我们) are not columns of the map


def test_flat_site_map_links_are_first_level():
    html = (
        '<html><head><title>网站地图</title></head><body><h1>网站地图</h1><div class="map">'
        '<a href="/zwgk/">政务公开</a><a href="/xwzx/">新闻中心</a><a href="/">首页</a></div></body></html>'
    )
    columns = discover_columns(html, HOME + "wzdt/", from_sitemap=True)
    assert [(c.name, c.level) for c in columns] == [("政务公开", 1), ("新闻中心", 1)]


def test_menu_classes_in_pinyin_and_header_fallback():
    html = (
        '<html><body><div id="daohang"><a href="/col/col1/index.html">政务公开</a>'
        '<a href="/art/2024/9/26/art_1_2.html">领导讲话</a><a href="/zcwj/P0201.pdf">政策汇编</a></div>'
        '<div class="lanmu-box"><a href="https://www.mousz.gov.cn/content/post_123.html">文章</a>'
        '<a href="/xxgk/?cat=5">信息公开目录</a></div></body></html>'
    )
    assert [(c.url, c.name) for c in discover_columns(html, HOME)] == [
        (HOME + "col/col1/index.html", "政务公开"),
        (HOME + "xxgk/?cat=5", "信息公开目录"),
    ]
    header = '<html><body><header><a href="/index.html">首页</a><a href="/zfxxgk/">政府信息公开</a></header></body></html>'
    assert [c.name for c in discover_columns(header, HOME)] == ["政府信息公开"]
