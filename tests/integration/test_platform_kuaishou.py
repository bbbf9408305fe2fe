"""Kuaishou page object against the simulated Kuaishou in real Chromium: every planted case must come
out as its ground truth, and the post list must be unreadable without the page's own signature."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from crawlers.dates import BEIJING
from crawlers.models import Target
from crawlers.platforms import kuaishou
from simweb.accounts import AccountWorld, build_accounts
from simweb.platforms.kuaishou import App
from tests.platform_browser import browser_fetch
from tests.platform_driver import drive

AS_OF = datetime(2024, 9, 26, 10, 0, tzinfo=BEIJING)


@pytest.fixture(scope="module")
def world() -> Iterator[AccountWorld]:
    w = build_accounts(AS_OF, platforms=["kuaishou"]).start()
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
        platform="kuaishou",
    )
    result, fetches = drive(kuaishou, target, world.origins()["kuaishou"], AS_OF, browser_fetch=browser_fetch)
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
    body = json.dumps({"user_id": account.account_id, "pcursor": "", "page": "profile"}).encode()
    req = urllib.request.Request(
        f"{world.origins()['kuaishou']}{kuaishou.FEED_PATH}?__NS_hxfalcon=00000000&caver=2",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        answer = json.loads(resp.read())
    assert answer["result"] == 50
    assert "feeds" not in answer
