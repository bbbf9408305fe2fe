"""What counts as a repost of an event: a title alike enough, every keyword, or a link to the source;
and what does not (a look-alike title, a bare 转发, an unrelated post that shares one keyword)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import pytest

from crawlers.events import Event, RepostPost
from crawlers.thresholds import load_thresholds
from pipelines.rules.repost_match import match_post, normalise, url_key

PUBLISHED = datetime.fromisoformat("2025-07-01T15:00:00+08:00")
TITLE = "苏州市防汛防旱指挥部关于启动防汛Ⅳ级应急响应的通告"
URL = "https://www.suzhou.gov.cn/szsrmzf/tzgg/fxyj-iv.shtml"
EVENT = Event(id="ev-1", title=TITLE, published=PUBLISHED, url=URL, keywords=["防汛", "Ⅳ级应急响应"])
PARAMS = load_thresholds()["ACCOUNT-REPOST-LATE"]


def post(title: str, text: str = "", links: list[str] | None = None) -> RepostPost:
    return RepostPost(date=PUBLISHED, title=title, text=text or title, links=links or [])


@pytest.mark.parametrize(
    "title",
    [
        f"转发：{TITLE}",
        f"【权威发布】{TITLE}",
        f"#{TITLE}#",
        "苏州市防汛防旱指挥部关于启动防汛IV级应急响应的通告",  # Latin IV for the Roman numeral
        "苏州市防汛防旱指挥部关于启动防汛Ⅳ级应急响应通告",  # a character dropped
    ],
)
def test_the_same_title_with_a_reposts_labels_matches_by_title(title: str) -> None:
    match = match_post(post(title), EVENT, PARAMS)
    assert match is not None
    assert match.by == "title"
    assert match.similarity >= PARAMS["title_similarity"]


def test_the_title_inside_a_longer_text_matches_by_title() -> None:
    text = f"#苏州防汛# 【{TITLE}】 全文如下，请市民注意出行安全。"
    match = match_post(post(text[:30], text), EVENT, PARAMS)
    assert match is not None
    assert match.by == "title"


def test_a_reworded_title_with_every_keyword_matches_by_keywords() -> None:
    match = match_post(post("昆山紧急提醒：苏州启动防汛Ⅳ级应急响应"), EVENT, PARAMS)
    assert match is not None
    assert match.by == "keywords"
    assert match.similarity < PARAMS["title_similarity"]


def test_only_a_link_to_the_source_matches_by_link_even_behind_a_redirect_wrapper() -> None:
    wrapped = f"https://weibo.cn/sinaurl?u={quote(URL, safe='')}"
    assert match_post(post("扩散周知！", links=[wrapped]), EVENT, PARAMS).by == "link"  # type: ignore[union-attr]
    in_text = post("扩散周知！", text="扩散周知！原文：http://suzhou.gov.cn/szsrmzf/tzgg/fxyj-iv.shtml/")
    assert match_post(in_text, EVENT, PARAMS).by == "link"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "title",
    [
        "苏州市防汛防旱指挥部关于加强汛期安全防范的提示",  # similar, not a repost
        "关于做好近期防汛防台工作的提示",  # one keyword only
        "转发",  # a bare label
        "扩散周知！",
        "一图读懂政府工作报告",
    ],
)
def test_look_alikes_and_unrelated_posts_do_not_match(title: str) -> None:
    assert (
        match_post(post(title, links=["https://www.suzhou.gov.cn/szsrmzf/tzgg/other.shtml"]), EVENT, PARAMS)
        is None
    )


def test_a_stricter_threshold_in_the_indicator_data_changes_the_verdict_without_a_crawl() -> None:
    reworded = post("苏州市防汛防旱指挥部关于启动防汛Ⅳ级应急响应通告")
    strict = dict(PARAMS, title_similarity=0.99)
    no_keywords = Event(id="ev-2", title=TITLE, published=PUBLISHED)
    assert match_post(reworded, no_keywords, PARAMS) is not None
    assert match_post(reworded, no_keywords, strict) is None


def test_normalising_folds_widths_and_drops_labels_and_punctuation() -> None:
    assert normalise("【转发】ＡＢＣ，苏州！", ["转发"]) == "abc苏州"
    assert url_key("HTTPS://WWW.Suzhou.gov.cn/a/b/#top") == url_key("http://suzhou.gov.cn/a/b")
