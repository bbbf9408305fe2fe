"""澎湃号 / 澎湃政务 beyond the shared truth test (test_platforms_live.py): 政务号 (``/gov_{id}``) are
read from the gov endpoint, 澎湃号 from the user one."""

from __future__ import annotations

from simweb.accounts import AccountWorld
from tests.platform_world import drive_account, world_fixture

KEY = "thepaper"
world = world_fixture(KEY)


def test_gov_accounts_are_read_from_the_gov_endpoint(world: AccountWorld) -> None:
    """Both kinds are planted among the latest cases, and each asks its own endpoint."""
    kinds = set()
    for account in (a for a in world.accounts if a.case in ("active", "warning", "zombie", "dormant")):
        result, fetches = drive_account(world, account)
        assert result.state == "latest"
        gov = "/gov_" in account.profile_url
        assert fetches[-1].url.endswith("/contentapi/cont/pph/gov" if gov else "/contentapi/cont/pph/user")
        kinds.add(gov)
    assert kinds == {True, False}
