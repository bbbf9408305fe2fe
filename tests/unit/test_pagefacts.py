"""Page facts read from realistic government pages."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers import columns
from crawlers import html as html_facts
from crawlers import links as link_facts
from crawlers import pagefacts as pf
from crawlers.models import LinkCheck, LinkRef
from crawlers.pagewords import load_page_words
from crawlers.thresholds import load_thresholds
from pipelines.rules import link_state
from pipelines.rules.base import Rules
from spiders.linkcheck import read_signals

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
HOME = "http://www.mousz.gov.cn/"
RULES = Rules.load()
WORDS = load_page_words()


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- meta tags (12.1)


def test_meta_names_match_case_insensitively_and_come_back_canonical():
    meta = pf.read_meta(page("trs_home.html"))
    assert meta == {
        "SiteName": "某某市人民政府",
        "SiteDomain": "www.mousz.gov.cn",
        "SiteIDCode": "3205000001",
    }

    hanweb = pf.read_meta(page("hanweb_column.html"))
    assert hanweb["SiteIDCode"] == "3301060001"  # written SiteIdCode
    assert hanweb["ColumnName"] == "工作动态"
    assert hanweb["ColumnType"] == "工作动态"
    assert "ColumnDescription" not in hanweb  # present but empty


def test_govcn_article_meta_with_publication_times():
    meta = pf.read_meta(page("govcn_article.html"))
    assert meta["ArticleTitle"] == "国务院办公厅关于某事项的通知"
    assert meta["PubDate"] == "2024-04-22 10:30"
    assert meta["firstpublishedtime"] == "2024-04-22-10:30:05"
    assert meta["lastmodifiedtime"] == "2024-04-22-11:02:40"
    assert meta["ContentSource"] == "中国政府网"
    assert meta["Keywords"] == "国务院,政策解读"
    assert meta["Author"] == "新华社"  # the first non-empty of two
    assert "manuscriptId" not in meta  # not one of the government page tags
    assert "lanmu" not in meta


# ---------------------------------------------------------------- footer marks (12.2)


def test_trs_footer_has_every_mark():
    assert pf.read_footer(page("trs_home.html")) == {
        "site_code": "3205000001",  # wrapped in <span>, full-width colon
        "icp": "苏ICP备14054231号-1",
        "beian": "苏公网安备 32010202010427号",
        "conac_badge": True,
        "jiucuo": True,  # the _jiucuo_ script
    }


def test_hanweb_footer_ascii_colon_icp_without_suffix_and_jiucuo_link():
    footer = pf.read_footer(page("hanweb_column.html"))
    assert footer["site_code"] == "3301060001"
    assert footer["icp"] == "浙ICP备05070218号"
    assert footer["beian"] == "浙公网安备 33010602001234号"
    assert footer["conac_badge"] is False
    assert footer["jiucuo"] is True  # link text 我为政府网站找错


def test_ministry_code_and_marks_without_separators():
    footer = pf.read_footer(page("govcn_article.html"))
    assert footer["site_code"] == "bm01000001"
    assert footer["icp"] == "京ICP备05070218号"
    assert footer["beian"] == "京公网安备 11010202000001号"


@pytest.mark.parametrize(
    ("html", "key", "expected"),
    [
        ("<p>ICP备案号：浙ICP备12345678号-2</p>", "icp", "浙ICP备12345678号-2"),
        ("<p>京ICP证030173号</p>", "icp", "京ICP证030173号"),
        ("<p>网站标识码： 1304000009 </p>", "site_code", "1304000009"),
        ("<td>政府网站标识码:</td><td>3200000024</td>", "site_code", "3200000024"),
        (
            '<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=32050002000000">'
            '<img src="/ga.png"></a>',
            "beian",
            "公网安备 32050002000000号",
        ),
        ('<script src="http://dcs.conac.cn/js/33/000/0000/60400000000.js"></script>', "conac_badge", True),
        ('<script src="http://pucha.kaipuyun.cn/exposure/jiucuo.js"></script>', "jiucuo", True),
        ('<a href="/jc/"><img src="/jc.png" alt="我为政府网站找错"></a>', "jiucuo", True),
    ],
)
def test_footer_mark_variants(html: str, key: str, expected: object):
    assert pf.read_footer(f"<html><body><div class='footer'>{html}</div></body></html>")[key] == expected


def test_site_code_only_in_meta_is_not_a_footer_mark():
    html = '<html><head><meta name="SiteIDCode" content="3205000001"></head><body><p>主办：某某局</p></body></html>'
    assert pf.read_footer(html) == {
        "site_code": None,
        "icp": None,
        "beian": None,
        "conac_badge": False,
        "jiucuo": False,
    }


# ---------------------------------------------------------------- title and text


def test_title_and_visible_text():
    html = page("trs_home.html")
    assert html_facts.page_title(html) == "某某市人民政府"
    text = html_facts.visible_text(html)
    assert "var _hmt" not in text  # scripts and styles are not text
    assert "float:left" not in text
    assert "2024-09-26 市发改委开展专项检查" in text  # list items do not glue together
    assert "  " not in text
    assert html_facts.page_title("<html><body>无标题</body></html>") == ""
    assert html_facts.visible_text("") == ""


def test_one_parsed_tree_serves_every_question():
    root = html_facts.parse(page("hanweb_column.html"))
    assert html_facts.parse(root) is root
    assert pf.read_meta(root)["ColumnName"] == "工作动态"
    assert pf.read_footer(root)["site_code"] == "3301060001"
    assert html_facts.visible_text(root) == html_facts.visible_text(page("hanweb_column.html"))


def test_encoding_declaration_in_a_decoded_string_is_ignored():
    html = '<?xml version="1.0" encoding="gbk"?><html><head><meta charset="gbk"><title>通知公告</title></head></html>'
    assert html_facts.page_title(html) == "通知公告"


# ---------------------------------------------------------------- soft-404 (12.7): signals, then the rule


def soft404(status: int | None, html: str, rules: Rules = RULES) -> bool:
    """What a sweep concludes of a linked page: the signals the link check records, judged by the rule."""
    signals = read_signals(html, WORDS)
    check = LinkCheck(
        target_id="t",
        url=HOME + "x.html",
        kind="page",
        found_on=[HOME],
        on_homepage=True,
        checked_at=datetime(2024, 9, 30, tzinfo=UTC),
        method="GET",
        status=status,
        internal=True,
        title=signals.title if signals else "",
        text_chars=signals.text_chars if signals else None,
        text_excerpt=signals.text_excerpt if signals else "",
        tagged=signals.tagged if signals else False,
    )
    return link_state.is_soft404(check, rules)


@pytest.mark.parametrize(
    "name",
    [
        "soft404_plain.html",  # 您访问的页面不存在
        "soft404_trs_template.html",  # full site template around 抱歉，您访问的页面不存在或已被删除
        "soft404_title.html",  # <title>404</title>, body says nothing useful
        "soft404_nginx.html",  # 404 Not Found served with 200
        "soft404_file.html",  # 文件不存在, title 出错了
    ],
)
def test_soft404_pages(name: str):
    assert soft404(200, page(name)) is True


@pytest.mark.parametrize(
    "name", ["article_mentions_404.html", "trs_home.html", "empty_column.html", "govcn_article.html"]
)
def test_real_pages_are_not_soft404(name: str):
    assert soft404(200, page(name)) is False


def test_soft404_needs_a_successful_status():
    assert soft404(404, page("soft404_plain.html")) is False  # a real 404, not a soft one
    assert soft404(None, page("soft404_plain.html")) is False


def test_soft404_phrases_come_from_the_indicator_data():
    html = "<html><head><title>提示</title></head><body><p>该信息已被删除撤稿</p></body></html>"
    assert soft404(200, html) is False
    data = load_thresholds()
    data["markers"]["soft404_phrases"].append("已被删除撤稿")
    assert soft404(200, html, Rules(data)) is True  # the same recorded signals, another judgment


def test_every_shipped_soft404_phrase_contains_a_not_found_hint():
    """A linked page's signals are read only when it says a hint: each phrase must carry one."""
    for phrase in [*RULES.markers["soft404_phrases"], *RULES.markers["soft404_title_phrases"]]:
        assert WORDS.may_say_not_found(phrase), phrase


