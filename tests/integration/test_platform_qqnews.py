"""Tencent News beyond the shared truth test (test_platforms_live.py): unknown suids, numeric media
ids, and throttling on the profile."""

from __future__ import annotations

from dataclasses import replace

from crawlers.models import Target
from simweb.accounts import AccountWorld
from tests.platform_world import account_in, drive_account, drive_target, target_for, world_fixture

KEY = "qqnews"
world = world_fixture(KEY)


def test_an_unknown_suid_is_gone(world: AccountWorld) -> None:
    url = "https://news.qq.com/omn/author/8QIfNoSuchAccount="
    target = Target(id="X1", kind="account", name="", owner="", region="", url=url)
    result, fetches = drive_target(world, KEY, target)
    assert result.state == "gone"
    assert len(fetches) == 1


def test_a_numeric_media_id_is_resolved_to_its_suid(world: AccountWorld) -> None:
    account = account_in(world, KEY, "active")
    target = replace(target_for(account, "account_id"), account_id=account.extra["chlid"])
    result, fetches = drive_target(world, KEY, target)
    assert result.state == "latest"
    assert "chlid=" in fetches[0].url
    assert "guestSuid=" in fetches[1].url


def test_throttling_on_the_profile_is_never_taken_for_a_missing_account(world: AccountWorld) -> None:
    result, _ = drive_account(world, account_in(world, KEY, "throttled"), "account_id")
    assert result.state == "unverified"
    assert "throttled" in result.reason
