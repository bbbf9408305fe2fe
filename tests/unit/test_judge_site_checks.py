"""The site checks as the national indicators state them, judged from recorded facts.

互动回应差: veto when no channel works or a letter of the past year is unanswered over 3 months (early
warning at 2), a list that cannot be read is unverified, never a pass; 站内搜索: the search finds a
recent homepage item; 我为政府网站找错: a portal's homepage links the national entry; article tags:
ArticleTitle and PubDate present, parseable, not in the future, agreeing with the list's date.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from crawlers.models import LinkRef, PageObservation
from crawlers.sitefacts import ArticleFacts, ChannelFacts, ChannelLink, Letter, SearchFacts
from pipelines.judge import judge_site, load_rules
from tests.unit import factories as f

RULES = load_rules()
INTERACTION = "SITE-VETO-INTERACTION"
BOX = f"{f.HOME}hdjl/ldxx.html"
LIST2 = f"{f.HOME}hdjl/ldxx.html?page=2"


def page(url: str, role: str, status: int = 200, **facts: object) -> PageObservation:
    return PageObservation(
        target_id="site-001", url=url, role=role, fetched_at=f.AS_OF, status=status, **facts
    )  # type: ignore[arg-type]


def letter(days_ago: float, replied_after: float | None = 5.0, status: str = "") -> Letter:
    submitted = f.AS_OF - timedelta(days=days_ago)
    replied = submitted + timedelta(days=replied_after) if replied_after is not None else None
    return Letter(
        title=f"关于某事的咨询（{days_ago}天前）",
        url=f"{f.HOME}xj/{days_ago}.html",
        submitted=submitted,
        replied=replied,
        status=status,
    )


def channel_site(*pages: PageObservation, found: list[ChannelLink] | None = None, not_followed=()):
    scan = ChannelFacts(
        step="scan",
        found=[ChannelLink(BOX, "领导信箱")] if found is None else found,
        not_followed=list(not_followed),
    )
    home = f.homepage(interaction=scan)
    obs = f.site(home)
    for p in pages:
        obs.add_page(p)
    return obs


def entry(letters: list[Letter], *, form: bool = True, status: int = 200, shape: str = "items", **kw):
    facts = ChannelFacts(
        step="entry", channel=BOX, name="领导信箱", form=form, list_shape=shape, letters=letters, **kw
    )
    return page(BOX, "interaction", status, interaction=facts)


def judged(obs, indicator=INTERACTION):
    findings, summary = judge_site(obs, f.AS_OF, RULES)
    return [x for x in findings if x.indicator == indicator], summary


def test_answered_letters_pass():
    hits, summary = judged(channel_site(entry([letter(10), letter(200, 3.0), letter(300)])))
    assert hits == []
    assert summary.verdict == "pass"


def test_letter_unanswered_over_three_months_vetoes_and_names_the_oldest():
    obs = channel_site(entry([letter(10), letter(95, None, "办理中"), letter(120, None, "已受理")]))
    (hit,) = [x for x in judged(obs)[0] if x.status == "open"]
    assert (hit.level, hit.severity) == ("violation", "veto")
    assert [x["days"] for x in hit.evidence["unanswered"]] == [120.0, 95.0]
    assert hit.evidence["unanswered"][0]["url"] == f"{f.HOME}xj/120.html"
    assert "2封信件超过90天未回复" in hit.message
    assert judged(obs)[1].verdict == "fail"


def test_two_months_unanswered_is_an_early_warning():
    (hit,) = judged(channel_site(entry([letter(70, None, "办理中")])))[0]
    assert hit.level == "warning"
    assert hit.message.startswith("预警：")


def test_answered_status_counts_without_a_reply_date_and_old_letters_are_out_of_the_window():
    hits, _ = judged(channel_site(entry([letter(150, None, "已办结"), letter(400, None, "办理中")])))
    assert hits == []


def test_letter_answered_late_is_answered_by_now():
    assert judged(channel_site(entry([letter(150, 120.0, "已回复")])))[0] == []


def test_no_channel_on_homepage_or_column_is_a_veto():
    (hit,) = judged(channel_site(found=[]))[0]
    assert (hit.level, hit.status) == ("violation", "open")
    assert hit.message == "首页及互动栏目中未发现互动交流渠道"


def test_channel_whose_submit_page_is_404_and_shows_no_list_is_a_veto():
    submit = page(
        f"{f.HOME}hdjl/xiexin.html", "interaction", 404, interaction=ChannelFacts(step="submit", channel=BOX)
    )
    (hit,) = judged(channel_site(entry([], form=False, shape=""), submit))[0]
    assert hit.status == "open"
    assert "写信页面无法使用（HTTP 404）" in hit.message


def test_channel_on_another_host_that_shows_a_form_works():
    other = "http://www.js12345.gov.cn/wsxf/1.html"
    facts = ChannelFacts(step="entry", channel=other, form=True)
    obs = channel_site(
        page(other, "interaction", interaction=facts), found=[ChannelLink(other, "12345政务服务便民热线")]
    )
    assert judged(obs)[0] == []


def test_unreadable_list_is_unverified_never_a_pass():
    obs = channel_site(entry([], shape="", unreadable=f"{f.HOME}api/letters.json: HTTP 500"))
    (hit,) = judged(obs)[0]
    assert hit.status == "unverified"
    assert "信件列表未能读取完整" in hit.message


def test_list_page_the_budget_refused_is_unverified():
    obs = channel_site(entry([letter(10)], not_followed=[LIST2]))
    (hit,) = judged(obs)[0]
    assert hit.status == "unverified"
    assert hit.evidence["not_read"] == [LIST2]


def test_veto_on_a_read_page_stands_when_another_page_could_not_be_read():
    obs = channel_site(entry([letter(100, None, "办理中")], not_followed=[LIST2]))
    (hit,) = judged(obs)[0]
    assert (hit.status, hit.level) == ("open", "violation")


def test_entry_that_times_out_is_unverified_not_a_veto():
    broken = page(
        BOX, "interaction", status=None, error="timeout", interaction=ChannelFacts(step="entry", channel=BOX)
    )
    (hit,) = judged(channel_site(broken))[0]
    assert hit.status == "unverified"


def test_patrol_that_did_not_look_says_nothing():
    assert judged(f.site())[0] == []


# ---------------------------------------------------------------- 站内搜索

ITEM = f"{f.HOME}art/2024/9/21/art_1.html"


def search_site(home: SearchFacts, *answers: PageObservation):
    obs = f.site(f.homepage(search=home))
    for p in answers:
        obs.add_page(p)
    return obs


def asked(**kw) -> SearchFacts:
    fields = {
        "step": "form",
        "action": f"{f.HOME}search",
        "field_name": "q",
        "query": "全市秋粮收购工作会议召开",
        "expected_url": ITEM,
    }
    return SearchFacts(**(fields | kw))  # type: ignore[arg-type]


def answer(results: list[str], titles: list[str], status: int = 200) -> PageObservation:
    facts = SearchFacts(
        step="result",
        query="全市秋粮收购工作会议召开",
        expected_url=ITEM,
        results=results,
        result_titles=titles,
    )
    return page(f"{f.HOME}search?q=x", "search", status, search=facts)


def test_search_that_finds_the_homepage_item_passes():
    obs = search_site(
        asked(), answer([f"{f.HOME}a.html", ITEM.replace("https", "http")], ["其他", "别的标题"])
    )
    assert judged(obs, "SITE-REQ-SEARCH")[0] == []


def test_provincial_platform_result_counts_by_its_title():
    obs = search_site(
        asked(), answer(["http://so.js.gov.cn/r?id=9"], ["全市秋粮收购工作会议召开_如皋市人民政府"])
    )
    assert judged(obs, "SITE-REQ-SEARCH")[0] == []


def test_search_that_does_not_find_it_is_a_notice():
    (hit,) = judged(search_site(asked(), answer([], [])), "SITE-REQ-SEARCH")[0]
    assert (hit.severity, hit.status) == ("notice", "open")
    assert hit.message == "站内搜索检索近期信息“全市秋粮收购工作会议召开”未能找到该信息"


def test_search_answering_500_is_a_notice():
    (hit,) = judged(search_site(asked(), answer([], [], 500)), "SITE-REQ-SEARCH")[0]
    assert "HTTP 500" in hit.message


def test_no_search_at_all_is_a_notice():
    (hit,) = judged(search_site(asked(action="", field_name="", query="")), "SITE-REQ-SEARCH")[0]
    assert hit.message == "首页未发现站内搜索功能"


def test_nothing_to_search_for_is_unverified():
    (hit,) = judged(search_site(asked(query="", expected_url="")), "SITE-REQ-SEARCH")[0]
    assert hit.status == "unverified"


# ---------------------------------------------------------------- 我为政府网站找错


def zhaocuo(links, **target):
    obs = f.site(f.homepage(links=links), target=f.target(**target))
    return judged(obs, "SITE-REQ-ZHAOCUO")[0]


@pytest.mark.parametrize(
    "link",
    [
        f.ZHAOCUO,
        LinkRef(
            url="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=3205000001",
            kind="external",
            text="我为政府网站找错",
        ),
        LinkRef(url="https://www.example.gov.cn/zc.html", kind="page", text="我为政府网站找错"),
    ],
)
def test_portal_with_the_entry_passes(link):
    assert zhaocuo([link]) == []


def test_portal_without_the_entry_gets_a_notice():
    (hit,) = zhaocuo([LinkRef(url="https://www.gov.cn/", kind="external", text="中国政府网")])
    assert (hit.severity, hit.message) == ("notice", "首页未设置“我为政府网站找错”入口")


def test_department_site_without_the_entry_is_not_asked():
    assert zhaocuo([], name="某某市水利局", owner="某某市水利局") == []


# ---------------------------------------------------------------- article tags


def article(meta: dict[str, str], list_days: float = 3.0) -> PageObservation:
    facts = ArticleFacts(list_url=f"{f.HOME}col/gzdt/", list_date=f.AS_OF - timedelta(days=list_days))
    return page(f"{f.HOME}art/{len(meta)}-{list_days}.html", "article", meta=meta, article=facts)


def article_problems(*pages: PageObservation) -> list[list[str]]:
    obs = f.site()
    for p in pages:
        obs.add_page(p)
    hits = [x for x in judged(obs, "SITE-REQ-META")[0] if x.subject == "articles"]
    return [a["problems"] for h in hits for a in h.evidence["articles"]]


def listed_day(days: float) -> str:
    return (f.AS_OF - timedelta(days=days)).strftime("%Y-%m-%d")


def test_tagged_articles_agreeing_with_the_list_pass():
    assert article_problems(article({"ArticleTitle": "某某", "PubDate": f"{listed_day(3)} 09:30"})) == []


def test_untagged_article_lists_the_missing_tags():
    assert article_problems(article({})) == [["缺少ArticleTitle、PubDate标签"]]


def test_pubdate_away_from_the_list_date_or_in_the_future_or_unreadable():
    found = article_problems(
        article({"ArticleTitle": "甲", "PubDate": listed_day(8)}),
        article({"ArticleTitle": "乙", "PubDate": listed_day(-30)}, list_days=2),
        article({"ArticleTitle": "丙", "PubDate": "待定"}, list_days=4),
    )
    assert sorted(found) == sorted(  # listed by URL, not in the order they were fetched
        [
            [f"PubDate“{listed_day(8)}”与列表日期{listed_day(3)}不一致"],
            [f"PubDate“{listed_day(-30)}”晚于检查时间"],
            ["PubDate“待定”无法识别"],
        ]
    )
