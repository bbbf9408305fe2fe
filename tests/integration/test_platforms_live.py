"""Every registered platform's page object against its simulated server: each planted case yields
its ground truth. Chromium platforms are driven in real headless
Chromium; the others over plain HTTP. What only one platform shows lives in its own
``test_platform_<key>.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from crawlers.platforms import REGISTRY, page_object
from simweb.accounts import AccountWorld
from simweb.platforms import app_class
from tests.platform_world import account_in, drive_account, world_fixture

world = world_fixture()  # every platform, one server each


@dataclass(frozen=True)
class Expect:
    """How a platform is registered and driven, beyond the truth every platform must match."""

    by: tuple[str, ...] = ("url",)  # registry forms tried: the profile URL, and/or the platform id
    steps: tuple[str, ...] | None = None  # the exact steps, when the platform always takes the same
    max_fetches: int | None = None
    names: bool = True  # a dated account also carries the display name the platform showed


BOTH = ("account_id", "url")
EXPECT: dict[str, Expect] = {
    "weibo": Expect(by=BOTH, max_fetches=2),
    "wechat": Expect(names=False),
    "douyin": Expect(names=False),
    "toutiao": Expect(names=False),
    "bilibili": Expect(steps=("nav", "posts"), names=False),
    "kuaishou": Expect(names=False),
    "baijiahao": Expect(by=BOTH, max_fetches=3),
    "qqnews": Expect(by=BOTH, max_fetches=2),
    "netease": Expect(by=BOTH, max_fetches=2),
    "thepaper": Expect(),
    "rmh": Expect(steps=("page",)),
}
CASES = [
    pytest.param(key, case, by, id=f"{key}-{case}-{by}")
    for key in REGISTRY
    for case in app_class(key).CASES
    for by in EXPECT.get(key, Expect()).by
]


@pytest.mark.parametrize(("key", "case", "by"), CASES)
def test_every_planted_account_yields_its_true_state(
    world: AccountWorld, key: str, case: str, by: str
) -> None:
    account = account_in(world, key, case)
    truth = world.truth()[account.target_id]
    expect = EXPECT.get(key, Expect())
    result, fetches = drive_account(world, account, by)

    assert result.state == truth["state"], (result.reason, result.evidence)
    if truth["latest"] is None:
        assert result.latest is None
    else:
        assert result.latest is not None
        want = datetime.fromisoformat(truth["latest"])
        assert abs((result.latest.date - want).total_seconds()) <= 60, (result.latest, want)
        if expect.names:
            assert result.name == account.name
    if result.state in ("unverified", "gone", "private"):
        assert result.reason
    # Chromium platforms open every page in the browser; the others never start one.
    assert all(f.browser == page_object(key).NEEDS_BROWSER for f in fetches)
    if expect.steps is not None:
        assert [f.step for f in fetches] == list(expect.steps)
    if expect.max_fetches is not None:
        assert len(fetches) <= expect.max_fetches
