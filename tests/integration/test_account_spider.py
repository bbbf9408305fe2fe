"""The account spider against the simulated platforms, checked against their ground truth.

Crawls run in subprocesses (a crawl owns its process's reactor) with the real Chromium, through
``crawl_to_jsonl``: the JSON-only platforms in one crawl and the browser platforms in another (so
each one's throughput is measured on its own), then sites and accounts together in one crawl (two
spiders in one CrawlerProcess sharing one browser). Every account must come out as its truth: its
state, and its newest post within a minute; no "could not look" case may pass for a zombie, a gone
account or an empty one; Chromium opens exactly for the platforms whose page objects need it; and
cookie and credential values never appear in an item or a log line.
"""

from __future__ import annotations

import csv
import importlib.util
import os
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawlers.platforms import REGISTRY, page_object
from crawlers.thresholds import load_thresholds
from simweb.accounts import build_accounts
from simweb.platforms import APPS
from simweb.platforms.base import CASE_STATES
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.jsonl_runs import crawl_to_jsonl, parse_date

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
UNVERIFIED_CASES = sorted(case for case, state in CASE_STATES.items() if state == "unverified")
WEIBO_COOKIE = "SUB=_2AkMweibo-secret-cookie-value; SUBP=0033WrSXqPxfM72-secret"
MIXED_SITES = ("S001", "S026")  # a plain site and one whose list only JavaScript writes
SPLIT = ("json", "browser", "backoffice")  # the crawls that share the accounts between them


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


PLATFORMS = [k for k in REGISTRY if _exists(REGISTRY[k]) and _exists(APPS[k])]
BROWSER = sorted(k for k in PLATFORMS if page_object(k).NEEDS_BROWSER)
JSON_ONLY = sorted(k for k in PLATFORMS if not page_object(k).NEEDS_BROWSER)


def _crawl(
    tmp: Path,
    name: str,
    rows: list[list[str]],
    header: list[str],
    config: Path,
    env: dict,
    mode: str = "patrol",
) -> dict:
    targets = tmp / f"{name}.csv"
    with targets.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    run = crawl_to_jsonl(targets, config, AS_OF, mode, tmp / f"{name}.jsonl", timeout=600, env=env)
    items = run.records
    return {"items": items[:-1], "stats": items[-1], "raw": "\n".join(run.lines), "stderr": run.stderr}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> dict[str, Any]:
    assert PLATFORMS, "no platform has both a page object and a simulated server yet"
    tmp = tmp_path_factory.mktemp("accounts")
    accounts = build_accounts(AS_OF, platforms=PLATFORMS)
    web = SimulatedWeb(build_world(AS_OF), accounts=accounts).start()
    try:
        all_rows = list(csv.reader(web.write_targets_csv(tmp / "all.csv").open(encoding="utf-8")))
        header, rows = all_rows[0], all_rows[1:]
        # WeChat credentials are per platform: the accounts the office registered for its MP
        # back-office session are crawled with them, the album/article ones without (their truth)
        with_creds = web.write_config(tmp / "with_credentials.toml")
        text = with_creds.read_text(encoding="utf-8")
        config = tmp / "config.toml"
        config.write_text(
            "".join(line for line in text.splitlines(True) if not line.startswith("credentials")),
            encoding="utf-8",
        )
        backoffice = {a.target_id for a in accounts.accounts if a.extra.get("via") == "backoffice"}
        env = dict(os.environ, GOVPATROL_WEIBO_COOKIE=WEIBO_COOKIE, GOVPATROL_LOG_LEVEL="INFO")
        secrets = [v.split("=", 1)[1] for v in WEIBO_COOKIE.split("; ")]
        if "wechat" in accounts.apps:
            secrets += list(accounts.apps["wechat"].credentials().values())  # type: ignore[attr-defined]

        def of(platforms: list[str]) -> list[list[str]]:
            return [r for r in rows if r[1] == "account" and r[6] in platforms]

        crawls = {
            "json": _crawl(
                tmp, "json", [r for r in of(JSON_ONLY) if r[0] not in backoffice], header, config, env
            ),
            "browser": _crawl(tmp, "browser", of(BROWSER), header, config, env),
        }
        if backoffice:
            rows_bo = [r for r in rows if r[0] in backoffice]
            crawls["backoffice"] = _crawl(tmp, "backoffice", rows_bo, header, with_creds, env)
        sites = [r for r in rows if r[0] in MIXED_SITES]
        few = [r for p in (BROWSER[:1] + JSON_ONLY[:1]) for r in of([p])[:3]]
        crawls["mixed"] = _crawl(tmp, "mixed", sites + few, header, config, env, mode="full")
        return {"truth": accounts.truth(), "secrets": secrets, **crawls}
    finally:
        web.stop()


def _observations(crawled: dict) -> dict[str, dict]:
    """Every account's observation from the crawls that split the accounts between them."""
    out: dict[str, dict] = {}
    for crawl in (crawled[name] for name in SPLIT if name in crawled):
        for item in crawl["items"]:
            if item["type"] == "AccountObservation":
                assert item["target_id"] not in out, f"{item['target_id']} observed twice"
                out[item["target_id"]] = item
    return out