def test_the_main_text_leaves_out_navigation_and_footer():
    chars, excerpt = pf.text_signals(page("soft404_trs_template.html"))
    assert "您访问的页面不存在" in excerpt
    assert chars < len(html_facts.visible_text(page("soft404_trs_template.html")))


# ---------------------------------------------------------------- anti-bot walls


def test_antibot_pages():
    assert pf.is_antibot(200, page("antibot.html")) is True
    assert pf.is_antibot(200, page("js_challenge.html")) is True  # cookie-setting JS challenge
    assert pf.is_antibot(412, "") is True
    assert pf.is_antibot(521, page("trs_home.html")) is True


def test_ordinary_pages_are_not_antibot():
    assert pf.is_antibot(200, page("trs_home.html")) is False
    assert pf.is_antibot(200, page("soft404_plain.html")) is False
    assert pf.is_antibot(None, page("antibot.html")) is False
    long_form = page("article_mentions_404.html").replace(
        "</body>", "<form><label>验证码</label><input name='code'><button>提交留言</button></form></body>"
    )
    assert pf.is_antibot(200, long_form) is False  # 验证码 on a message form of a real page


# ---------------------------------------------------------------- links


def test_homepage_links_are_absolute_deduplicated_and_typed():
    links = {link.url: link for link in link_facts.extract_links(page("trs_home.html"), HOME)}

    assert links[HOME + "images/common.css"].kind == "style"
    assert links[HOME + "js/jquery.min.js"].kind == "script"
    assert links[HOME + "favicon.ico"].kind == "image"
    assert links[HOME + "images/logo.png"] == LinkRef(HOME + "images/logo.png", "某某市人民政府", "image")
    assert links[HOME + "zwgk/tzgg/202409/P020240920.pdf"].kind == "attachment"
    assert links[HOME + "zwgk/tzgg/202409/P020240919.docx"].text == "申报表"
    assert links[HOME + "xwzx/zwyw/202409/t20240926_5012345.html"] == LinkRef(
        HOME + "xwzx/zwyw/202409/t20240926_5012345.html", "市政府召开常务会议", "page"
    )
    # fragment stripped
    assert links[HOME + "xwzx/bmdt/202409/t20240925_5012300.html"].kind == "page"
    # same site despite www/port; other hosts (a subdomain, www.gov.cn) are external
    assert links["http://www.mousz.gov.cn:8080/zmhd/"].kind == "page"
    assert links["http://www.gov.cn/yaowen/"].kind == "external"
    assert links["http://en.mousz.gov.cn/"].kind == "external"
    assert links["https://zwfw.jiangsu.gov.cn/embed/banner.html"].text == "江苏政务服务网"  # iframe
    assert links[HOME + "ztzl/2024xc/"].text == "宣传专题"  # <area>
    assert links["https://zfwzgl.www.gov.cn/exposure/jiucuo.js"].kind == "script"
    assert links["http://dcs.conac.cn/image/red.png"].kind == "image"
    # the homepage link keeps the first text seen (the logo's alt), not 首 页
    assert links[HOME].text == "某某市人民政府"

    assert "http://www.mousz.gov.cn/" in links
    for url in links:
        assert url.startswith(("http://", "https://"))
        assert "#" not in url
    assert not [u for u in links if "mailto" in u or "tel:" in u or "javascript" in u]
    assert "http://www.mousz.gov.cn/" + "canonical" not in links
    assert len(links) == len(link_facts.extract_links(page("trs_home.html"), HOME))


