"""Platform budgets instead of bans, on a simulated Weibo that throttles an address asking too fast.

The simulated platform answers every request above its rate limit with its own throttle shape
(weibo.cn's HTTP 418). Kept to a budget under that limit, the sweep is never throttled; without a
budget it is, and the adaptive backoff pauses the platform and tries each throttled account again
later in the same sweep, so every account still ends as the ground truth says (the planted
throttled and captcha accounts, which never answer, stay unverified).
"""

from __future__ import annotations

import csv
from datetime import datetime

from simweb.accounts import build_accounts
from simweb.server import SimulatedWeb
from simweb.verify import compare_with_truth, records_from_jsonl
from simweb.world import build_world
from tests.jsonl_runs import sweep_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
LIMIT, WINDOW_S = 8, 2.0  # the simulated Weibo's rate limit: 8 requests per 2 seconds (240 a minute)


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