def test_every_account_is_observed_once_and_then_done(crawled):
    for name in (n for n in SPLIT if n in crawled):
        items = crawled[name]["items"]
        observed = Counter(i["target_id"] for i in items if i["type"] == "AccountObservation")
        done = Counter(i["target_id"] for i in items if i["type"] == "TargetDone")
        assert observed == done
        assert set(observed.values()) == {1}
        for target_id in done:
            mine = [i["type"] for i in items if i.get("target_id") == target_id]
            assert mine == ["AccountObservation", "TargetDone"], target_id
    assert set(_observations(crawled)) == set(crawled["truth"])


def test_every_account_state_and_latest_post_is_the_truth(crawled):
    wrong = []
    for target_id, obs in _observations(crawled).items():
        truth = crawled["truth"][target_id]
        what = f"{target_id} {truth['platform']}/{truth['case']}"
        if obs["state"] != truth["state"]:
            wrong.append(f"{what}: state {obs['state']} ({obs['reason']}) != {truth['state']}")
            continue
        got, want = parse_date(obs["latest"]), parse_date(truth["latest"])
        if (got is None) != (want is None) or (got and want and abs(got - want) > timedelta(seconds=60)):
            wrong.append(f"{what}: latest {got} != {want}")
    assert wrong == []


def test_no_could_not_look_case_passes_for_a_zombie_gone_or_empty_account(crawled):
    max_idle = timedelta(days=load_thresholds()["ACCOUNT-VETO-NO-UPDATE"]["max_idle_days"])
    observed = _observations(crawled)
    planted = [tid for tid, t in crawled["truth"].items() if t["case"] in UNVERIFIED_CASES]
    assert planted, "the world plants no unverified case"
    for target_id in planted:
        obs = observed[target_id]
        assert obs["state"] not in ("gone", "no_posts"), (target_id, obs["reason"])
        latest = parse_date(obs["latest"])
        assert not (obs["state"] == "latest" and latest and AS_OF - latest >= max_idle), target_id
        assert obs["state"] == "unverified", target_id
        assert obs["reason"], target_id


def test_the_browser_opens_exactly_for_the_platforms_that_need_it(crawled):
    for name in (n for n in SPLIT if n in crawled):
        crawl = crawled[name]
        observed = [i for i in crawl["items"] if i["type"] == "AccountObservation"]
        for obs in observed:
            assert obs["browser"] is (obs["platform"] in BROWSER), obs["target_id"]
        used = crawl["stats"]["browser_fetches"]
        if name == "browser":  # each account opened a page, or was read inside a warm one
            assert len(observed) <= used + crawl["stats"]["inpage_accepted"]
            assert used <= sum(o["requests"] for o in observed)
            assert crawl["stats"]["browsers_launched"] == 1
        else:
            assert used == 0, name
            assert crawl["stats"]["browsers_launched"] == 0, name


def test_sites_and_accounts_share_one_process_and_one_browser(crawled):
    mixed = crawled["mixed"]
    done = {i["target_id"] for i in mixed["items"] if i["type"] == "TargetDone"}
    accounts = {i["target_id"] for i in mixed["items"] if i["type"] == "AccountObservation"}
    assert set(MIXED_SITES) <= done
    assert accounts
    assert accounts <= done
    rendered = [i for i in mixed["items"] if i["type"] == "PageObservation" and i["rendered"]]
    assert rendered, "the JavaScript list site was not rendered"
    stats = mixed["stats"]
    assert (stats["sites_checked"], stats["accounts_checked"]) == (len(MIXED_SITES), len(accounts))
    assert stats["browser_fetches"] > 0
    assert stats["browsers_launched"] == 1, "two spiders with Chromium work must share one browser"


def test_cookies_and_credentials_never_appear_in_items_or_logs(crawled):
    assert "weibo" in PLATFORMS, "the weibo cookie is what this test plants"
    for name in (n for n in (*SPLIT, "mixed") if n in crawled):
        for secret in crawled["secrets"]:
            assert secret not in crawled[name]["raw"], f"{name}: a secret in the items"
            assert secret not in crawled[name]["stderr"], f"{name}: a secret in the log"


def test_throughput_with_and_without_the_browser(crawled, measurements):
    """Accounts per minute for each crawl and the share of accounts that needed Chromium."""
    rates = {}
    for name in ("json", "browser"):
        stats = crawled[name]["stats"]
        assert stats["accounts_checked"] > 0
        assert stats["accounts_elapsed_s"] > 0
        rates[name] = stats["accounts_checked"] / stats["accounts_elapsed_s"] * 60
        measurements[f"accounts/min ({name})"] = (
            f"{rates[name]:.0f} ({stats['accounts_checked']} accounts in {stats['accounts_elapsed_s']:.1f} s, "
            f"{stats['account_requests']} requests, {stats['browser_fetches']} browser fetches)"
        )
    checked = sum(crawled[n]["stats"]["accounts_checked"] for n in SPLIT if n in crawled)
    assert checked == len(crawled["truth"])
    share = crawled["browser"]["stats"]["accounts_checked"] / checked
    measurements["accounts needing the browser"] = (
        f"{share:.0%} ({crawled['browser']['stats']['accounts_checked']} of {checked}; "
        f"platforms {', '.join(BROWSER)})"
    )
    print({k: v for k, v in measurements.items() if k.startswith("accounts")})
    assert rates["json"] > rates["browser"] > 0
