"""Column typing (indicators.md column categories) and column discovery from navigation and 网站地图."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.columns import classify_column, discover_columns, is_policy_column
from crawlers.links import ColumnRef
from crawlers.thresholds import load_thresholds

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
HOME = "http://www.mousz.gov.cn/"
TABLE = load_thresholds()["columns"]


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- categories


@pytest.mark.parametrize("family", ["news", "notice_policy", "exempt"])
def test_every_keyword_of_a_family_gives_that_family(family: str):
    for word in TABLE[family]:
        assert classify_column(word) == family, word


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("政务要闻", "news"),
        ("部门动态", "news"),
        ("区县动态", "news"),
        ("图片新闻", "news"),
        ("今日关注", "news"),
        ("通知公告", "notice_policy"),
        ("通 知 公 告", "notice_policy"),  # spaced out in the navigation
        ("政策文件", "notice_policy"),
        ("规范性文件", "notice_policy"),
        ("政策解读", "notice_policy"),
        ("人事任免公示", "notice_policy"),
        ("机构职能", "other"),
        ("领导信息", "other"),
        ("政府信息公开年报", "other"),
        ("", "other"),
    ],
)
def test_column_categories(name: str, category: str):
    assert classify_column(name) == category


@pytest.mark.parametrize(
    "name",
    ["专题动态", "专题专栏", "2023年两会专题", "历史文件", "往期回顾", "已归档信息", "政策文件（已归档）"],
)
def test_exempt_wins_over_every_other_family(name: str):
    assert classify_column(name) == "exempt"


def test_notice_policy_is_checked_before_news():
    assert classify_column("通知公告与工作动态") == "notice_policy"


def test_an_office_table_replaces_the_default():
    table = {"news": ["快讯"], "notice_policy": ["公开"], "exempt": []}
    assert classify_column("政务快讯", table) == "news"
    assert classify_column("专题快讯", table) == "news"  # 专题 is not exempt in this table
    assert classify_column("工作动态", table) == "other"
    thresholds = load_thresholds()
    thresholds["columns"]["news"].append("快讯")
    assert classify_column("政务快讯", thresholds) == "news"  # the whole thresholds dict works too


def test_policy_columns():
    assert is_policy_column("政策文件") is True
    assert is_policy_column("市政府政策文件") is True
    assert is_policy_column("政策解读") is False
    assert is_policy_column("通知公告") is False
    assert is_policy_column("规范性文件", {"column_keywords": ["规范性文件"]}) is True
    thresholds = load_thresholds()
    thresholds["SITE-DED-POLICY-STALE"]["column_keywords"] = ["政策法规"]
    assert is_policy_column("政策法规", thresholds) is True
    assert is_policy_column("政策文件", thresholds) is False


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
