"""NetEase page object against the simulated www.163.com and dy.163.com: every planted case yields its true state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from crawlers.models import Target
from crawlers.platforms import netease
from simweb.accounts import AccountWorld, build_accounts
from simweb.platforms.base import SimAccount
from simweb.platforms.netease import App
from tests.platform_driver import drive

AS_OF = datetime.fromisoformat("2024-10-01T10:00:00+08:00")
KEY = "netease"


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
    result, fetches = drive(netease, _target(account, by), world.origins()[KEY], AS_OF)
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
    assert len(fetches) <= 2


def test_an_unknown_wemedia_id_is_gone_because_the_list_answers_data_null(world: AccountWorld) -> None:
    target = Target(id="X1", kind="account", name="", owner="", region="", url="", account_id="W1000000001")
    result, fetches = drive(netease, target, world.origins()[KEY], AS_OF)
    assert result.state == "gone"
    assert "data: null" in result.reason
    assert len(fetches) == 1


def test_a_profile_url_alone_is_read_for_its_wemedia_id(world: AccountWorld) -> None:
    account = next(a for a in world.accounts if a.case == "active")
    result, fetches = drive(netease, _target(account, "url"), world.origins()[KEY], AS_OF)
    assert [f.step for f in fetches] == ["profile", "list"]
    assert f"wemediaId={account.account_id}" in fetches[1].url
    assert result.state == "latest"
