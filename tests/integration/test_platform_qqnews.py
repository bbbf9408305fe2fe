"""Tencent News page object against the simulated i.news.qq.com: every planted case yields its true state."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import pytest

from crawlers.models import Target
from crawlers.platforms import qqnews
from simweb.accounts import AccountWorld, build_accounts
from simweb.platforms.base import SimAccount
from simweb.platforms.qqnews import App
from tests.platform_driver import drive

AS_OF = datetime.fromisoformat("2024-10-01T10:00:00+08:00")
KEY = "qqnews"


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
    result, fetches = drive(qqnews, _target(account, by), world.origins()[KEY], AS_OF)
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


def test_an_unknown_suid_is_gone(world: AccountWorld) -> None:
    url = "https://news.qq.com/omn/author/8QIfNoSuchAccount="
    target = Target(id="X1", kind="account", name="", owner="", region="", url=url)
    result, fetches = drive(qqnews, target, world.origins()[KEY], AS_OF)
    assert result.state == "gone"
    assert len(fetches) == 1


def test_a_numeric_media_id_is_resolved_to_its_suid(world: AccountWorld) -> None:
    account = next(a for a in world.accounts if a.case == "active")
    target = replace(_target(account, "account_id"), account_id=account.extra["chlid"])
    result, fetches = drive(qqnews, target, world.origins()[KEY], AS_OF)
    assert result.state == "latest"
    assert "chlid=" in fetches[0].url
    assert "guestSuid=" in fetches[1].url


def test_throttling_on_the_profile_is_never_taken_for_a_missing_account(world: AccountWorld) -> None:
    account = next(a for a in world.accounts if a.case == "throttled")
    result, _ = drive(qqnews, _target(account, "account_id"), world.origins()[KEY], AS_OF)
    assert result.state == "unverified"
    assert "throttled" in result.reason
