"""WeChat against the simulated server: every planted case yields its true state (issue 3,
platforms.md §2), whichever way the office registered the account (album URL, article URL,
back-office credentials, or nothing usable), and the credentials never show in a result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest

from crawlers.dates import BEIJING
from crawlers.models import Target
from crawlers.platforms import wechat
from crawlers.platforms.base import PlatformSettings
from simweb.accounts import AccountWorld, build_accounts
from simweb.platforms.base import SimAccount
from simweb.platforms.wechat import App
from tests.platform_driver import drive

AS_OF = datetime(2024, 9, 26, 10, 0, tzinfo=BEIJING)


@pytest.fixture(scope="module")
def world() -> Iterator[AccountWorld]:
    w = build_accounts(AS_OF, platforms=["wechat"]).start()
    yield w
    w.stop()


def _target(account: SimAccount) -> Target:
    return Target(
        id=account.target_id, kind="account", name=account.name, owner=account.owner,
        region=account.region, url=account.profile_url, platform="wechat",
    )  # fmt: skip


def _settings(world: AccountWorld, account: SimAccount) -> PlatformSettings:
    """The office configured its MP back-office session only for the accounts planted that way."""
    if account.extra["via"] != "backoffice":
        return PlatformSettings()
    app = world.apps["wechat"]
    assert isinstance(app, App)
    return PlatformSettings(credentials=app.credentials())


@pytest.mark.parametrize("case", App.CASES)
def test_each_planted_case_yields_its_true_state(world: AccountWorld, case: str) -> None:
    account = next(a for a in world.accounts if a.case == case)
    want = world.truth()[account.target_id]
    result, fetches = drive(
        wechat, _target(account), world.origins()["wechat"], AS_OF, settings=_settings(world, account)
    )
    assert result.state == want["state"], (result.reason, result.evidence)
    assert not any(f.browser for f in fetches)
    if want["latest"]:
        assert result.latest is not None
        delta = result.latest.date - datetime.fromisoformat(want["latest"])
        assert abs(delta.total_seconds()) <= 60, (result.latest, want["latest"])
    if want["state"] == "unverified":
        assert result.reason
    if case == "no_public_list":
        assert "no public list" in result.reason
        assert fetches == []


def test_credentials_never_appear_in_results(world: AccountWorld) -> None:
    app = world.apps["wechat"]
    assert isinstance(app, App)
    secrets = [app.token, *(part.split("=", 1)[1] for part in app.cookie.split("; "))]
    for account in (a for a in world.accounts if a.extra["via"] == "backoffice"):
        result, fetches = drive(
            wechat, _target(account), world.origins()["wechat"], AS_OF, settings=_settings(world, account)
        )
        assert fetches[0].step == "backoffice"
        shown = json.dumps(result.to_dict(), default=str, ensure_ascii=False)
        for secret in secrets:
            assert secret not in shown, (account.case, secret)


def test_an_article_is_dated_by_ct_not_by_the_newer_server_time(world: AccountWorld) -> None:
    account = next(a for a in world.accounts if a.case == "warning")
    result, _ = drive(wechat, _target(account), world.origins()["wechat"], AS_OF)
    assert result.latest is not None
    assert (AS_OF - result.latest.date).days >= 9  # svr_time is AS_OF itself
