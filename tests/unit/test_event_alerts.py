"""The duty officer's repost alerts go per deadline: an event whose WeChat subscription accounts have
until the end of the next working day gets its 2-hour alerts for the other accounts, and later its
own alerts for those; each alert names only the accounts not seen reposting (sending once is tested on
Elasticsearch in tests/integration/test_repost_watch.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from crawlers.events import Event
from govpatrol.eventalerts import alert_message, due_alerts
from pipelines.rules.account_repost import RepostVerdict

PUBLISHED = datetime.fromisoformat("2025-06-27T15:00:00+08:00")  # a Friday
TWO_HOURS = PUBLISHED + timedelta(hours=2)
MONDAY_END = datetime.fromisoformat("2025-07-01T00:00:00+08:00")  # the end of the next working day
LEAD = timedelta(minutes=30)
M = timedelta(minutes=1)
EVENT = Event("ev-1", "苏州市防汛防旱指挥部关于启动防汛Ⅳ级应急响应的通告", PUBLISHED)


def v(tid: str, status: str, deadline: datetime = TWO_HOURS) -> RepostVerdict:
    kind = "hours" if deadline == TWO_HOURS else "working_day"
    return RepostVerdict(
        "ev-1", tid, f"账号{tid}", f"单位{tid}", "江苏省苏州市", "weibo", "u", status, deadline, kind
    )


def test_no_alert_before_the_lead_time() -> None:
    assert due_alerts(EVENT, [v("A1", "pending")], TWO_HOURS - LEAD - M, LEAD) == []


def test_each_deadline_has_its_own_alerts_naming_only_the_accounts_not_seen() -> None:
    def at(now: datetime) -> list[RepostVerdict]:
        return [
            v("A1", "reposted"),
            v("A2", "pending" if now < TWO_HOURS else "missing"),
            v("A3", "unverified"),
            v("W1", "pending" if now < MONDAY_END else "missing", MONDAY_END),
        ]

    pre = due_alerts(EVENT, at(TWO_HOURS - 20 * M), TWO_HOURS - 20 * M, LEAD)
    assert [(a[1], a[2], [x.target_id for x in a[3]]) for a in pre] == [("pre", TWO_HOURS, ["A2", "A3"])]
    due = due_alerts(EVENT, at(TWO_HOURS), TWO_HOURS, LEAD)
    assert [(a[1], [x.target_id for x in a[3]]) for a in due] == [("due", ["A2", "A3"])]
    assert pre[0][0] != due[0][0]  # two alerts, two state documents

    monday = due_alerts(EVENT, at(MONDAY_END - 10 * M), MONDAY_END - 10 * M, LEAD)
    assert [(a[1], a[2], [x.target_id for x in a[3]]) for a in monday] == [
        ("due", TWO_HOURS, ["A2", "A3"]),  # already sent: its state document says so
        ("pre", MONDAY_END, ["W1"]),
    ]


def test_a_deadline_everyone_met_raises_no_alert() -> None:
    assert due_alerts(EVENT, [v("A1", "reposted"), v("A2", "late")], TWO_HOURS + M, LEAD) == []


def test_the_messages_are_chinese_and_name_the_time_left_and_the_accounts() -> None:
    now = TWO_HOURS - 20 * M
    pre = alert_message("id", EVENT, "pre", TWO_HOURS, [v("A2", "pending"), v("A3", "unverified")], now)
    assert "转载时限将至" in pre.title
    assert "还剩20分" in pre.line
    assert "单位A2 账号A2（微博）" in pre.line
    assert "账号A3（微博，无法核实）" in pre.line
    due = alert_message("id", EVENT, "due", TWO_HOURS, [v("A2", "missing")], TWO_HOURS)
    assert "转载时限已到" in due.title
    assert "1个账号未转载或无法核实" in due.line
