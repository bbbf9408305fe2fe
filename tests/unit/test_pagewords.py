"""The page vocabulary: what the crawler reads pages with, overridable by the office like the rules.

Not judgment (that is the indicator data, read by the rules): pinned markers, anti-bot walls,
navigation words, the site-map link, the stems that make a linked page worth reading for soft-404
signals. An office's ``[page_words]`` table in its ``[indicators] file`` is honoured by every
page-reading path: the site spider, the account spider and the platform page objects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.config import Config
from crawlers.listpage import extract_list
from crawlers.pagewords import load_page_words
from crawlers.platforms.base import Fetch, Reply, blocked
from spiders.account import AccountSpider
from spiders.site import SiteSpider
from tests.unit import factories as f

LIST = (
    '<ul class="list"><li><a href="/a/t20240920_1.html">【顶】关于开展秋季防火工作的通知</a>'
    "<span>2024-01-05</span></li>"
    '<li><a href="/a/t20240921_2.html">关于公布第三批名单的公告</a><span>2024-09-21</span></li>'
    '<li><a href="/a/t20240922_3.html">关于举办政务开放日活动的通知</a><span>2024-09-22</span></li></ul>'
)


@pytest.fixture
def office(tmp_path: Path) -> Path:
    path = tmp_path / "office.toml"
    path.write_text(
        '[page_words]\npinned_markers = ["【顶】"]\nantibot_phrases = ["请拖动滑块"]\n'
        '["SITE-VETO-HOME-STALE"]\nmax_idle_days = 10\n',
        encoding="utf-8",
    )
    return path


def config_with(office: Path) -> Config:
    config = Config()
    config.indicators.file = str(office)
    return config


def test_the_office_table_replaces_the_shipped_lists_key_by_key(office):
    words = load_page_words(office)
    assert words.pinned_markers == ("【顶】",)
    assert words.antibot_phrases == ("请拖动滑块",)
    assert words.sitemap_link_texts == load_page_words().sitemap_link_texts


def test_the_spiders_read_pages_with_the_office_words(office):
    config = config_with(office)
    assert SiteSpider(targets=[], as_of=f.AS_OF, config=config).words == load_page_words(office)
    assert AccountSpider(targets=[], as_of=f.AS_OF, config=config).words == load_page_words(office)
    found = extract_list(LIST, "http://x.gov.cn/col/a/index.html", f.AS_OF, load_page_words(office))
    assert [i.pinned for i in found.items] == [True, False, False]
    plain = extract_list(LIST, "http://x.gov.cn/col/a/index.html", f.AS_OF)
    assert [i.pinned for i in plain.items] == [False, False, False]


def test_the_page_objects_read_replies_with_the_office_words(office):
    fetch = Fetch(url="https://m.weibo.cn/u/1", step="index")
    page = "<html><body>请拖动滑块完成验证</body></html>"
    assert blocked(Reply(fetch=fetch, url=fetch.url, status=200, text=page)) is None
    wall = blocked(Reply(fetch=fetch, url=fetch.url, status=200, text=page, words=load_page_words(office)))
    assert wall is not None
    assert wall.state == "unverified"


def test_an_unknown_or_mistyped_key_names_the_file_and_the_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[page_words]\npinned_marker = ["置顶"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml: \[page_words\] unknown key 'pinned_marker'"):
        load_page_words(bad)
    typed = tmp_path / "typed.toml"
    typed.write_text('[page_words]\nantibot_statuses = ["403"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"typed\.toml: \[page_words\] antibot_statuses"):
        load_page_words(typed)
