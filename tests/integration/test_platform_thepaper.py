"""澎湃号 / 澎湃政务 against the simulated server: every planted case yields its true state (issue 3,
platforms.md §11); 政务号 (``/gov_{id}``) are read from the gov endpoint, 澎湃号 from the user one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from crawlers.dates import BEIJING
from crawlers.models import Target
from crawlers.platforms import thepaper
from simweb.accounts import AccountWorld, build_accounts
from simweb.platforms.base import SimAccount
from simweb.platforms.thepaper import App
from tests.platform_driver import drive

AS_OF = datetime(2024, 9, 26, 10, 0, tzinfo=BEIJING)


@pytest.fixture(scope="module")
def world() -> Iterator[AccountWorld]:
    w = build_accounts(AS_OF, platforms=["thepaper"]).start()
    yield w
    w.stop()


def _target(account: SimAccount) -> Target:
    return Target(
        id=account.target_id, kind="account", name=account.name, owner=account.owner,
        region=account.region, url=account.profile_url, platform="thepaper",
    )  # fmt: skip


@pytest.mark.parametrize("case", App.CASES)
def test_each_planted_case_yields_its_true_state(world: AccountWorld, case: str) -> None:
    account = next(a for a in world.accounts if a.case == case)
    want = world.truth()[account.target_id]
    result, fetches = drive(thepaper, _target(account), world.origins()["thepaper"], AS_OF)
    assert result.state == want["state"], (result.reason, result.evidence)
    assert not any(f.browser for f in fetches)
    if want["latest"]:
        assert result.latest is not None
        delta = result.latest.date - datetime.fromisoformat(want["latest"])
        assert abs(delta.total_seconds()) <= 60, (result.latest, want["latest"])
        assert result.name == account.name
    if want["state"] == "unverified":
        assert result.reason


def test_gov_accounts_are_read_from_the_gov_endpoint(world: AccountWorld) -> None:
    """Both kinds are planted among the latest cases, and each asks its own endpoint."""
    kinds = set()
    for account in (a for a in world.accounts if a.case in ("active", "warning", "zombie", "dormant")):
        result, fetches = drive(thepaper, _target(account), world.origins()["thepaper"], AS_OF)
        assert result.state == "latest"
        gov = "/gov_" in account.profile_url
        assert fetches[-1].url.endswith("/contentapi/cont/pph/gov" if gov else "/contentapi/cont/pph/user")
        kinds.add(gov)
    assert kinds == {True, False}
