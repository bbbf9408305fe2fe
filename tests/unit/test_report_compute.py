"""The 通报's arithmetic: 合格率 rounded half-up to two decimals, deadlines in working days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from govpatrol.report.compute import Tally, add_working_days, pass_rate, rate_text


def test_pass_rate_matches_the_provincial_report_sentence() -> None:
    assert pass_rate(112, 121) == Decimal("92.56")  # 92.5619...


def test_pass_rate_rounds_half_up_to_two_decimals() -> None:
    assert pass_rate(2, 3) == Decimal("66.67")
    assert pass_rate(1, 8) == Decimal("12.50")
    assert rate_text(pass_rate(1, 8)) == "12.50%"
    # 1/16 = 6.25 exactly; 1/32 = 3.125 -> half-up 3.13 (a float round() gives 3.12)
    assert pass_rate(1, 32) == Decimal("3.13")
    assert pass_rate(7, 8) == Decimal("87.50")
    assert pass_rate(0, 5) == Decimal("0.00")
    assert pass_rate(5, 5) == Decimal("100.00")


def test_nothing_checked_has_no_rate() -> None:
    assert pass_rate(0, 0) is None
    assert rate_text(None) == "—"


def test_unverified_targets_are_not_counted_as_checked() -> None:
    t = Tally("政府网站")
    for verdict in ("pass", "pass", "fail", "unverified"):
        t.add(verdict)
    assert (t.checked, t.passed, t.failed, t.unverified) == (3, 2, 1, 1)
    assert t.rate == Decimal("66.67")


def test_deadline_counts_working_days_only() -> None:
    friday = date(2025, 4, 4)
    assert add_working_days(friday, 1) == date(2025, 4, 7)
    assert add_working_days(friday, 15) == date(2025, 4, 25)
