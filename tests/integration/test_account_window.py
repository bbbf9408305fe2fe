"""Accounts are checked once a day, spread over the day's patrols, through `govpatrol sweep`.

A full sweep checks every account of a simulated Weibo and 澎湃号 (plain HTTP) into Elasticsearch;
then a day of patrols (every 6 hours, ``[accounts] check_every_hours = 24``: four patrols) runs.
Each account the platform shows is checked in exactly one of them; an account the platform would
not show (captcha, throttled, ...) was never looked at, so every patrol tries it again. The findings
on record are the same after the day as before it, and an account whose problem is fixed on the
platform keeps its open finding through the patrols that skip it, and is 已整改 at its own.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawlers.config import load_config
from govpatrol.accountwindow import account_slot, patrol_slot
from pipelines.store import Store
from simweb.accounts import build_accounts
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.jsonl_runs import Run, run_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
PATROL_HOURS, WINDOW_HOURS = 6, 24
SLOTS = WINDOW_HOURS // PATROL_HOURS
PATROLS = [AS_OF + timedelta(hours=1 + PATROL_HOURS * i) for i in range(SLOTS)]  # one day
SHOWN = ("latest", "no_posts", "gone")  # states of an account the platform showed


def sweep(targets: Path, config: Path, as_of: datetime, kind: str, out: Path) -> Run:
    args = ["-m", "govpatrol", "sweep", "--targets", str(targets), "--as-of", as_of.isoformat()]
    args += ["--kind", kind, "--output", str(out), "--config", str(config), "--quiet"]
    return run_to_jsonl(args, out, timeout=600)


def of(run: Run, kind: str) -> list[dict[str, Any]]:
    return [r for r in run.records if r["type"] == kind]


def findings_on_record(store: Store) -> dict[str, dict[str, Any]]:
    store.refresh()
    docs = store.search_all("findings", {"match_all": {}}, [{"id": "asc"}])
    return {d["id"]: d for d in docs}


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory, es_url: str) -> Any:
    tmp = tmp_path_factory.mktemp("account-window")
    accounts = build_accounts(AS_OF, platforms=["weibo", "thepaper"])
    web = SimulatedWeb(build_world(AS_OF), accounts=accounts).start()
    prefix = f"govpatrol-it-win-{tmp.name[-6:]}"
    store: Store | None = None
    try:
        rows = list(csv.reader(web.write_targets_csv(tmp / "all.csv").open(encoding="utf-8")))
        targets = tmp / "accounts.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[1] == "account"])
        config = web.write_config(tmp / "config.toml", es_url=es_url, index_prefix=prefix)
        text = config.read_text(encoding="utf-8")
        text += f"\n[scheduler]\npatrol_hours = {PATROL_HOURS}\n\n[accounts]\ncheck_every_hours = {WINDOW_HOURS}\n"
        config.write_text(text, encoding="utf-8")
        store = Store(load_config(config).elasticsearch)

        full = sweep(targets, config, AS_OF, "full", tmp / "full.jsonl")
        before = findings_on_record(store)
        states = {r["target_id"]: r["state"] for r in of(full, "target")}
        # an account with an open finding that the first patrol skips: fixed on the platform now
        first = patrol_slot(PATROLS[0], PATROL_HOURS, SLOTS)
        fixed = next(
            d
            for d in before.values()
            if d["indicator"] == "ACCOUNT-VETO-NO-UPDATE"
            and d["status"] == "open"
            and states[d["target_id"]] == "latest"  # posts, but none lately (僵尸): it posts again
            and account_slot(d["target_id"], SLOTS) != first
        )
        assert web.accounts is not None
        for app in web.accounts.apps.values():
            healthy = next(a for a in app.accounts if a.case == "active")
            for account in app.accounts:
                if account.target_id == fixed["target_id"]:
                    account.posts = list(healthy.posts)  # it posts again
        patrols, after_each = [], []
        for n, when in enumerate(PATROLS):
            patrols.append(sweep(targets, config, when, "patrol", tmp / f"patrol{n}.jsonl"))
            after_each.append(findings_on_record(store))
        yield {
            "full": full,
            "before": before,
            "states": states,
            "fixed": fixed,
            "patrols": patrols,
            "after": after_each,
        }
    finally:
        web.stop()
        if store is not None:
            store.delete_indices()


def checked_in(run: Run) -> set[str]:
    return {r["target_id"] for r in of(run, "target")}


def test_each_account_the_platform_shows_is_checked_once_in_the_day(day: dict[str, Any]) -> None:
    shown = {t for t, s in day["states"].items() if s in SHOWN}
    assert len(shown) >= 10
    times = {t: sum(t in checked_in(p) for p in day["patrols"]) for t in shown}
    assert times == dict.fromkeys(shown, 1)
    # ... spread over the day, not all in one patrol
    assert all(len(checked_in(p) & shown) < len(shown) / 2 for p in day["patrols"])


def test_an_account_never_looked_at_is_tried_again_in_every_patrol(day: dict[str, Any]) -> None:
    unseen = {t for t, s in day["states"].items() if s not in SHOWN}
    assert unseen  # the planted captcha, throttled, login-wall ... accounts
    for patrol in day["patrols"]:
        assert unseen <= checked_in(patrol)


def test_the_sweep_record_says_which_accounts_the_patrol_checked(day: dict[str, Any]) -> None:
    total = len(day["states"])
    for n, patrol in enumerate(day["patrols"]):
        record = of(patrol, "sweep")[0]
        window = record["accounts_window"]
        assert window["slots"] == SLOTS
        assert window["slot"] == patrol_slot(PATROLS[n], PATROL_HOURS, SLOTS)
        assert window["accounts"] == total
        assert window["checked"] == len(checked_in(patrol)) == record["targets_planned"]
        assert window["skipped"] == total - window["checked"]
        assert window["memory"] is True


def test_the_findings_on_record_are_unchanged_by_the_day_of_patrols(day: dict[str, Any]) -> None:
    before, after = day["before"], day["after"][-1]
    fixed = day["fixed"]["id"]
    new = [
        (after[i]["target_id"], after[i]["indicator"], after[i]["status"], after[i].get("fingerprint"))
        for i in set(after) - set(before)
    ]
    assert new == []  # nothing new, nothing recorded twice
    for fid, doc in before.items():
        if fid == fixed:
            continue
        assert after[fid]["status"] == doc["status"], fid
        assert after[fid]["first_seen"] == doc["first_seen"], fid


def test_a_patrol_that_skips_an_account_leaves_its_open_finding_as_it_was(day: dict[str, Any]) -> None:
    fixed = day["fixed"]
    own = next(
        n for n, p in enumerate(day["patrols"]) if fixed["target_id"] in checked_in(p)
    )  # its slot's patrol
    assert own > 0
    for n in range(own):
        assert fixed["target_id"] not in checked_in(day["patrols"][n])
        assert day["after"][n][fixed["id"]] == day["before"][fixed["id"]]  # untouched, still open
    rectified = day["after"][own][fixed["id"]]
    assert rectified["status"] == "rectified"
    assert rectified["rectified_at"].startswith(PATROLS[own].date().isoformat())
    assert json.dumps(rectified["rectified_evidence"])  # the post that shows it fixed