def test_links_skip_what_nobody_can_follow():
    html = (
        '<a href="javascript:void(0)">a</a><a href="#">b</a><a href="">c</a><a href="  ">d</a>'
        '<a href="mailto:x@a.gov.cn">e</a><a href="tel:12345">f</a><img src="data:image/png;base64,AAA">'
        '<a href="#top">g</a><a>h</a><link rel="canonical" href="/x">'
    )
    assert link_facts.extract_links(f"<html><body>{html}</body></html>", HOME) == []


def test_base_href_and_www_less_internal_links():
    html = (
        '<html><head><base href="http://mousz.gov.cn/zwgk/"></head><body>'
        '<a href="tzgg/">通知公告</a><a href="../xwzx/">新闻</a><a href="//www.mousz.gov.cn/hd/">互动</a>'
        '<a href="HTTP://www.gov.cn/">中国政府网</a></body></html>'
    )
    links = link_facts.extract_links(html, "https://www.mousz.gov.cn/zwgk/index.html")
    assert [(link.url, link.kind) for link in links] == [
        ("http://mousz.gov.cn/zwgk/tzgg/", "page"),
        ("http://mousz.gov.cn/xwzx/", "page"),
        ("http://www.mousz.gov.cn/hd/", "page"),
        ("http://www.gov.cn/", "external"),
    ]


