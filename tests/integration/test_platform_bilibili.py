"""Bilibili against its simulated server: every planted case yields its true state (spec: issue 3,
platforms.md §5), with the WBI signature checked by the server exactly as the real API does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from crawlers.dates import BEIJING
from crawlers.models import Target
from crawlers.platforms import bilibili
from crawlers.platforms.base import Fetch
from simweb.accounts import AccountWorld, build_accounts
from simweb.platforms.base import SimAccount
from simweb.platforms.bilibili import App
from tests.platform_driver import drive, http_fetch

AS_OF = datetime(2024, 9, 26, 10, 0, tzinfo=BEIJING)


@pytest.fixture(scope="module")
def world() -> Iterator[AccountWorld]:
    w = build_accounts(AS_OF, platforms=["bilibili"]).start()
    yield w
    w.stop()


def _target(account: SimAccount) -> Target:
    return Target(
        id=account.target_id, kind="account", name=account.name, owner=account.owner,
        region=account.region, url=account.profile_url, platform="bilibili",
    )  # fmt: skip


@pytest.mark.parametrize("case", App.CASES)
def test_each_planted_case_yields_its_true_state(world: AccountWorld, case: str) -> None:
    account = next(a for a in world.accounts if a.case == case)
    want = world.truth()[account.target_id]
    result, fetches = drive(bilibili, _target(account), world.origins()["bilibili"], AS_OF)
    assert result.state == want["state"], (result.reason, result.evidence)
    assert [f.step for f in fetches] == ["nav", "posts"]
    assert not any(f.browser for f in fetches)
    if want["latest"]:
        assert result.latest is not None
        delta = result.latest.date - datetime.fromisoformat(want["latest"])
        assert abs(delta.total_seconds()) <= 60, (result.latest, want["latest"])
    if want["state"] == "unverified":
        assert result.reason


def test_the_server_verifies_the_signature_so_signing_is_exercised(world: AccountWorld) -> None:
    """A correctly signed request is served; the same request with one value changed is refused
    with -352 (so a passing state check above means the crawler signed correctly)."""
    origin = world.origins()["bilibili"]
    account = next(a for a in world.accounts if a.case == "active")
    start = bilibili.start(_target(account), bilibili.PlatformSettings())
    assert isinstance(start, Fetch)
    search = bilibili.next(http_fetch(start, origin, bilibili.HOSTS), _target(account), AS_OF)
    assert isinstance(search, Fetch)
    assert "w_rid=" in search.url
    assert '"code": 0' in http_fetch(search, origin, bilibili.HOSTS).text
    tampered = Fetch(url=search.url.replace("ps=30", "ps=29"), step="posts")
    assert '"code": -352' in http_fetch(tampered, origin, bilibili.HOSTS).text
    unsigned = Fetch(url=search.url.split("&w_rid=")[0], step="posts")
    assert '"code": -352' in http_fetch(unsigned, origin, bilibili.HOSTS).text
