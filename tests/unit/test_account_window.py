"""The patrol's account plan: each account once a window, the windows' patrols evenly loaded."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from crawlers.models import Target
from govpatrol.accountwindow import account_slot, patrol_slot, plan_accounts, window_slots

T0 = datetime.fromisoformat("2024-10-08T00:30:00+08:00")


def account(n: int) -> Target:
    url = f"https://m.weibo.cn/u/{n}"
    return Target(f"A{n:05d}", "account", f"号{n}", "市政府办公室", "市", url, platform="weibo")


SITE = Target("S001", "site", "市政府", "市政府办公室", "市", "http://www.example.gov.cn/")
ACCOUNTS = [account(n) for n in range(1, 6001)]


def test_a_day_of_two_hour_patrols_has_twelve_slots_and_a_short_window_one() -> None:
    assert window_slots(24, 2) == 12
    assert window_slots(0, 2) == 1  # 0: every patrol
    assert window_slots(24, 168) == 1  # weekly patrols: each checks every account


def test_the_accounts_are_spread_evenly_over_the_windows_patrols() -> None:
    load = Counter(account_slot(t.id, 12) for t in ACCOUNTS)
    assert set(load) == set(range(12))
    assert max(load.values()) <= 1.1 * 500
    assert min(load.values()) >= 0.9 * 500


def test_a_day_of_patrols_checks_each_account_once_when_all_were_seen() -> None:
    ids = {t.id for t in ACCOUNTS}
    seen: Counter[str] = Counter()
    for n in range(12):
        plan = plan_accounts([SITE, *ACCOUNTS], T0 + timedelta(hours=2 * n), 24, 2, recent=ids)
        assert plan.targets[0] is SITE  # every site, every patrol
        seen.update(t.id for t in plan.targets if t.kind == "account")
        assert plan.late == []
    assert seen == Counter(dict.fromkeys(ids, 1))


def test_an_account_no_sweep_looked_at_in_the_window_is_due_now() -> None:
    when = T0 + timedelta(hours=4)
    slot = patrol_slot(when, 2, 12)
    other = next(t for t in ACCOUNTS if account_slot(t.id, 12) != slot)
    recent = {t.id for t in ACCOUNTS} - {other.id}
    plan = plan_accounts(ACCOUNTS, when, 24, 2, recent)
    assert plan.late == [other.id]
    assert other in plan.targets
    assert plan.record()["skipped"] == len(ACCOUNTS) - plan.in_slot - 1


def test_without_a_memory_of_earlier_checks_every_account_is_due() -> None:
    plan = plan_accounts(ACCOUNTS, T0, 24, 2, recent=None)
    assert plan.checked == len(ACCOUNTS)
    assert plan.record()["memory"] is False


def test_the_slot_of_an_account_is_the_same_in_every_run() -> None:
    # SHA-256 of the id, not Python's salted hash(): pinned, as every machine and run must agree
    assert [account_slot(i, 12) for i in ("A00042", "A00001", "W001")] == [4, 8, 6]
