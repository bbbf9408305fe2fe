"""The wording matcher: dictionary entries found after normalisation, white lists honoured, hits
mapped back to the original text, thresholds per dictionary, an office's own list by override."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.wording_data import load_dictionary_file
from pipelines.judge import load_rules
from pipelines.rules.base import Rules
from pipelines.wording import judged_hits, matcher_for, normalise

RULES = load_rules()
TABLE = RULES.table("SITE-SEC-WORDING")


def entries(text: str, rules: Rules = RULES, indicator: str = "SITE-SEC-WORDING") -> list[str]:
    table = rules.table(indicator)
    return [h.entry.key for h in judged_hits(matcher_for(rules, indicator).scan(text), table)]


def test_outdated_names_and_sovereignty_terms_are_found() -> None:
    assert entries("根据国家工商行政管理总局通知") == ["outdated_names/saic"]
    assert entries("邀请日本、台湾等国家的企业") == ["sovereignty/taiwan-country"]
    assert entries("国务院、中共中央印发") == ["leaders/order-cpc-state-council"]


def test_a_white_listed_longer_form_is_not_a_hit() -> None:
    assert entries("欢迎台湾等国家和地区的客商") == []
    assert entries("各级农业部门和文化部门") == []
    assert entries("原国土资源部、美国农业部") == []  # a former body, a foreign ministry
    assert entries("国家市场监督管理总局、中共中央、国务院") == []


def test_full_width_forms_and_whitespace_are_normalised_and_mapped_back() -> None:
    text = "第一行\n本市 国土\u3000资源部 的通知\f第二页\n北京赛车ＰＫ１０"
    hits = matcher_for(RULES, "SITE-SEC-WORDING").scan(text)
    mlr = next(h for h in hits if h.entry.id == "mlr")
    assert (mlr.term, mlr.page, mlr.line) == ("国土\u3000资源部", 1, 2)
    assert text[mlr.start : mlr.end] == mlr.term
    assert mlr.context.startswith("第一行 本市")
    pk10 = next(h for h in hits if h.entry.id == "pk10")
    assert (pk10.term, pk10.page, pk10.line) == ("北京赛车ＰＫ１０", 2, 2)


def test_normalised_positions_map_back_to_the_original() -> None:
    norm = normalise("ａ b\n c")
    assert norm.text == "abc"
    assert [norm.original(i) for i in range(3)] == [0, 2, 5]


def test_harmful_terms_need_several_distinct_entries_on_one_text() -> None:
    assert entries("以购买六合彩为名实施诈骗，请提高警惕") == []
    assert entries("六合彩 六合彩") == []  # the same entry twice is still one
    assert sorted(entries("澳门新葡京 真人视讯")) == ["harmful/casino-lisboa", "harmful/live-dealer"]


def test_min_severity_drops_lower_entries() -> None:
    table = dict(TABLE, min_severity="high")
    hits = matcher_for(RULES, "SITE-SEC-WORDING").scan("北韩与台湾总统")
    assert [h.entry.id for h in judged_hits(hits, table)] == ["taiwan-president"]


def test_the_automaton_is_built_once_per_dictionary_set() -> None:
    assert matcher_for(RULES, "SITE-SEC-WORDING") is matcher_for(load_rules(), "SITE-SEC-WORDING")
    assert matcher_for(RULES, "SITE-SEC-WORDING").size > 50


def test_an_office_extends_the_dictionaries_by_its_override(tmp_path: Path) -> None:
    office = tmp_path / "mine.toml"
    office.write_text(
        '[dictionary]\nkey = "suzhou"\nname = "本市词表"\n'
        '[[entries]]\nid = "old-district"\nwrong = "沧浪区"\nright = "姑苏区"\nseverity = "medium"\n',
        encoding="utf-8",
    )
    override = tmp_path / "indicators.toml"
    override.write_text(
        '["SITE-SEC-WORDING"]\noffice_file = "mine.toml"\n'
        '[["SITE-SEC-WORDING".office_entries]]\nwrong = "示范错词"\nright = "示范正词"\n',
        encoding="utf-8",
    )
    rules = load_rules(override)
    assert entries("地址：沧浪区某路", rules) == ["suzhou/old-district"]
    assert entries("一个示范错词", rules) == ["office/示范错词"]
    assert entries("沧浪区") == []  # the shipped set is unchanged


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('wrong = ""', "field 'wrong' is missing or empty"),
        ('wrong = "错"\nseverity = "huge"', "field 'severity' must be one of"),
        ('wrong = "农业部"\nallow = ["农业"]', "does not contain the wrong form"),
        ('wrong = "错"\ncolour = "red"', "unknown field(s) colour"),
    ],
)
def test_a_bad_dictionary_names_the_file_the_entry_and_the_field(
    tmp_path: Path, entry: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'[dictionary]\nkey = "bad"\n[[entries]]\nid = "x"\n{entry}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.toml entry 1") as err:
        load_dictionary_file(path)
    assert message in str(err.value)


def test_a_missing_office_file_fails_when_the_rules_load(tmp_path: Path) -> None:
    override = tmp_path / "indicators.toml"
    override.write_text('["ACCOUNT-SEC-WORDING"]\noffice_file = "nowhere.toml"\n', encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="nowhere.toml"):
        load_rules(override)
