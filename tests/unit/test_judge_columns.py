"""SITE-VETO-COLUMN-STALE sub-rules (a), (b), (c) and SITE-DED-POLICY-STALE, at their thresholds."""

from __future__ import annotations

import pytest

from pipelines.judge import judge_site, load_rules
from tests.unit import factories as f

RULES = load_rules()
COLUMN_STALE = "SITE-VETO-COLUMN-STALE"
POLICY_STALE = "SITE-DED-POLICY-STALE"


def column_findings(cols):
    findings, summary = judge_site(f.site(cols=cols), f.AS_OF, RULES)
    return {x.subject: x for x in findings if x.indicator == COLUMN_STALE}, summary


LEVELS = [(2, None), (3, "warning"), (4, "warning"), (5, "violation")]


@pytest.mark.parametrize(("count", "level"), LEVELS)
def test_a_news_columns_idle_14_days_counted_at_3_warn_and_5_veto(count, level):
    hits, summary = column_findings(f.columns(count, "news", 14.0) + f.columns(3, "news", 13.99))
    assert (hits["a"].level if "a" in hits else None) == level
    if level:
        assert hits["a"].evidence["count"] == count
    assert summary.verdict == ("fail" if level == "violation" else "pass")


def test_a_adds_news_and_notice_policy_columns_together():
    cols = (
        f.columns(3, "news", 14.0)
        + f.columns(2, "notice_policy", 183.0)
        + f.columns(4, "notice_policy", 182.99)
    )
    hits, _ = column_findings(cols)
    assert hits["a"].level == "violation"
    assert hits["a"].severity == "veto"
    assert (
        sorted(c["category"] for c in hits["a"].evidence["columns"]) == ["news"] * 3 + ["notice_policy"] * 2
    )


def test_a_other_columns_do_not_count_for_the_short_idle_rule():
    hits, _ = column_findings(f.columns(5, "other", 100.0))
    assert hits == {}


def test_a_evidence_lists_each_column_with_its_date_and_source():
    cols = f.columns(5, "news", 20.0)
    hits, _ = column_findings(cols)
    (entry,) = [c for c in hits["a"].evidence["columns"] if c["name"] == "工作动态0"]
    assert entry["url"] == cols[0].url
    assert entry["category"] == "news"
    assert entry["newest"] == cols[0].newest.date.isoformat()
    assert entry["newest_raw"] == "2024-09-02"
    assert entry["newest_source"] == "text"
    assert entry["idle_days"] == 20.0
    assert "工作动态0（最新2024-09-02）" in hits["a"].message


@pytest.mark.parametrize(("count", "level"), [(5, None), (6, "warning"), (9, "warning"), (10, "violation")])
def test_b_columns_idle_over_a_year(count, level):
    cols = f.columns(count, "other", 365.01) + f.columns(4, "other", 365.0)
    hits, _ = column_findings(cols)
    assert (hits["b"].level if "b" in hits else None) == level


def test_b_counts_every_category_but_exempt():
    cols = f.columns(4, "other", 400.0) + f.columns(3, "notice_policy", 400.0) + f.columns(3, "news", 400.0)
    hits, _ = column_findings(cols + f.columns(5, "exempt", 2000.0))
    assert hits["b"].level == "violation"
    assert hits["b"].evidence["count"] == 10


@pytest.mark.parametrize(
    ("count", "level"), [(1, None), (2, "warning"), (3, "warning"), (4, "warning"), (5, "violation")]
)
def test_c_empty_columns_warn_at_two_and_veto_at_five(count, level):
    hits, _ = column_findings(f.columns(count, "news", None, empty=True))
    assert (hits["c"].level if "c" in hits else None) == level


def test_empty_column_is_not_also_counted_stale():
    cols = f.columns(5, "news", None, empty=True) + f.columns(2, "news", 30.0)
    hits, _ = column_findings(cols)
    assert set(hits) == {"c"}
    assert hits["c"].evidence["count"] == 5


def test_exempt_columns_are_ignored():
    cols = f.columns(6, "exempt", None, empty=True) + f.columns(6, "exempt", 30.0)
    assert column_findings(cols)[0] == {}


def test_failed_and_undated_columns_are_listed_not_counted():
    failed = [f.column(f"失败栏目{i}", status=500) for i in range(3)]
    undated = [f.column(f"无日期动态{i}", "news", None) for i in range(3)]
    hits, _ = column_findings(failed + undated + f.columns(3, "news", 20.0))
    assert hits["a"].level == "warning"
    assert hits["a"].evidence["count"] == 3
    assert [c["name"] for c in hits["a"].evidence["unchecked"]] == ["失败栏目0", "失败栏目1", "失败栏目2"]
    assert [c["name"] for c in hits["a"].evidence["undated"]] == ["无日期动态0", "无日期动态1", "无日期动态2"]


def test_each_sub_rule_is_its_own_finding():
    cols = (
        f.columns(5, "news", 400.0) + f.columns(5, "other", 400.0) + f.columns(5, "other", None, empty=True)
    )
    hits, summary = column_findings(cols)
    assert set(hits) == {"a", "b", "c"}
    assert len({x.id for x in hits.values()}) == 3
    assert summary.findings == 3


# ---------------------------------------------------------------- policy column deduction


def policy(idle, name="政策文件", level=1, **changes):
    return f.column(name, "notice_policy", idle, level=level, **changes)


@pytest.mark.parametrize(
    ("idle", "level", "points"),
    [(149.99, None, None), (150.0, "warning", 0.0), (182.99, "warning", 0.0), (183.0, "violation", 5.0)],
)
def test_policy_column_idle_six_months(idle, level, points):
    findings, summary = judge_site(f.site(cols=[policy(idle)]), f.AS_OF, RULES)
    hits = [x for x in findings if x.indicator == POLICY_STALE]
    if level is None:
        assert hits == []
        return
    (hit,) = hits
    assert (hit.level, hit.points) == (level, points)
    assert hit.severity == ("deduction" if level == "violation" else "notice")
    assert summary.score == 100.0 - points
    assert "一级栏目“政策文件”" in hit.message


def test_policy_rule_needs_a_first_level_column_matching_the_keywords():
    cols = [policy(200.0, level=2), policy(200.0, name="通知公告")]
    findings, _ = judge_site(f.site(cols=cols), f.AS_OF, RULES)
    assert [x for x in findings if x.indicator == POLICY_STALE] == []


def test_policy_deducted_once_per_site_and_not_for_an_empty_column():
    cols = [
        policy(200.0, name="政策文件"),
        policy(300.0, name="市政府政策文件"),
        policy(None, name="部门政策文件", empty=True),
    ]
    findings, summary = judge_site(f.site(cols=cols), f.AS_OF, RULES)
    hits = [x for x in findings if x.indicator == POLICY_STALE]
    assert len(hits) == 2
    assert sorted(x.points for x in hits) == [0.0, 5.0]
    assert summary.score == 95.0


def test_policy_keywords_come_from_the_data_file(tmp_path):
    override = tmp_path / "kw.toml"
    override.write_text('["SITE-DED-POLICY-STALE"]\ncolumn_keywords = ["规范性文件"]\n', encoding="utf-8")
    cols = [policy(200.0, name="规范性文件"), policy(200.0, name="政策文件")]
    findings, _ = judge_site(f.site(cols=cols), f.AS_OF, load_rules(override))
    assert [x.evidence["name"] for x in findings if x.indicator == POLICY_STALE] == ["规范性文件"]
