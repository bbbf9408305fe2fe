"""The simulated account world as the platform integration tests use it: one as-of time, a running
world fixture, registry targets for planted accounts, and a page-object drive with the settings and
browser each platform needs. One place, so the shared truth test and the per-platform tests agree
on how an account is registered and driven."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from types import ModuleType
from typing import Any

import pytest

from crawlers.dates import BEIJING
from crawlers.models import Target
from crawlers.platforms import page_object
from crawlers.platforms.base import AccountResult, Fetch, PlatformSettings
from simweb.accounts import AccountWorld, build_accounts
from simweb.platforms.base import SimAccount
from tests.platform_browser import browser_fetch
from tests.platform_driver import drive

AS_OF = datetime(2024, 9, 26, 10, 0, tzinfo=BEIJING)


def world_fixture(*platforms: str) -> Any:
    """A module-scoped ``world`` fixture serving ``platforms`` (all of them when none is named)."""

    @pytest.fixture(scope="module", name="world")
    def _world() -> Iterator[AccountWorld]:
        w = build_accounts(AS_OF, platforms=list(platforms) or None).start()
        yield w
        w.stop()

    return _world


def account_in(world: AccountWorld, key: str, case: str) -> SimAccount:
    """The account planted on platform ``key`` with ``case``."""
    return next(a for a in world.accounts if a.platform == key and a.case == case)


def target_for(account: SimAccount, by: str = "url") -> Target:
    """The registry row an office would write: always the profile URL, the platform id when ``by``
    is ``"account_id"``."""
    return Target(
        id=account.target_id,
        kind="account",
        name=account.name,
        owner=account.owner,
        region=account.region,
        url=account.profile_url,
        platform=account.platform,
        account_id=account.account_id if by == "account_id" else None,
    )


def settings_for(world: AccountWorld, account: SimAccount) -> PlatformSettings:
    """What the office configured: WeChat back-office credentials only for the accounts planted that
    way; nothing for anyone else."""
    if account.platform == "wechat" and account.extra.get("via") == "backoffice":
        return PlatformSettings(credentials=world.apps["wechat"].credentials())  # type: ignore[attr-defined]
    return PlatformSettings()


def drive_target(
    world: AccountWorld,
    key: str,
    target: Target,
    settings: PlatformSettings | None = None,
) -> tuple[AccountResult, list[Fetch]]:
    """Run platform ``key``'s page object for ``target`` against the simulated server, in real
    Chromium when the platform needs a browser."""
    po: ModuleType = page_object(key)
    fetcher: Callable[..., Any] | None = browser_fetch if po.NEEDS_BROWSER else None
    return drive(po, target, world.origins()[key], AS_OF, settings=settings, browser_fetch=fetcher)


def drive_account(
    world: AccountWorld, account: SimAccount, by: str = "url"
) -> tuple[AccountResult, list[Fetch]]:
    """Drive a planted account registered ``by`` URL or id, with the settings its office made."""
    return drive_target(world, account.platform, target_for(account, by), settings_for(world, account))
