"""Every platform's page object carries the words it saw on each post (``Post.text``), the input of
ACCOUNT-SEC-WORDING: driven against the simulated platforms, one active account each."""

from __future__ import annotations

import pytest

from simweb.accounts import AccountWorld
from simweb.platforms import APPS
from tests.platform_world import account_in, drive_account, world_fixture

world = world_fixture()


@pytest.mark.parametrize("key", sorted(APPS))
def test_each_post_carries_the_text_the_page_object_read(world: AccountWorld, key: str) -> None:
    account = account_in(world, key, "active")
    result, _ = drive_account(world, account)
    assert result.state == "latest", result.reason
    assert result.posts
    titles = {p.title for p in account.posts}
    for post in result.posts:
        assert post.text, f"{key}: post {post.id} has no text"
        assert any(title in post.text for title in titles), f"{key}: {post.text!r}"
    assert "text" not in result.posts[0].to_dict()  # stored only masked, through observe_post
