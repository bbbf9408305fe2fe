"""Toutiao page object against the simulated Toutiao in real Chromium: every planted case must come
out as its ground truth, and the post list must be unreadable without the page's own signature."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from crawlers.dates import BEIJING
from crawlers.models import Target
from crawlers.platforms import toutiao
from simweb.accounts import AccountWorld, build_accounts
from simweb.platforms.toutiao import App
from tests.platform_browser import browser_fetch
from tests.platform_driver import drive

AS_OF = datetime(2024, 9, 26, 10, 0, tzinfo=BEIJING)


@pytest.fixture(scope="module")
def world() -> Iterator[AccountWorld]:
    w = build_accounts(AS_OF, platforms=["toutiao"]).start()
    yield w
    w.stop()


@pytest.mark.parametrize("case", App.CASES)
def test_account_reads_as_its_truth(world: AccountWorld, case: str) -> None:
    account = next(a for a in world.accounts if a.case == case)
    truth = world.truth()[account.target_id]
    target = Target(
        id=account.target_id,
        kind="account",
        name=account.name,
        owner=account.owner,
        region=account.region,
        url=account.profile_url,
        platform="toutiao",
    )
    result, fetches = drive(toutiao, target, world.origins()["toutiao"], AS_OF, browser_fetch=browser_fetch)
    assert result.state == truth["state"], (result.reason, result.evidence)
    assert all(f.browser for f in fetches)
    if truth["latest"]:
        assert result.latest is not None
        want = datetime.fromisoformat(truth["latest"])
        assert abs(result.latest.date - want) <= timedelta(seconds=60)
    if result.state == "unverified":
        assert result.reason


def test_feed_without_the_page_signature_is_rejected(world: AccountWorld) -> None:
    account = next(a for a in world.accounts if a.case == "active")
    url = (
        f"{world.origins()['toutiao']}{toutiao.FEED_PATH}?category=profile_all&token={account.account_id}"
        "&max_behot_time=0&aid=24&app_name=toutiao_web&_signature=0000"
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=10)
    assert err.value.code == 403
