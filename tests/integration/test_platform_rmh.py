"""人民号 beyond the shared truth test (test_platforms_live.py): the author page is a JS app whose
own script fetches the post list, so plain HTTP sees nothing and Chromium sees it all."""

from __future__ import annotations

from crawlers.platforms import rmh
from simweb.accounts import AccountWorld
from tests.platform_browser import browser_fetch
from tests.platform_driver import http_fetch
from tests.platform_world import account_in, target_for, world_fixture

KEY = "rmh"
world = world_fixture(KEY)


def test_the_posts_exist_only_for_a_browser(world: AccountWorld) -> None:
    """Plain HTTP gets the app shell without dates; Chromium sees the rendered list and the JSON."""
    account = account_in(world, KEY, "active")
    fetch = rmh.start(target_for(account), rmh.PlatformSettings())
    assert isinstance(fetch, rmh.Fetch)
    plain = http_fetch(fetch, world.origins()[KEY], rmh.HOSTS)
    assert account.posts[0].title not in plain.text
    rendered = browser_fetch(fetch, world.origins()[KEY], rmh.HOSTS)
    assert account.posts[0].title in rendered.page_text
    assert [c.status for c in rendered.captured] == [200]
