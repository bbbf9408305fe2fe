"""Weibo beyond the shared truth test (test_platforms_live.py): an unknown uid (profile URL only) is
gone, and an old pinned post neither hides nor fakes activity."""

from __future__ import annotations

from crawlers.models import Target
from simweb.accounts import AccountWorld
from tests.platform_world import AS_OF, account_in, drive_account, drive_target, world_fixture

KEY = "weibo"
world = world_fixture(KEY)


def test_an_unknown_uid_is_gone_as_the_platform_says_it_does_not_exist(world: AccountWorld) -> None:
    target = Target(
        id="X1", kind="account", name="", owner="", region="", url="https://m.weibo.cn/u/1000000001"
    )
    result, _ = drive_target(world, KEY, target)
    assert result.state == "gone"
    assert "用户不存在" in result.reason


def test_an_old_pinned_post_neither_hides_nor_fakes_activity(world: AccountWorld) -> None:
    result, _ = drive_account(world, account_in(world, KEY, "pinned_old"), "account_id")
    assert result.latest is not None
    assert not result.latest.pinned
    assert any(p.pinned for p in result.posts)
    assert (AS_OF - result.latest.date).days < 14
