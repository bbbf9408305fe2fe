"""Bilibili beyond the shared truth test (test_platforms_live.py): the server checks the WBI
signature exactly as the real API does, so a passing truth test means the crawler signed correctly."""

from __future__ import annotations

from crawlers.platforms import bilibili
from crawlers.platforms.base import Fetch
from simweb.accounts import AccountWorld
from tests.platform_driver import http_fetch
from tests.platform_world import AS_OF, account_in, target_for, world_fixture

KEY = "bilibili"
world = world_fixture(KEY)


def test_the_server_verifies_the_signature_so_signing_is_exercised(world: AccountWorld) -> None:
    """A correctly signed request is served; the same request with one value changed is refused
    with -352 (so a passing state check means the crawler signed correctly)."""
    origin = world.origins()[KEY]
    target = target_for(account_in(world, KEY, "active"))
    start = bilibili.start(target, bilibili.PlatformSettings())
    assert isinstance(start, Fetch)
    search = bilibili.next(http_fetch(start, origin, bilibili.HOSTS), target, AS_OF)
    assert isinstance(search, Fetch)
    assert "w_rid=" in search.url
    assert '"code": 0' in http_fetch(search, origin, bilibili.HOSTS).text
    tampered = Fetch(url=search.url.replace("ps=30", "ps=29"), step="posts")
    assert '"code": -352' in http_fetch(tampered, origin, bilibili.HOSTS).text
    unsigned = Fetch(url=search.url.split("&w_rid=")[0], step="posts")
    assert '"code": -352' in http_fetch(unsigned, origin, bilibili.HOSTS).text
