"""Column categories, 政策文件 columns and emptiness, judged by the rules from what the spider recorded.

Every name and keyword goes through the one name normaliser: spaced-out names ("通 知 公 告"),
full-width forms and brackets ("【政策文件】") are the same column as the plain name.
"""

from __future__ import annotations

import pytest

from crawlers.names import name_has, normalize_name
from crawlers.thresholds import load_thresholds
from pipelines.rules.base import Rules
from pipelines.rules.column_kind import category, is_empty, is_policy_column
from tests.unit import factories as f

RULES = Rules.load()
TABLE = RULES.columns


def classify_column(name: str, rules: Rules = RULES) -> str:
    return category(name, rules)


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
    data = load_thresholds()
    data["columns"] = {"news": ["快讯"], "notice_policy": ["公开"], "exempt": []}
    office = Rules(data)
    assert classify_column("政务快讯", office) == "news"
    assert classify_column("专题快讯", office) == "news"  # 专题 is not exempt in this table
    assert classify_column("工作动态", office) == "other"


def test_policy_columns():
    assert is_policy_column("政策文件", RULES) is True
    assert is_policy_column("市政府政策文件", RULES) is True
    assert is_policy_column("政策解读", RULES) is False
    assert is_policy_column("通知公告", RULES) is False
    data = load_thresholds()
    data["SITE-DED-POLICY-STALE"]["column_keywords"] = ["政策法规"]
    assert is_policy_column("政策法规", Rules(data)) is True
    assert is_policy_column("政策文件", Rules(data)) is False


@pytest.mark.parametrize(
    "shown",
    [
        "政 策 文 件",
        "政\u3000策\u3000文\u3000件",
        "政\xa0策文件",
        "【政策文件】",
        "[政策文件]",
        "（政策文件）",
        "政策文件 ",
    ],
)
def test_a_policy_column_is_one_however_the_cms_spaces_or_brackets_it(shown: str):
    assert normalize_name(shown) == "政策文件"
    assert is_policy_column(shown, RULES) is True
    assert classify_column(shown) == "notice_policy"


def test_full_width_letters_and_digits_are_their_ascii_forms():
    assert normalize_name("ＲＳＳ订阅") == "rss订阅"
    assert name_has("２０２３年　专题", "2023年专题")
    assert not name_has("工作动态", "")  # an empty keyword never matches


# ---------------------------------------------------------------- emptiness


def test_a_list_page_with_no_entry_is_empty():
    assert is_empty(f.column("工作动态", idle=None, empty=True), RULES) is True


def test_a_placeholder_with_no_dated_entry_is_empty_and_an_office_word_decides_too():
    shown = f.column("工作动态", idle=None, item_count=1, text_excerpt="工作动态 本栏目暂无信息")
    assert is_empty(shown, RULES) is True
    odd = f.column("工作动态", idle=None, item_count=1, text_excerpt="工作动态 内容整理中")
    assert is_empty(odd, RULES) is False
    data = load_thresholds()
    data["markers"]["empty_placeholders"].append("内容整理中")
    assert is_empty(odd, Rules(data)) is True


def test_a_dated_list_is_never_empty_whatever_its_text_says():
    listed = f.column("工作动态", idle=3.0, text_excerpt="工作动态 暂无信息 2024-09-19")
    assert is_empty(listed, RULES) is False


def test_a_page_that_did_not_load_is_not_judged_empty():
    assert is_empty(f.column("工作动态", idle=None, empty=True, status=500), RULES) is False
