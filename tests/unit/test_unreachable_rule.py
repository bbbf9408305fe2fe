"""SITE-VETO-UNREACHABLE as the national indicators state it: over 7 days of homepage probes, a veto when
failures reach 5%, a warning (预警, severity notice) from 3%, nothing below; thresholds from the data file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from pipelines.rules.base import Rules
from pipelines.rules.unreachable import INDICATOR, ProbeWindow, judge_unreachable
from tests.unit import factories as f

RULES = Rules.load()
WINDOW = ProbeWindow(start=f.AS_OF - timedelta(days=7), end=f.AS_OF)


def judge(total: int, failed: int, window: ProbeWindow = WINDOW, rules: Rules = RULES):
    return judge_unreachable(f.target(), total, failed, window, f.AS_OF, rules)


@pytest.mark.parametrize(
    ("total", "failed", "expected"),
    [
        (140, 7, ("veto", "violation")),  # exactly 5%
        (140, 6, ("notice", "warning")),  # 4.3%
        (140, 4, None),  # 2.9%
        (160, 8, ("veto", "violation")),  # exactly 5%
        (1000, 51, ("veto", "violation")),  # just over 5%
        (1000, 49, ("notice", "warning")),  # just under 5%
        (100, 3, ("notice", "warning")),  # exactly 3%
        (1000, 31, ("notice", "warning")),  # just over 3%
        (1000, 29, None),  # just under 3%
        (168, 0, None),
        (168, 168, ("veto", "violation")),
    ],
)
def test_failure_ratio_at_and_around_the_thresholds(total, failed, expected):
    findings = judge(total, failed)
    if expected is None:
        assert findings == []
        return
    (hit,) = findings
    assert (hit.indicator, hit.severity, hit.level, hit.status) == (INDICATOR, *expected, "open")
    assert hit.evidence["probes_total"] == total
    assert hit.evidence["probes_failed"] == failed


def test_veto_finding_carries_the_target_and_the_evidence():
    window = ProbeWindow(
        start=WINDOW.start,
        end=WINDOW.end,
        failures_by_class={"timeout": 5, "http": 2},
        failed_at=["2024-09-25T03:00:00+08:00", "2024-09-25T04:00:00+08:00"],
    )
    (hit,) = judge(140, 7, window)
    target = f.target()
    assert (hit.target_id, hit.target_name, hit.owner, hit.region, hit.kind) == (
        target.id,
        target.name,
        target.owner,
        target.region,
        "site",
    )
    assert hit.subject_url == target.url
    assert hit.as_of == f.AS_OF
    ev = hit.evidence
    assert ev["failures_by_class"] == {"timeout": 5, "http": 2}
    assert ev["failed_at"] == window.failed_at
    assert ev["failed_ratio"] == 0.05
    assert (ev["fail_ratio"], ev["warn_ratio"], ev["window_days"]) == (0.05, 0.03, 7)
    assert ev["window_start"] == WINDOW.start.isoformat()
    assert ev["window_end"] == f.AS_OF.isoformat()
    assert ev["coverage_short"] is False
    assert (
        hit.message
        == "近7天首页可用性探测140次，失败7次（HTTP错误2次、超时5次），失败率5.0%，达到5%的否决标准"
    )


def test_warning_message_says_it_is_a_warning():
    (hit,) = judge(140, 6)
    assert hit.message.startswith("预警：近7天首页可用性探测140次，失败6次")
    assert hit.message.endswith("达到3%的预警线")


def test_a_veto_needs_the_rules_coverage_else_an_unverified_early_warning():
    """7 days x 20 probes = 140: 100 probes at 5% failed, or a single failed probe, are no basis for
    a veto: an early warning "探测次数不足", unverified; 140 probes at 5% are a veto."""
    for total, failed in ((100, 5), (1, 1), (139, 139)):
        (hit,) = judge(total, failed)
        assert (hit.level, hit.status, hit.severity) == ("warning", "unverified", "notice")
        assert hit.message.startswith("预警（探测次数不足）：")
        assert "不能据此单项否决" in hit.message
        assert hit.evidence["reason"] == "coverage_short"
    (hit,) = judge(100, 5)
    assert hit.evidence["coverage_short"] is True
    assert hit.evidence["probes_expected"] == 140
    assert hit.evidence["coverage"] == round(100 / 140, 4)
    assert "少于国家要求的140次" in hit.evidence["coverage_note"]
    (veto,) = judge(140, 7)
    assert (veto.level, veto.status) == ("violation", "open")
    assert judge(100, 2) == []
    (warn,) = judge(100, 3)  # below the veto line a short window still warns
    assert (warn.level, warn.status) == ("warning", "open")


def test_a_window_without_probes_is_unverified_not_passed():
    (hit,) = judge(0, 0)
    assert (hit.status, hit.level, hit.severity) == ("unverified", "violation", "veto")
    assert hit.evidence["reason"] == "no probes in the window"
    assert "无法判断" in hit.message


def test_thresholds_come_from_the_data_file(tmp_path: Path):
    override = tmp_path / "mine.toml"
    override.write_text(f'["{INDICATOR}"]\nfail_ratio = 0.1\nwarn_ratio = 0.05\n', encoding="utf-8")
    rules = Rules.load(override)
    (hit,) = judge(140, 7, rules=rules)
    assert (hit.severity, hit.level) == ("notice", "warning")
    assert judge(140, 6, rules=rules) == []
    (veto,) = judge(140, 14, rules=rules)
    assert veto.level == "violation"


def test_warning_and_veto_have_different_stable_ids():
    (veto,) = judge(140, 7)
    (warning,) = judge(140, 6)
    assert veto.id != warning.id
    assert veto.id == judge(140, 9)[0].id
