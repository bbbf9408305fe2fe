"""The judge as the national indicators state it: homepage freshness, unverified sites, scoring and ids."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipelines.judge import judge_site, load_rules
from tests.unit import factories as f

RULES = load_rules()
HOME_STALE = "SITE-VETO-HOME-STALE"


def judge(obs, as_of=f.AS_OF, rules=RULES):
    return judge_site(obs, as_of, rules)


def only(findings, indicator):
    return [x for x in findings if x.indicator == indicator]


def test_healthy_site_passes_with_full_score():
    findings, summary = judge(f.site())
    assert findings == []
    assert summary.verdict == "pass"
    assert summary.score == 100.0
    assert summary.findings == 0
    assert summary.latest_update == f.AS_OF.replace(day=21)
    assert summary.latest_update_source.startswith("homepage: https://www.example.gov.cn/art/2024-09-21.html")
    assert "(text '2024-09-21')" in summary.latest_update_source
    assert (summary.name, summary.owner, summary.region, summary.url) == (
        "某某市人民政府",
        "某某市人民政府办公室",
        "某某市",
        f.HOME,
    )
    assert summary.as_of == f.AS_OF


@pytest.mark.parametrize(
    ("idle", "expected"),
    [
        (9.99, None),
        (10.0, ("notice", "warning")),
        (13.99, ("notice", "warning")),
        (14.0, ("veto", "violation")),
        (14.01, ("veto", "violation")),
    ],
)
def test_homepage_freshness_at_and_around_thresholds(idle, expected):
    findings, summary = judge(f.site(f.homepage(idle)))
    hits = only(findings, HOME_STALE)
    if expected is None:
        assert hits == []
        assert summary.verdict == "pass"
        return
    (hit,) = hits
    assert (hit.severity, hit.level, hit.status) == (*expected, "open")
    assert hit.evidence["idle_days"] == round(idle, 2)
    assert summary.verdict == ("fail" if expected[0] == "veto" else "pass")


def test_stale_homepage_message_names_the_date_and_days():
    findings, _ = judge(f.site(f.homepage(21.0)))
    (hit,) = only(findings, HOME_STALE)
    assert hit.message == "首页最新信息发布于2024-09-01，已21天未更新"
    assert hit.evidence["newest_raw"] == "2024-09-01"
    assert hit.evidence["newest_source"] == "text"
    assert hit.evidence["basis"] == "homepage"


def test_judge_uses_the_newest_date_not_the_first_item():
    """A pinned old item sits first on the list; upstream computed newest as the max date."""
    home = f.homepage(2.0)
    home.items = [f.item(400, pinned=True), home.newest]
    findings, summary = judge(f.site(home))
    assert only(findings, HOME_STALE) == []
    assert summary.latest_update == home.newest.date


def test_navigation_only_homepage_falls_back_to_second_level_pages():
    home = f.homepage(None)
    cols = [f.column("工作动态", "news", 20.0), f.column("通知公告", "notice_policy", 15.0)]
    findings, summary = judge(f.site(home, cols))
    (hit,) = only(findings, HOME_STALE)
    assert hit.level == "violation"
    assert hit.evidence["basis"] == "second_level"
    assert hit.evidence["navigation_only"] is True
    assert hit.evidence["column_name"] == "通知公告"
    assert "二级页面" in hit.evidence["fallback"]
    assert "二级页面“通知公告”" in hit.message
    assert summary.latest_update == cols[1].newest.date
    assert summary.latest_update_source.startswith("second-level 通知公告 ")


def test_navigation_only_homepage_with_fresh_columns_passes():
    findings, summary = judge(f.site(f.homepage(None), [f.column("工作动态", "news", 3.0)]))
    assert only(findings, HOME_STALE) == []
    assert summary.verdict == "pass"


def test_no_dated_item_anywhere_is_unverified_not_stale():
    findings, summary = judge(f.site(f.homepage(None), [f.column("领导信息", "other", None)]))
    (hit,) = only(findings, HOME_STALE)
    assert (hit.severity, hit.status) == ("veto", "unverified")
    assert hit.evidence["reason"] == "no dated item found"
    assert summary.verdict == "unverified"
    assert summary.latest_update is None
    assert summary.unverified_reasons == ["SITE-VETO-HOME-STALE: no dated item found"]


@pytest.mark.parametrize(
    ("homepage", "error", "status"),
    [
        (None, "not_fetched", None),
        (f.homepage(error="timeout", status=None), "timeout", None),
        (f.homepage(status=503), "http", 503),
    ],
)
def test_unreachable_homepage_is_unverified_and_nothing_else_is_judged(homepage, error, status):
    stale_columns = f.columns(6, "news", 30.0)
    obs = f.site(cols=stale_columns, links=f.dead_links(3), homepage=homepage)
    findings, summary = judge(obs)
    assert [x.indicator for x in findings] == [HOME_STALE]
    (hit,) = findings
    assert (hit.severity, hit.status) == ("veto", "unverified")
    basis = f.RULES.table("SITE-VETO-HOME-STALE")["source"]  # the document behind the rule, cited
    assert hit.evidence == {"error": error, "status": status, "url": f.HOME, "basis": basis}
    assert summary.verdict == "unverified"
    assert summary.score is None
    assert summary.latest_update is None
    assert len(summary.unverified_reasons) == 1
    assert summary.unverified_reasons[0].startswith(HOME_STALE)


def test_every_finding_carries_the_target_and_the_chinese_name():
    obs = f.site(f.homepage(30.0, footer={}), links=f.dead_links(1))
    findings, _ = judge(obs)
    assert {x.indicator for x in findings} >= {HOME_STALE, "SITE-REQ-FOOTER-MARKS", "SITE-DED-DEAD-LINK-HOME"}
    for x in findings:
        assert (x.target_id, x.target_name, x.owner, x.region, x.kind) == (
            "site-001",
            "某某市人民政府",
            "某某市人民政府办公室",
            "某某市",
            "site",
        )
        assert x.as_of == f.AS_OF
        assert x.message
        assert x.subject_url
        assert x.to_dict()["id"] == x.id


def test_finding_ids_are_stable_across_runs():
    def build():
        cols = f.columns(5, "news", 20.0) + f.columns(2, "other", None, empty=True)
        return f.site(f.homepage(15.0, footer={}), cols, f.dead_links(4) + f.dead_links(2, on_homepage=False))

    first, _ = judge(build())
    second, _ = judge(build(), f.AS_OF.replace(hour=12))
    assert len(first) > 5
    assert [x.id for x in first] == [x.id for x in second]
    assert len({x.id for x in first}) == len(first)


def test_warning_and_violation_of_one_subject_have_different_ids():
    (warning,), _ = judge(f.site(f.homepage(11.0)))
    (violation,), _ = judge(f.site(f.homepage(15.0)))
    assert warning.id != violation.id


def test_naive_as_of_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        judge(f.site(), datetime(2024, 9, 22, 10, 0))


# ---------------------------------------------------------------- scoring and verdict


@pytest.mark.parametrize(
    ("home_dead", "other_dead", "score", "verdict"),
    [
        (0, 0, 100.0, "pass"),
        (3, 0, 97.0, "pass"),
        (11, 0, 90.0, "pass"),  # homepage cap 10
        (11, 60, 85.0, "pass"),  # other-pages cap 5
    ],
)
def test_score_is_start_minus_capped_deductions(home_dead, other_dead, score, verdict):
    links = f.dead_links(home_dead) + f.dead_links(other_dead, on_homepage=False)
    _, summary = judge(f.site(links=links))
    assert summary.score == score
    assert summary.verdict == verdict


def test_score_below_fail_line_fails(tmp_path):
    override = tmp_path / "strict.toml"
    override.write_text("[scoring]\nfail_below = 95\n", encoding="utf-8")
    links = f.dead_links(6)
    _, default = judge(f.site(links=links))
    _, strict = judge(f.site(links=links), rules=load_rules(override))
    assert (default.score, default.verdict) == (94.0, "pass")
    assert (strict.score, strict.verdict) == (94.0, "fail")


def test_veto_fails_the_site_even_with_full_score():
    _, summary = judge(f.site(f.homepage(14.0)))
    assert summary.score == 100.0
    assert summary.verdict == "fail"
    assert summary.findings == 1


def test_warnings_and_notices_do_not_fail_the_site():
    home = f.homepage(12.0, footer={}, meta={}, final_url="http://www.example.gov.cn/")
    findings, summary = judge(f.site(home, f.columns(3, "news", 20.0)))
    assert {x.severity for x in findings} == {"notice"}
    assert summary.verdict == "pass"
    # the requirement notices are problems (violations); the early warnings are not counted
    assert summary.findings == 3


def test_fail_beats_unverified():
    cols = f.columns(5, "other", None, empty=True)
    findings, summary = judge(f.site(f.homepage(None), cols))
    assert {(x.indicator, x.status) for x in findings if x.severity == "veto"} == {
        (HOME_STALE, "unverified"),
        ("SITE-VETO-COLUMN-STALE", "open"),
    }
    assert summary.verdict == "fail"
    assert summary.unverified_reasons == ["SITE-VETO-HOME-STALE: no dated item found"]


# ---------------------------------------------------------------- thresholds are data


def test_override_file_changes_the_findings_without_new_observations(tmp_path):
    override = tmp_path / "province.toml"
    override.write_text(
        '["SITE-VETO-HOME-STALE"]\nmax_idle_days = 7\nwarn_idle_days = 5\n'
        '["SITE-DED-DEAD-LINK-HOME"]\npoints_each = 2.0\n',
        encoding="utf-8",
    )
    obs = f.site(f.homepage(8.0), links=f.dead_links(2))
    default_findings, default = judge(obs)
    strict_findings, strict = judge(obs, rules=load_rules(override))
    assert only(default_findings, HOME_STALE) == []
    assert default.verdict == "pass"
    assert default.score == 98.0
    (hit,) = only(strict_findings, HOME_STALE)
    assert hit.level == "violation"
    assert hit.evidence["max_idle_days"] == 7
    assert strict.verdict == "fail"
    assert strict.score == 96.0


def test_missing_override_file_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_rules(tmp_path / "nope.toml")
