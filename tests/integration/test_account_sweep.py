"""The account patrol end to end: the CLI sweeps accounts on all eleven simulated platforms
(through the real browser where the platform needs it) into Elasticsearch and JSON Lines.

Asserted against the simulated platforms' ground truth: every account's state and latest post
(within a minute); zombies, warnings and gone accounts found; not one captcha, login-wall,
throttled, empty-body or malformed answer reported as a zombie or as gone.
"""

from __future__ import annotations

import csv
from datetime import datetime

import pytest

from crawlers.platforms import REGISTRY
from simweb.accounts import build_accounts
from simweb.platforms.base import CASE_STATES
from simweb.server import SimulatedWeb
from simweb.verify import compare_with_truth, records_from_jsonl
from simweb.world import build_world
from tests.jsonl_runs import sweep_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")


@pytest.fixture(scope="module")
def account_sweep(tmp_path_factory, es_url, measurements):
    tmp = tmp_path_factory.mktemp("accounts")
    web = SimulatedWeb(build_world(AS_OF), accounts=build_accounts(AS_OF)).start()
    try:
        rows = list(csv.reader(web.write_targets_csv(tmp / "all.csv").open(encoding="utf-8")))
        targets = tmp / "accounts.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[1] == "account"])
        config = web.write_config(
            tmp / "config.toml", es_url=es_url, index_prefix=f"govpatrol-acc-{tmp.name[-6:]}"
        )
        out = tmp / "accounts.jsonl"
        run = sweep_to_jsonl(targets, config, AS_OF, out, timeout=900)
        records = run.records
        truth = web.truth()
        sweep = next(r for r in records if r["type"] == "sweep")
        measurements["account sweep (simulated platforms)"] = (
            f"{sweep['accounts']} accounts, {sweep['requests']} requests, {sweep['elapsed_s']:.1f} s "
            f"({60 * sweep['accounts'] / max(sweep['elapsed_s'], 0.001):.0f} accounts/min)"
        )
        yield {"truth": truth, "records": records, "stdout": run.stdout}
    finally:
        web.stop()


def test_every_account_matches_ground_truth(account_sweep):
    findings, summaries, _ = records_from_jsonl(account_sweep["records"])
    truth = {"sites": {}, "accounts": account_sweep["truth"]["accounts"]}
    assert compare_with_truth(truth, findings, summaries) == []


def test_the_world_covers_every_platform_and_the_hard_cases(account_sweep):
    accounts = account_sweep["truth"]["accounts"].values()
    assert {a["platform"] for a in accounts} == set(REGISTRY)
    cases = {a["case"] for a in accounts}
    assert {"zombie", "pinned_old", "no_posts", "captcha", "empty_body", "malformed"} <= cases
    assert {"deleted", "banned"} & cases
    assert {"http412", "http432", "throttled", "login_wall"} & cases


def test_accounts_we_could_not_see_are_never_zombies_or_gone(account_sweep):
    findings, summaries, _ = records_from_jsonl(account_sweep["records"])
    blind = {
        tid
        for tid, a in account_sweep["truth"]["accounts"].items()
        if CASE_STATES[a["case"]] in ("unverified", "private")
    }
    assert blind
    for f in findings:
        if f.target_id in blind and f.indicator in ("ACCOUNT-VETO-NO-UPDATE", "ACCOUNT-GONE"):
            assert f.status == "unverified", (f.target_id, f.indicator, f.status)
    assert all(s.verdict == "unverified" for s in summaries if s.target_id in blind)


def test_summary_shows_accounts_by_platform(account_sweep):
    out = account_sweep["stdout"]
    assert "accounts by platform" in out
    for key in REGISTRY:
        assert key in out
