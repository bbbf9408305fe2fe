"""Baijiahao beyond the shared truth test (test_platforms_live.py): an unknown app id is gone."""

from __future__ import annotations

from crawlers.models import Target
from simweb.accounts import AccountWorld
from tests.platform_world import drive_target, world_fixture

KEY = "baijiahao"
world = world_fixture(KEY)


def test_an_unknown_app_id_is_gone_because_baidu_shows_its_not_found_page(world: AccountWorld) -> None:
    url = "https://author.baidu.com/home/1000000000000001"
    target = Target(id="X1", kind="account", name="", owner="", region="", url=url)
    result, fetches = drive_target(world, KEY, target)
    assert result.state == "gone"
    assert "哎呀迷路了" in result.reason
    assert len(fetches) == 1
