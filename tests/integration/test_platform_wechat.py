"""WeChat beyond the shared truth test (test_platforms_live.py): an account registered with nothing
usable has no public list, back-office credentials never show in a result, and an article is dated
by its own ``ct``."""

from __future__ import annotations

import json

from simweb.accounts import AccountWorld
from simweb.platforms.wechat import App
from tests.platform_world import AS_OF, account_in, drive_account, world_fixture

KEY = "wechat"
world = world_fixture(KEY)


def test_an_account_with_no_album_article_or_credentials_has_no_public_list(world: AccountWorld) -> None:
    result, fetches = drive_account(world, account_in(world, KEY, "no_public_list"))
    assert result.state == "unverified"
    assert "no public list" in result.reason
    assert fetches == []


def test_credentials_never_appear_in_results(world: AccountWorld) -> None:
    app = world.apps[KEY]
    assert isinstance(app, App)
    secrets = [app.token, *(part.split("=", 1)[1] for part in app.cookie.split("; "))]
    for account in (a for a in world.accounts if a.extra["via"] == "backoffice"):
        result, fetches = drive_account(world, account)
        assert fetches[0].step == "backoffice"
        shown = json.dumps(result.to_dict(), default=str, ensure_ascii=False)
        for secret in secrets:
            assert secret not in shown, (account.case, secret)


def test_an_article_is_dated_by_ct_not_by_the_newer_server_time(world: AccountWorld) -> None:
    result, _ = drive_account(world, account_in(world, KEY, "warning"))
    assert result.latest is not None
    assert (AS_OF - result.latest.date).days >= 9  # svr_time is AS_OF itself
