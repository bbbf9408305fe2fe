"""NetEase beyond the shared truth test (test_platforms_live.py): an unknown wemedia id is gone, and
a profile URL alone is read for its wemedia id."""

from __future__ import annotations

from crawlers.models import Target
from simweb.accounts import AccountWorld
from tests.platform_world import account_in, drive_account, drive_target, world_fixture

KEY = "netease"
world = world_fixture(KEY)


def test_an_unknown_wemedia_id_is_gone_because_the_list_answers_data_null(world: AccountWorld) -> None:
    target = Target(id="X1", kind="account", name="", owner="", region="", url="", account_id="W1000000001")
    result, fetches = drive_target(world, KEY, target)
    assert result.state == "gone"
    assert "data: null" in result.reason
    assert len(fetches) == 1


def test_a_profile_url_alone_is_read_for_its_wemedia_id(world: AccountWorld) -> None:
    account = account_in(world, KEY, "active")
    result, fetches = drive_account(world, account, "url")
    assert [f.step for f in fetches] == ["profile", "list"]
    assert f"wemediaId={account.account_id}" in fetches[1].url
    assert result.state == "latest"