def test_hanweb_datastore_records_are_links_of_the_column():
    base = "http://www.moqu.gov.cn/col/col64511/index.html"
    urls = [link.url for link in link_facts.extract_links(page("hanweb_column.html"), base)]
    assert "http://www.moqu.gov.cn/art/2024/9/26/art_64511_998877.html" in urls
    assert "http://www.moqu.gov.cn/art/2024/9/20/art_64511_998800.html" in urls
    assert not [u for u in urls if "dataproxy.jsp" in u]  # the paging proxy is not a visitor link


def test_sitemap_url():
    assert columns.find_sitemap_url(page("trs_home.html"), HOME) == HOME + "wzdt/"
    assert columns.find_sitemap_url(page("hanweb_column.html"), "http://www.moqu.gov.cn/") is None
    html = '<a href="/map.html">站点地图</a>'
    assert columns.find_sitemap_url(html, HOME) == HOME + "map.html"
    office = dataclasses.replace(WORDS, sitemap_link_texts=("网站导航",))
    assert columns.find_sitemap_url(html, HOME, office) is None


# ---------------------------------------------------------------- JavaScript-filled lists


def test_js_rendered_shell_is_recognised():
    assert pf.looks_js_rendered(page("js_shell.html")) is True


@pytest.mark.parametrize(
    "name", ["trs_home.html", "hanweb_column.html", "empty_column.html", "govcn_article.html"]
)
def test_static_pages_are_not_js_rendered(name: str):
    assert pf.looks_js_rendered(page(name)) is False


@pytest.mark.parametrize(
    "html",
    [
        '<div id="list"></div><script>fetch("/api/list?col=12").then(r => r.json()).then(render)</script>',
        '<ul class="newsList"></ul><script>var x = new XMLHttpRequest(); x.open("GET", "/list.json");</script>',
        '<div class="con"><p>数据加载中，请稍候……</p></div>',
        '<ul class="list"><li v-for="item in list"><a :href="item.url">{{ item.title }}</a></li></ul>'
        '<script>axios.get("/api/news").then(function (r) { app.list = r.data; });</script>',
    ],
)
def test_js_rendered_variants(html: str):
    assert pf.looks_js_rendered(f"<html><body>{html}</body></html>") is True


def test_empty_container_without_a_data_fetch_is_not_js():
    assert pf.looks_js_rendered('<ul class="list"></ul><script>$(".nav li").hover(show)</script>') is False


# ---------------------------------------------------------------- cost


def test_a_100kb_page_is_read_whole():
    """A long homepage (760 list items, over 100 KB) is read to its end: every link, the footer and
    the columns (its speed is measured in ``python -m benchmarks``, never in a test)."""
    items = "".join(
        f'<li><a href="./xwzx/zwyw/202409/t20240926_{i}.html" title="标题{i}">市政府召开常务会议第{i}次</a>'
        f"<span>2024-09-26</span></li>"
        for i in range(760)
    )
    html = page("trs_home.html").replace('<ul class="list">', '<ul class="list">' + items)
    assert len(html.encode()) > 100_000
    root = html_facts.parse(html)
    small = html_facts.parse(page("trs_home.html"))
    assert pf.read_footer(root) == pf.read_footer(small)
    assert html_facts.page_title(root) == html_facts.page_title(small)
    assert not pf.is_antibot(200, root)
    hrefs = {link.url for link in link_facts.extract_links(html, HOME)}
    assert {f"{HOME}xwzx/zwyw/202409/t20240926_{i}.html" for i in (0, 379, 759)} <= hrefs
    assert len(columns.discover_columns(root, HOME)) == len(columns.discover_columns(small, HOME))
