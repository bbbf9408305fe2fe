"""人民号 against the simulated server in real headless Chromium: the author page is a JS app whose
own script fetches the post list, and every planted case yields its true state (issue 3,
platforms.md §8)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from crawlers.dates import BEIJING
from crawlers.models import Target
from crawlers.platforms import rmh
from simweb.accounts import AccountWorld, build_accounts
from simweb.platforms.base import SimAccount
from simweb.platforms.rmh import App
from tests.platform_browser import browser_fetch, close_browser
from tests.platform_driver import drive, http_fetch

AS_OF = datetime(2024, 9, 26, 10, 0, tzinfo=BEIJING)


@pytest.fixture(scope="module")
def world() -> Iterator[AccountWorld]:
    w = build_accounts(AS_OF, platforms=["rmh"]).start()
    yield w
    w.stop()
    close_browser()


def _target(account: SimAccount) -> Target:
    return Target(
        id=account.target_id, kind="account", name=account.name, owner=account.owner,
        region=account.region, url=account.profile_url, platform="rmh",
    )  # fmt: skip


@pytest.mark.parametrize("case", App.CASES)
def test_each_planted_case_yields_its_true_state(world: AccountWorld, case: str) -> None:
    account = next(a for a in world.accounts if a.case == case)
    want = world.truth()[account.target_id]
    result, fetches = drive(rmh, _target(account), world.origins()["rmh"], AS_OF, browser_fetch=browser_fetch)
    assert result.state == want["state"], (result.reason, result.evidence)
    assert [f.browser for f in fetches] == [True]
    if want["latest"]:
        assert result.latest is not None
        delta = result.latest.date - datetime.fromisoformat(want["latest"])
        assert abs(delta.total_seconds()) <= 60, (result.latest, want["latest"])
        assert result.name == account.name
    if want["state"] == "unverified":
        assert result.reason


def test_the_posts_exist_only_for_a_browser(world: AccountWorld) -> None:
    """Plain HTTP gets the app shell without dates; Chromium sees the rendered list and the JSON."""
    account = next(a for a in world.accounts if a.case == "active")
    fetch = rmh.start(_target(account), rmh.PlatformSettings())
    assert isinstance(fetch, rmh.Fetch)
    plain = http_fetch(fetch, world.origins()["rmh"], rmh.HOSTS)
    assert account.posts[0].title not in plain.text
    rendered = browser_fetch(fetch, world.origins()["rmh"], rmh.HOSTS)
    assert account.posts[0].title in rendered.page_text
    assert [c.status for c in rendered.captured] == [200]
