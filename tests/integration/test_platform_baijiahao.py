"""Baijiahao page object against simulated author.baidu.com and mbd.baidu.com: every case yields its truth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from crawlers.models import Target
from crawlers.platforms import baijiahao
from simweb.accounts import AccountWorld, build_accounts
from simweb.platforms.baijiahao import App
from simweb.platforms.base import SimAccount
from tests.platform_driver import drive

AS_OF = datetime.fromisoformat("2024-10-01T10:00:00+08:00")
KEY = "baijiahao"


@pytest.fixture(scope="module")
def world() -> Iterator[AccountWorld]:
    w = build_accounts(AS_OF, platforms=[KEY]).start()
    yield w
    w.stop()


def _target(account: SimAccount, by: str) -> Target:
    return Target(
        id=account.target_id,
        kind="account",
        name=account.name,
        owner=account.owner,
        region=account.region,
        url=account.profile_url,
        platform=KEY,
        account_id=account.account_id if by == "account_id" else None,
    )


@pytest.mark.parametrize("by", ["account_id", "url"])
@pytest.mark.parametrize("case", App.CASES)
def test_every_simulated_account_yields_its_true_state(world: AccountWorld, case: str, by: str) -> None:
    account = next(a for a in world.accounts if a.case == case)
    truth = world.truth()[account.target_id]
    result, fetches = drive(baijiahao, _target(account, by), world.origins()[KEY], AS_OF)
    assert result.state == truth["state"], (result.reason, result.evidence)
    if truth["latest"] is None:
        assert result.latest is None
    else:
        assert result.latest is not None
        want = datetime.fromisoformat(truth["latest"])
        assert abs((result.latest.date - want).total_seconds()) <= 60, (result.latest, want)
        assert result.name == account.name
    if result.state in ("unverified", "gone", "private"):
        assert result.reason
    assert len(fetches) <= 3


def test_an_unknown_app_id_is_gone_because_baidu_shows_its_not_found_page(world: AccountWorld) -> None:
    url = "https://author.baidu.com/home/1000000000000001"
    target = Target(id="X1", kind="account", name="", owner="", region="", url=url)
    result, fetches = drive(baijiahao, target, world.origins()[KEY], AS_OF)
    assert result.state == "gone"
    assert "哎呀迷路了" in result.reason
    assert len(fetches) == 1
