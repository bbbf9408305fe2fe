"""Kuaishou beyond the shared truth test (test_platforms_live.py): the feed is unreadable without
the page's own signature, so only Chromium running the page reads an account."""

from __future__ import annotations

import json
import urllib.request

from crawlers.platforms import kuaishou
from simweb.accounts import AccountWorld
from tests.platform_world import account_in, world_fixture

KEY = "kuaishou"
world = world_fixture(KEY)


def test_feed_without_the_page_signature_is_rejected(world: AccountWorld) -> None:
    account = account_in(world, KEY, "active")
    body = json.dumps({"user_id": account.account_id, "pcursor": "", "page": "profile"}).encode()
    req = urllib.request.Request(
        f"{world.origins()[KEY]}{kuaishou.FEED_PATH}?__NS_hxfalcon=00000000&caver=2",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        answer = json.loads(resp.read())
    assert answer["result"] == 50
    assert "feeds" not in answer
