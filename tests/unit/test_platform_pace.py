"""Platform budgets: the data's defaults, an office's overrides, and the pace's turns and pauses."""

from __future__ import annotations

import pytest

from crawlers.platformbudgets import budget_for
from spiders.platformpace import MAX_SLOWDOWN, Pace


def test_every_platform_has_a_conservative_budget_and_an_office_overrides_it():
    weibo = budget_for("weibo")
    assert 0 < weibo.requests_per_minute <= 20
    assert weibo.throttle_retries >= 1
    assert budget_for("unknown").requests_per_minute == budget_for("default").requests_per_minute
    office = budget_for("weibo", {"requests_per_minute": 6, "backoff_seconds": None, "throttle_retries": 1})
    assert (office.requests_per_minute, office.backoff_seconds, office.throttle_retries) == (
        6,
        weibo.backoff_seconds,
        1,
    )
    assert budget_for("weibo", {"requests_per_minute": 0}).interval_s == 0  # no budget


def test_requests_take_turns_at_the_budgets_interval():
    pace = Pace(budget_for("weibo", {"requests_per_minute": 30}))
    assert [pace.reserve(100.0) for _ in range(3)] == [100.0, 102.0, 104.0]
    assert pace.reserve(110.0) == 110.0  # an idle platform's turn is now


def test_without_a_budget_a_throttle_answer_sets_a_pace():
    pace = Pace(budget_for("weibo", {"requests_per_minute": 0, "backoff_seconds": 8}))
    assert [pace.reserve(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]  # as fast as asked
    pace.throttled(0.0)
    assert [pace.reserve(1.0) for _ in range(3)] == [
        8.0,
        10.0,
        12.0,
    ]  # after the pause: a quarter of it apart


def test_a_throttle_answer_pauses_the_platform_doubles_each_time_and_slows_the_pace():
    pace = Pace(budget_for("weibo", {"requests_per_minute": 30, "backoff_seconds": 10}))
    assert pace.throttled(100.0) == 10
    assert pace.reserve(101.0) == 110.0  # nothing goes out during the pause
    assert pace.reserve(101.0) == 114.0  # ... and the pace is half as fast after it
    assert pace.throttled(105.0) == 5  # a burst's other answers, during the pause: no escalation
    assert pace.throttled(115.0) == 20  # a throttle after the pause ended: twice the pause
    assert pace.reserve(116.0) == 135.0
    for n in range(20):
        pace.throttled(200.0 + 1000 * n)
    assert pace.interval == pace.budget.interval_s * MAX_SLOWDOWN
    assert pace.throttled(100_000.0) == pace.budget.backoff_max_seconds


@pytest.mark.parametrize("answers", [1, 5, 50])
def test_answers_that_come_through_end_the_run_and_the_pace_recovers(answers):
    pace = Pace(budget_for("weibo", {"requests_per_minute": 30, "backoff_seconds": 10}))
    pace.throttled(0.0)
    pace.throttled(100.0)
    for _ in range(answers):
        pace.answered()
    assert pace.throttles == 0
    assert pace.budget.interval_s <= pace.interval < 8.0
    assert pace.throttled(1000.0) == 10  # the next throttle starts the doubling again
