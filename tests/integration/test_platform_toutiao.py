"""Toutiao beyond the shared truth test (test_platforms_live.py): the feed is unreadable without
the page's own signature, so only Chromium running the page reads an account."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from crawlers.platforms import toutiao
from simweb.accounts import AccountWorld
from tests.platform_world import account_in, world_fixture

KEY = "toutiao"
world = world_fixture(KEY)


def test_feed_without_the_page_signature_is_rejected(world: AccountWorld) -> None:
    account = account_in(world, KEY, "active")
    url = (
        f"{world.origins()[KEY]}{toutiao.FEED_PATH}?category=profile_all&token={account.account_id}"
        "&max_behot_time=0&aid=24&app_name=toutiao_web&_signature=0000"
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=10)
    assert err.value.code == 403
