"""Platform budgets: the data's defaults, an office's overrides, and the pace's turns and pauses."""

from __future__ import annotations

import pytest

from crawlers.platformbudgets import budget_for
from spiders.platformpace import MAX_SLOWDOWN, Pace, pump_order


def sends(pace: Pace, times: list[float], cost: float = 1.0) -> list[float]:
    """When each request asked for at ``times`` goes out (each as soon as its turn allows)."""
    out = []
    for asked in times:
        at = max(asked, pace.ready_at())
        pace.take(at, cost)
        out.append(at)
    return out


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
    assert sends(pace, [100.0, 100.0, 100.0]) == [100.0, 102.0, 104.0]
    assert sends(pace, [110.0]) == [110.0]  # an idle platform's turn is now


def test_a_browser_page_costs_the_requests_the_platform_sees_for_it():
    pace = Pace(budget_for("douyin", {"requests_per_minute": 30}))
    assert sends(pace, [0.0, 0.0], cost=2) == [0.0, 4.0]  # a page and its own list request: 2 turns
    pace.charge(1)  # the page was seen to make one request more than declared
    assert pace.ready_at() == 10.0
    assert pace.taken == 5


def test_without_a_budget_a_throttle_answer_sets_a_pace():
    pace = Pace(budget_for("weibo", {"requests_per_minute": 0, "backoff_seconds": 8}))
    assert sends(pace, [0.0, 0.0, 0.0]) == [0.0, 0.0, 0.0]  # as fast as asked
    pace.throttled(0.0)
    assert sends(pace, [1.0, 1.0, 1.0]) == [8.0, 10.0, 12.0]  # after the pause: a quarter of it apart


def test_a_throttle_answer_pauses_the_platform_doubles_each_time_and_slows_the_pace():
    pace = Pace(budget_for("weibo", {"requests_per_minute": 30, "backoff_seconds": 10}))
    assert pace.throttled(100.0, sent_at=99.0) == 10
    assert sends(pace, [101.0, 101.0]) == [110.0, 114.0]  # nothing during the pause, then half as fast
    assert pace.throttled(105.0) == 5  # a burst's other answers, during the pause: no escalation
    assert pace.throttled(115.0, sent_at=99.5) == 0  # sent before the pause began: no escalation
    assert pace.throttled(115.0, sent_at=110.0) == 20  # sent after it, throttled again: twice the pause
    assert pace.ready_at() == 135.0
    for n in range(20):
        pace.throttled(200.0 + 1000 * n)
    assert pace.interval == pace.budget.interval_s * MAX_SLOWDOWN
    assert pace.throttled(100_000.0) == pace.budget.backoff_max_seconds


def test_an_account_refused_again_on_its_retry_pauses_again_without_doubling_the_pause():
    """The answer may be the account's own (a captcha on that account): at a sweep's tail, where only
    such retries are left, the pause would otherwise double on every one of them. A real limit still
    slows the pace on each, so the retries get through."""
    pace = Pace(budget_for("weibo", {"requests_per_minute": 30, "backoff_seconds": 10}))
    assert pace.throttled(100.0, sent_at=99.0) == 10  # a first try refused: the platform pauses
    interval = pace.interval
    assert pace.throttled(120.0, sent_at=115.0, escalate=False) == 10  # its retry: the same pause
    assert pace.throttles == 1
    assert pace.interval == 2 * interval  # ... and a slower pace
    assert pace.throttled(140.0, sent_at=135.0) == 20  # another account's first try: doubled


def test_one_throttle_halves_the_pace_not_more():
    """With a budget a throttle slows the pace by half, not down to a quarter of the pause (a pace of
    540 a minute must not become 12 a minute after one throttle answer)."""
    pace = Pace(budget_for("weibo", {"requests_per_minute": 540, "backoff_seconds": 20}))
    pace.throttled(0.0)
    assert pace.interval == pytest.approx(2 * 60 / 540)


def test_the_queue_takes_its_turns_when_they_come_so_a_recovered_pace_applies_to_all_of_it():
    """A slowed pace that recovers speeds up every request still waiting: turns are not reserved."""
    pace = Pace(budget_for("weibo", {"requests_per_minute": 60, "backoff_seconds": 4}))
    pace.throttled(0.0)
    pace.throttled(10.0)  # paused until 18 s, pace 4x slower
    assert sends(pace, [10.0]) == [18.0]
    for _ in range(30):
        pace.answered()
    assert pace.interval == pace.budget.interval_s
    assert sends(pace, [18.0] * 3) == [19.0, 20.0, 21.0]


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


def test_a_freed_lane_offers_itself_to_the_platform_whose_page_it_holds_first():
    paces = {key: Pace(budget_for(key, {})) for key in ("douyin", "toutiao", "kuaishou")}
    paces["douyin"].take(0.0)  # douyin's next turn is later than the others'
    assert pump_order(paces, "douyin")[0] == "douyin"
    assert pump_order(paces)[-1] == "douyin"  # without a held page: the longest-waiting first
