"""Dead-link deductions: one finding per dead URL, confirmed vs suspected, caps across the site."""

from __future__ import annotations

import pytest

from pipelines.judge import judge_site, load_rules
from tests.unit import factories as f

RULES = load_rules()
HOME_DEAD = "SITE-DED-DEAD-LINK-HOME"
OTHER_DEAD = "SITE-DED-DEAD-LINK"


def judge(links, rules=RULES):
    return judge_site(f.site(links=links), f.AS_OF, rules)


def by(findings, indicator):
    return [x for x in findings if x.indicator == indicator]


@pytest.mark.parametrize(("count", "points"), [(9, 9.0), (10, 10.0), (11, 10.0)])
def test_homepage_dead_links_one_point_each_capped_at_ten(count, points):
    findings, summary = judge(f.dead_links(count))
    hits = by(findings, HOME_DEAD)
    assert len(hits) == count
    assert sum(x.points for x in hits) == points
    assert summary.score == 100.0 - points
    assert all(x.severity == "deduction" and x.status == "open" for x in hits)


def test_the_link_over_the_cap_is_reported_with_zero_points_and_marked_capped():
    hits = by(judge(f.dead_links(11))[0], HOME_DEAD)
    capped = [x for x in hits if x.evidence.get("capped")]
    assert [x.points for x in capped] == [0.0]
    assert capped[0].subject.endswith("gone010.html")


@pytest.mark.parametrize(("count", "points"), [(49, 4.9), (50, 5.0), (51, 5.0)])
def test_other_page_dead_links_point_one_each_capped_at_five(count, points):
    findings, summary = judge(f.dead_links(count, on_homepage=False))
    hits = by(findings, OTHER_DEAD)
    assert len(hits) == count
    assert round(sum(x.points for x in hits), 6) == points
    assert summary.score == round(100.0 - points, 4)


def test_one_finding_per_url_with_the_url_as_subject_and_full_evidence():
    link = f.dead_link(
        f.HOME + "files/report.pdf",
        kind="attachment",
        found_on=[f.HOME, f.HOME + "col/1/index.html"],
        text="年度报告",
        method="GET",
        status=410,
    )
    (hit,) = judge([link])[0]
    assert hit.subject == hit.subject_url == link.url
    assert hit.evidence["url"] == link.url
    assert hit.evidence["status"] == 410
    assert hit.evidence["method"] == "GET"
    assert hit.evidence["found_on"] == link.found_on
    assert hit.evidence["text"] == "年度报告"
    assert hit.evidence["kind"] == "attachment"
    assert hit.evidence["confirmed"] is True
    assert hit.message == f"首页附件链接“年度报告”不可用：{link.url}，HTTP 410"


def test_a_suspected_dead_link_is_an_early_warning_with_no_points():
    (hit,) = judge(f.dead_links(1, confirmed=False))[0]
    assert (hit.level, hit.severity, hit.status, hit.points) == ("warning", "notice", "open", 0.0)
    assert hit.evidence["confirmed"] is False
    assert (hit.evidence["failed_tries"], hit.evidence["tries_to_confirm"]) == (1, 3)
    assert hit.message.startswith("预警：")
    assert "疑似" in hit.message
    assert "超时" in hit.message


def test_suspected_links_say_nothing_when_the_data_file_says_so(tmp_path):
    override = tmp_path / "dl.toml"
    override.write_text("[dead_links]\nwarn_suspected = false\n", encoding="utf-8")
    links = f.dead_links(3, confirmed=False) + f.dead_links(2)
    findings, summary = judge(links, load_rules(override))
    assert len(findings) == 2
    assert all(x.evidence["confirmed"] for x in findings)
    assert summary.score == 98.0


def test_confirmed_links_carry_the_points_and_suspected_ones_none():
    links = f.dead_links(5, confirmed=False) + [
        f.dead_link(f"{f.HOME}zz/confirmed{i}.html") for i in range(10)
    ]
    hits = by(judge(links)[0], HOME_DEAD)
    assert all(x.points == 1.0 and x.level == "violation" for x in hits if x.evidence["confirmed"])
    assert all(x.points == 0.0 and x.level == "warning" for x in hits if not x.evidence["confirmed"])
    assert sum(x.points for x in hits) == 10.0


def test_live_links_make_no_findings():
    alive = f.dead_link(f.HOME + "ok.html", status=200)
    assert judge([alive])[0] == []


def test_other_page_message_names_where_the_link_was():
    (hit,) = judge(f.dead_links(1, on_homepage=False))[0]
    assert hit.indicator == OTHER_DEAD
    assert hit.message == f"其他页面链接“链接”不可用：{f.HOME}inner/gone000.html，HTTP 404"
