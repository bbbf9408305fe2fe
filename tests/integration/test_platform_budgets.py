"""Platform budgets instead of bans, on a simulated Weibo that throttles an address asking too fast.

The simulated platform answers every request above its rate limit with its own throttle shape
(weibo.cn's HTTP 418). Kept to a budget under that limit, the sweep is never throttled; without a
budget it is, and the adaptive backoff pauses the platform and tries each throttled account again
later in the same sweep, so every account still ends as the ground truth says (the planted
throttled and captcha accounts, which never answer, stay unverified).

Browser platforms under a limit: a Toutiao profile page makes two requests (the page and the list its
own script fetches), and its page signs only that first request, so the warm page's in-page probes
are refused. The budget counts both requests of a page, and a refused probe is the page not signing
(not the platform saying "too fast"): the platform is never throttled and never paused for nothing.
"""

from __future__ import annotations

import csv
from datetime import datetime

from simweb.accounts import build_accounts
from simweb.server import SimulatedWeb
from simweb.verify import compare_with_truth, records_from_jsonl
from simweb.world import build_world
from tests.jsonl_runs import crawl_to_jsonl, parse_date, sweep_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
LIMIT, WINDOW_S = 8, 2.0  # the simulated Weibo's rate limit: 8 requests per 2 seconds (240 a minute)
# the simulated Toutiao's: 30 requests per 30 s. A budget of 45 a minute that counted a page once
# would send 45 pages (90 requests) a minute whenever Chromium keeps up; counting both, 22.5 pages
PAGE_LIMIT, PAGE_WINDOW_S, PAGE_BUDGET = 30, 30.0, 45.0
# the planted cases whose profile page is the platform's throttle or anti-bot answer
THROTTLE_SHAPED = frozenset({"captcha", "throttled"})


def sweep_weibo(tmp_path, es_url, budget: dict[str, float]) -> tuple[list[str], int]:
    """(differences from the ground truth, throttle answers the platform gave) of one sweep."""
    web = SimulatedWeb(build_world(AS_OF), accounts=build_accounts(AS_OF, platforms=["weibo"])).start()
    try:
        assert web.accounts is not None
        app = web.accounts.apps["weibo"]
        app.limit_rate(LIMIT, WINDOW_S)
        rows = list(csv.reader(web.write_targets_csv(tmp_path / "all.csv").open(encoding="utf-8")))
        targets = tmp_path / "accounts.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[1] == "account"])
        config = web.write_config(
            tmp_path / "config.toml",
            es_url=es_url,
            index_prefix=f"govpatrol-bud-{tmp_path.name[-6:]}",
            platform_budget=budget,
        )
        run = sweep_to_jsonl(targets, config, AS_OF, tmp_path / "accounts.jsonl")
        findings, summaries, _ = records_from_jsonl(run.records)
        truth = {"sites": {}, "accounts": web.truth()["accounts"]}
        return compare_with_truth(truth, findings, summaries), app.throttle_answers
    finally:
        web.stop()


def test_a_budget_under_the_platforms_limit_is_never_throttled(tmp_path, es_url):
    differences, throttled = sweep_weibo(tmp_path, es_url, {"requests_per_minute": 180})
    assert throttled == 0
    assert differences == []


def test_without_a_budget_throttled_accounts_are_tried_again_later_in_the_same_sweep(tmp_path, es_url):
    differences, throttled = sweep_weibo(
        tmp_path, es_url, {"requests_per_minute": 0, "backoff_seconds": 1.0, "throttle_retries": 6}
    )
    assert throttled > 0  # the sweep did ask too fast ...
    assert differences == []  # ... and still saw every account the platform would show


def test_browser_pages_count_their_own_requests_and_a_refused_probe_pauses_nothing(tmp_path):
    accounts = build_accounts(AS_OF, platforms=["toutiao"])
    web = SimulatedWeb(build_world(AS_OF), accounts=accounts).start()
    try:
        app = accounts.apps["toutiao"]
        assert app.signing == "first_request"  # type: ignore[attr-defined]
        app.limit_rate(PAGE_LIMIT, PAGE_WINDOW_S)
        rows = list(csv.reader(web.write_targets_csv(tmp_path / "all.csv").open(encoding="utf-8")))
        targets = tmp_path / "accounts.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[1] == "account"])
        # no retries: a planted throttle-shaped account answers the same every time
        budget = {"requests_per_minute": PAGE_BUDGET, "backoff_seconds": 1.0, "throttle_retries": 0}
        config = web.write_config(tmp_path / "config.toml", platform_budget=budget)
        run = crawl_to_jsonl(targets, config, AS_OF, "patrol", tmp_path / "toutiao.jsonl", timeout=600)
        stats = run.records[-1]
        truth = web.truth()["accounts"]
    finally:
        web.stop()
    obs = [r for r in run.records if r["type"] == "AccountObservation"]
    assert len(obs) == len(accounts.accounts) == len(truth)
    assert app.throttle_answers == 0  # the limit never answered "too fast"
    assert stats["inpage_fallbacks"] >= 1  # the probes were refused ...
    # ... and the only throttle answers the spider saw were the planted ones, once each
    assert stats["throttle_answers"] == sum(a.case in THROTTLE_SHAPED for a in accounts.accounts) >= 1
    assert stats["throttled_unverified"] == stats["throttle_answers"]
    # every page made the requests its page object declared: the budget saw what the platform saw
    assert stats["pages_over_declared"] == 0
    for o in obs:
        want = truth[o["target_id"]]
        assert o["state"] == want["state"], (o["target_id"], o["reason"])
        latest, expected = parse_date(o["latest"]), parse_date(want["latest"])
        assert (latest is None) == (expected is None), o["target_id"]
        assert latest is None or expected is None or abs((latest - expected).total_seconds()) <= 60
