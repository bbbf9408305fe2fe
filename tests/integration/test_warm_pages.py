"""Signed platforms read from inside one warm page per platform (spiders/warmpages.py).

The account crawl (a subprocess, real Chromium) runs against Douyin, Toutiao and Kuaishou simulated in both
signing models (simweb/platforms/signed.py). With the SDK-style hook every dated account is read by
an in-page request from the platform's warm page, so the simulated server serves far fewer profile
pages than there are accounts; with pages that sign only their own first request every in-page
answer is a refusal, every account falls back to its own profile page, and the results are the same
ground truth either way. Douyin's empty lists are explained by its profile-info answer read in the
same warm page (no profile page for them); what no in-page answer decides still opens its profile page.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from simweb.accounts import build_accounts
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.jsonl_runs import crawl_to_jsonl, parse_date

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
SIGNED = ("douyin", "toutiao", "kuaishou")
EMPTY_LIST = ("no_posts", "deleted", "banned", "private")  # Douyin's cases that answer an empty aweme_list
THROTTLE_CODED = ("captcha", "throttled")  # Kuaishou's cases that answer result 2001 / result 2


def crawl(tmp: Path, signing: str, platforms: tuple[str, ...] = SIGNED) -> dict[str, Any]:
    """Every planted case of ``platforms``, the signed ones' apps in ``signing``, crawled once."""
    accounts = build_accounts(AS_OF, platforms=list(platforms))
    for key in SIGNED:
        accounts.apps[key].signing = signing  # type: ignore[attr-defined]
    web = SimulatedWeb(build_world(AS_OF), accounts=accounts).start()
    try:
        rows = list(csv.reader(web.write_targets_csv(tmp / "all.csv").open(encoding="utf-8")))
        targets = tmp / "accounts.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[1] == "account"])
        config = web.write_config(tmp / "config.toml")
        env = dict(os.environ, GOVPATROL_LOG_LEVEL="INFO")
        run = crawl_to_jsonl(targets, config, AS_OF, "patrol", tmp / "accounts.jsonl", timeout=600, env=env)
        return {
            "items": run.records[:-1],
            "stats": run.records[-1],
            "stderr": run.stderr,
            "truth": web.truth()["accounts"],
            "served": {key: dict(accounts.apps[key].served) for key in SIGNED},  # type: ignore[attr-defined]
            "pages": {  # profile pages served per target id
                a.target_id: accounts.apps[a.platform].profile_pages[a.account_id]  # type: ignore[attr-defined]
                for a in accounts.accounts
                if a.platform in SIGNED
            },
            "accounts": Counter(a.platform for a in accounts.accounts),
            "cases": {a.target_id: a.case for a in accounts.accounts},
        }
    finally:
        web.stop()


@pytest.fixture(scope="module")
def hook_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return crawl(tmp_path_factory.mktemp("warm-hook"), "hook", (*SIGNED, "rmh"))


@pytest.fixture(scope="module")
def first_request_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return crawl(tmp_path_factory.mktemp("warm-first"), "first_request")


def observations(run: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in run["items"] if item["type"] == "AccountObservation"]


def misses(run: dict[str, Any]) -> list[str]:
    """Accounts whose state or newest post (within a minute) is not their ground truth."""
    out = []
    for obs in observations(run):
        truth = run["truth"][obs["target_id"]]
        latest, want = parse_date(obs["latest"]), parse_date(truth["latest"])
        off = (latest is None) != (want is None) or (
            latest is not None and want is not None and abs((latest - want).total_seconds()) > 60
        )
        if obs["state"] != truth["state"] or off:
            out.append(f"{obs['target_id']} {obs['platform']}: {obs['state']} {obs['reason']}")
    return out


def test_hook_platforms_reach_every_truth_without_a_profile_page_per_account(hook_crawl):
    obs = observations(hook_crawl)
    assert len(obs) == sum(hook_crawl["accounts"].values())
    assert misses(hook_crawl) == []
    for key in SIGNED:
        dated = [o for o in obs if o["platform"] == key and o["state"] == "latest"]
        inpage = [o for o in dated if o["evidence"].get("inpage")]
        # one dated account's own profile page became the warm page; every other one was read in it,
        # with one request and no profile page of its own
        assert len(inpage) == len(dated) - 1 >= 3, key
        assert all(o["browser"] and o["requests"] == 1 for o in inpage)
        assert sum(hook_crawl["pages"][o["target_id"]] for o in dated) == 1, key
        assert all(hook_crawl["pages"][o["target_id"]] == 0 for o in inpage)
    # Douyin's empty lists (banned, closed, private, never posted) are explained in the same warm
    # page by its profile-info answer: no profile page of their own, the same state as the truth
    explained = [
        o for o in obs if o["platform"] == "douyin" and hook_crawl["cases"][o["target_id"]] in EMPTY_LIST
    ]
    assert sorted(hook_crawl["cases"][o["target_id"]] for o in explained) == sorted(EMPTY_LIST)
    assert all(o["evidence"].get("info") and o["requests"] == 2 for o in explained)
    assert all(hook_crawl["pages"][o["target_id"]] == 0 for o in explained)
    assert hook_crawl["stats"]["inpage_info_kept"] == len(explained)
    # Kuaishou's captcha and "too fast" codes answer a signed in-page request: the profile page would
    # capture the same answer, so the account is tried again later in the warm page, never its own page
    coded = [
        o
        for o in obs
        if o["platform"] == "kuaishou" and hook_crawl["cases"][o["target_id"]] in THROTTLE_CODED
    ]
    assert sorted(hook_crawl["cases"][o["target_id"]] for o in coded) == sorted(THROTTLE_CODED)
    assert all(o["evidence"].get("inpage") and o["evidence"].get("throttled") for o in coded)
    assert all(hook_crawl["pages"][o["target_id"]] == 0 for o in coded)
    explained += coded
    # what no in-page answer decides (a captcha page, a refusal, a platform without a profile-info reader)
    # opened its profile page as before
    undecided = [o for o in obs if o["state"] != "latest" and o["platform"] in SIGNED and o not in explained]
    assert undecided
    assert all(hook_crawl["pages"][o["target_id"]] >= 1 for o in undecided)
    dated_inpage = [o for o in obs if o["evidence"].get("inpage") and o["state"] == "latest"]
    assert hook_crawl["stats"]["inpage_accepted"] == len(dated_inpage)
    # 人民号 signs nothing: its dated authors are read in a warm author page as well
    rmh = [o for o in obs if o["platform"] == "rmh" and o["state"] == "latest"]
    assert len([o for o in rmh if o["evidence"].get("inpage")]) == len(rmh) - 1 >= 2


def test_first_request_platforms_fall_back_to_every_profile_page_in_a_reused_page(first_request_crawl):
    obs = observations(first_request_crawl)
    assert len(obs) == sum(first_request_crawl["accounts"].values())
    assert misses(first_request_crawl) == []
    assert not [o for o in obs if o["evidence"].get("inpage")]
    # every account opened its own profile page: none was read in a warm page
    assert all(first_request_crawl["pages"][o["target_id"]] >= 1 for o in obs)
    assert first_request_crawl["stats"]["inpage_accepted"] == 0
    assert first_request_crawl["stats"]["inpage_info_kept"] == 0
    # ...but not a new Chromium page each: a lane's page is navigated to its platform's next account
    stats = first_request_crawl["stats"]
    assert stats["lane_pages_reused"] >= 1
    assert stats["browser_pages_opened"] < stats["browser_fetches"]
    assert first_request_crawl["stats"]["inpage_fallbacks"] >= 1
