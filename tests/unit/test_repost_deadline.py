"""ACCOUNT-REPOST-LATE: deadlines (2 hours; a WeChat subscription account the end of the next working
day, weekends, holidays and 调休 counted) and the verdicts from the repost-watch facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from crawlers.events import Event, RepostObservation, RepostPost
from crawlers.models import Target
from crawlers.workdays import WorkCalendar
from pipelines.judge import load_rules
from pipelines.rules.account_repost import deadline_for, judge_event, judge_event_account

RULES = load_rules()
PARAMS = RULES.table("ACCOUNT-REPOST-LATE")
TITLE = "苏州市防汛防旱指挥部关于启动防汛Ⅳ级应急响应的通告"
FRIDAY = datetime.fromisoformat("2025-06-27T15:00:00+08:00")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def account(tid: str = "A1", platform: str = "weibo", account_type: str | None = None) -> dict:
    return Target(tid, "account", f"账号{tid}", "某单位", "江苏省苏州市", f"https://x/{tid}", platform,
                  account_type=account_type).to_dict()  # fmt: skip


def event(
    published: datetime = FRIDAY, accounts: list[dict] | None = None, minutes: int | None = None
) -> Event:
    return Event("ev-1", TITLE, published, keywords=["防汛", "Ⅳ级应急响应"], deadline_minutes=minutes,
                 accounts=accounts or [account()])  # fmt: skip


def check(at: datetime, posts: Sequence[tuple[timedelta, str]] = (), state: str = "latest",
          oldest: datetime | None = None, ev: Event | None = None, tid: str = "A1") -> RepostObservation:  # fmt: skip
    ev = ev or event()
    return RepostObservation(
        event_id=ev.id, target_id=tid, platform="weibo", url="https://x", fetched_at=at, as_of=at,
        state=state, since=ev.published,
        posts=[RepostPost(date=ev.published + d, title=t, text=t, url=f"https://x/p{i}") for i, (d, t) in enumerate(posts)],
        posts_seen=len(posts) + 1, oldest_seen=oldest or ev.published - 24 * H,
        reason="captcha" if state == "unverified" else "",
    )  # fmt: skip


# ---------------------------------------------------------------- the calendar


def test_working_days_skip_weekends_and_holidays_and_count_working_weekends() -> None:
    cal = WorkCalendar.from_lists(PARAMS["holidays"], PARAMS["working_weekends"])
    assert cal.next_working_day(date(2025, 6, 27)) == date(2025, 6, 30)  # Friday -> Monday
    assert cal.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)  # 国庆中秋 1-8 October
    assert cal.is_working_day(date(2025, 9, 28))  # a Sunday worked (调休)
    assert cal.next_working_day(date(2025, 9, 26)) == date(2025, 9, 28)
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)  # Saturday worked before 春节
    assert not cal.is_working_day(date(2026, 2, 16))
    end = cal.end_of_next_working_day(datetime.fromisoformat("2025-04-30T16:00:00+08:00"))
    assert end == datetime.fromisoformat("2025-05-07T00:00:00+08:00")  # 劳动节 1-5 May: the 6th, to its end


def test_a_bad_date_in_the_holiday_list_is_named() -> None:
    with pytest.raises(ValueError, match="holidays.*2025-02-30"):
        WorkCalendar.from_lists(["2025-02-30"], [])


# ---------------------------------------------------------------- deadlines


def test_the_deadline_is_two_hours_or_the_events_own() -> None:
    weibo = Target("A1", "account", "x", "o", "r", "u", "weibo")
    assert deadline_for(event(), weibo, PARAMS) == (FRIDAY + 2 * H, "hours")
    assert deadline_for(event(minutes=45), weibo, PARAMS) == (FRIDAY + 45 * M, "hours")


def test_a_wechat_subscription_account_has_until_the_end_of_the_next_working_day() -> None:
    sub = Target("W1", "account", "x", "o", "r", "u", "wechat")  # no 账号类型: a subscription account
    service = replace(sub, account_type="服务号")
    monday_end = datetime.fromisoformat("2025-07-01T00:00:00+08:00")
    assert deadline_for(event(), sub, PARAMS) == (monday_end, "working_day")
    assert deadline_for(event(), replace(sub, account_type="订阅号"), PARAMS) == (monday_end, "working_day")
    assert deadline_for(event(), service, PARAMS) == (FRIDAY + 2 * H, "hours")
    before_holiday = event(published=datetime.fromisoformat("2025-09-30T20:00:00+08:00"))
    assert deadline_for(before_holiday, sub, PARAMS)[0] == datetime.fromisoformat("2025-10-10T00:00:00+08:00")
    no_rule = dict(PARAMS, subscription_working_day=False)
    assert deadline_for(event(), sub, no_rule) == (FRIDAY + 2 * H, "hours")


def test_an_office_holiday_list_moves_the_deadline() -> None:
    sub = Target("W1", "account", "x", "o", "r", "u", "wechat")
    office = dict(PARAMS, holidays=[*PARAMS["holidays"], "2025-06-30"])  # a local day off on Monday
    assert deadline_for(event(), sub, office)[0] == datetime.fromisoformat("2025-07-02T00:00:00+08:00")


# ---------------------------------------------------------------- verdicts


def verdict(facts: list[RepostObservation], at: datetime, ev: Event | None = None):
    ev = ev or event()
    return judge_event_account(ev, ev.accounts[0], facts, at, RULES)


def test_a_repost_within_the_deadline_passes_with_its_delay() -> None:
    v = verdict([check(FRIDAY + 3 * H, [(110 * M, f"转发：{TITLE}")])], FRIDAY + 3 * H)
    assert (v.status, v.delay, v.finding) == ("reposted", 110 * M, None)


def test_a_repost_after_the_deadline_is_late_with_its_delay_in_the_evidence() -> None:
    v = verdict([check(FRIDAY + 3 * H, [(130 * M, TITLE)])], FRIDAY + 3 * H)
    assert v.status == "late"
    assert v.finding is not None
    f = v.finding
    assert (f.indicator, f.status, f.severity, f.subject) == (
        "ACCOUNT-REPOST-LATE",
        "open",
        "deduction",
        "event:ev-1",
    )
    assert f.evidence["delay_minutes"] == 130
    assert f.evidence["delay"] == "2小时10分"
    assert f.evidence["repost"]["url"] == "https://x/p0"
    assert f.subject_url == "https://x/p0"
    assert "转载不及时" in f.message
    assert f.points == PARAMS["points"]


def test_no_repost_by_the_deadline_is_missing_with_the_posts_read() -> None:
    v = verdict(
        [check(FRIDAY + 3 * H, [(40 * M, "苏州市防汛防旱指挥部关于加强汛期安全防范的提示")])], FRIDAY + 3 * H
    )
    assert v.status == "missing"
    assert v.finding is not None
    assert v.finding.evidence["outcome"] == "missing"
    assert v.finding.evidence["posts_read"][0]["title"].startswith("苏州市防汛防旱指挥部关于加强")
    assert "未转载" in v.finding.message


def test_before_the_deadline_nothing_seen_is_pending_and_raises_nothing() -> None:
    v = verdict([check(FRIDAY + H, [])], FRIDAY + H)
    assert (v.status, v.finding) == ("pending", None)


def test_an_account_we_could_not_read_is_unverified_never_late() -> None:
    v = verdict([check(FRIDAY + 3 * H, state="unverified")], FRIDAY + 3 * H)
    assert v.status == "unverified"
    assert v.finding is not None
    assert v.finding.status == "unverified"
    assert v.finding.points == 0.0
    assert verdict([], FRIDAY + 3 * H).status == "unverified"  # never checked since the event


def test_posts_read_that_do_not_reach_back_to_the_event_leave_it_unverified() -> None:
    busy = check(FRIDAY + 3 * H, [(2 * H + 30 * M, "一图读懂政府工作报告")], oldest=FRIDAY + 2 * H)
    assert verdict([busy], FRIDAY + 3 * H).status == "unverified"
    earlier = check(FRIDAY + 2 * H + 10 * M, [])  # an earlier check covered the start
    assert verdict([earlier, busy], FRIDAY + 3 * H).status == "missing"


def test_a_repost_seen_by_an_earlier_check_still_counts_after_it_left_the_first_page() -> None:
    first = check(FRIDAY + 1 * H, [(30 * M, TITLE)])
    later = check(FRIDAY + 5 * H, [(4 * H, "一图读懂政府工作报告")], oldest=FRIDAY + 3 * H)
    v = verdict([first, later], FRIDAY + 5 * H)
    assert (v.status, v.reposted_at) == ("reposted", FRIDAY + 30 * M)


def test_a_missing_account_that_reposts_later_becomes_late_and_replays_are_reproducible() -> None:
    at_deadline = check(FRIDAY + 2 * H + 5 * M, [])
    after = check(FRIDAY + 3 * H, [(2 * H + 10 * M, TITLE)])
    assert verdict([at_deadline], FRIDAY + 2 * H + 5 * M).status == "missing"
    assert verdict([at_deadline, after], FRIDAY + 3 * H).status == "late"
    assert verdict([at_deadline, after], FRIDAY + 2 * H + 5 * M).status == "missing"  # as of then


def test_posts_before_the_event_and_after_the_check_time_are_not_reposts() -> None:
    early = check(FRIDAY + 3 * H, [(-10 * M, TITLE)])
    assert verdict([early], FRIDAY + 3 * H).status == "missing"


def test_the_table_is_sorted_by_urgency() -> None:
    ids = ["A1", "A2", "A3", "A4", "A5"]
    ev = event(accounts=[account(t) for t in ids])
    facts = [
        check(FRIDAY + 3 * H, [(20 * M, TITLE)], ev=ev, tid="A1"),
        check(FRIDAY + 3 * H, [(150 * M, TITLE)], ev=ev, tid="A2"),
        check(FRIDAY + 3 * H, [], ev=ev, tid="A3"),
        check(FRIDAY + 3 * H, state="unverified", ev=ev, tid="A4"),
    ]
    order = [(v.target_id, v.status) for v in judge_event(ev, facts, FRIDAY + 3 * H, RULES)]
    assert order == [
        ("A3", "missing"),
        ("A2", "late"),
        ("A4", "unverified"),
        ("A5", "unverified"),
        ("A1", "reposted"),
    ]
