"""Douyin beyond the shared truth test (test_platforms_live.py): the post list is unreadable
without the page's own signature, so only Chromium running the page reads an account."""

from __future__ import annotations

import json
import urllib.request

import pytest

from crawlers.platforms import douyin
from simweb.accounts import AccountWorld
from tests.platform_world import account_in, world_fixture

KEY = "douyin"
world = world_fixture(KEY)


def test_post_list_without_the_page_signature_is_rejected(world: AccountWorld) -> None:
    account = account_in(world, KEY, "active")
    url = (
        f"{world.origins()[KEY]}{douyin.POSTS_PATH}?sec_user_id={account.account_id}"
        "&count=18&max_cursor=0&msToken=abc&a_bogus=0000"
    )
    with urllib.request.urlopen(url, timeout=10) as resp:
        body = resp.read().decode()
    assert body == ""
    with pytest.raises(ValueError):
        json.loads(body)
