"""Every recorded platform case (tests/fixtures/platforms/<key>/<case>/) replayed through its page object."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from crawlers.platforms import REGISTRY, page_object
from crawlers.platforms.replay import load_case, replay

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "platforms"
CASES = sorted(p for p in ROOT.glob("*/*") if (p / "expected.json").is_file())


@pytest.mark.parametrize("folder", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_recorded_case(folder: Path) -> None:
    target, now, replies, expected, settings = load_case(folder)
    result, fetches = replay(page_object(folder.parent.name), target, now, replies, folder, settings)
    assert result.state == expected["state"], (result.reason, result.evidence)
    if "latest" in expected:
        if expected["latest"] is None:
            assert result.latest is None
        else:
            assert result.latest is not None
            want = datetime.fromisoformat(expected["latest"])
            assert abs((result.latest.date - want).total_seconds()) <= 60, (result.latest, want)
    if "latest_id" in expected:
        assert result.latest is not None
        assert result.latest.id == expected["latest_id"]
    if "reason_contains" in expected:
        assert expected["reason_contains"] in result.reason
    if "posts" in expected:
        assert len(result.posts) == expected["posts"]
    if "fetches" in expected:
        assert len(fetches) == expected["fetches"]
    if "browser" in expected:
        assert any(f.browser for f in fetches) == expected["browser"]


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_every_platform_has_at_least_five_recorded_cases(key: str) -> None:
    assert len([c for c in CASES if c.parent.name == key]) >= 5


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_page_object_declares_its_contract(key: str) -> None:
    po = page_object(key)
    assert key == po.KEY
    assert po.HOSTS
    assert all("." in h and "/" not in h for h in po.HOSTS)
    assert isinstance(po.NEEDS_BROWSER, bool)
