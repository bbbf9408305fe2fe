"""Re-check (复查) end to end: sweep the simulated web into the real Elasticsearch, fix one site and
one account, run `govpatrol recheck`, and read the findings back.

Exactly the fixed problems become rectified (with the time and the observation that shows it); the
others stay open with one re-check counted; first_seen never moves.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crawlers.config import load_config
from crawlers.models import Finding
from pipelines.store import Store
from simweb.accounts import build_accounts
from simweb.platforms.base import SimPost
from simweb.server import SimulatedWeb
from simweb.world import build_world

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
RECHECK_AT = AS_OF + timedelta(days=1)
# a healthy site, a stale homepage (fixed before the re-check), dead links (not fixed),
# a zombie account (posts again before the re-check), a dormant account (does not)
SUBSET = ("S001", "S011", "S018", "A003", "A004")
FIXED = (("S011", "SITE-VETO-HOME-STALE"), ("A003", "ACCOUNT-VETO-NO-UPDATE"))


def violation(found: dict[str, dict], target_id: str, indicator: str) -> dict:
    (doc,) = [
        d
        for d in found.values()
        if (d["target_id"], d["indicator"], d["level"]) == (target_id, indicator, "violation")
    ]
    return doc


def finding(target_id: str, **changes: object) -> Finding:
    fields: dict[str, object] = {
        "target_id": target_id,
        "indicator": "SITE-VETO-HOME-STALE",
        "severity": "veto",
        "status": "open",
        "subject_url": f"https://{target_id}.example.gov.cn/",
        "evidence": {"newest": "2024-09-01", "idle_days": 37},
        "as_of": AS_OF,
        "first_seen": AS_OF,
        "last_seen": AS_OF,
    }
    return Finding(**(fields | changes))  # type: ignore[arg-type]


def govpatrol(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "govpatrol", *args, "--quiet"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def rechecked(tmp_path_factory, es_url):
    tmp = tmp_path_factory.mktemp("recheck")
    web = SimulatedWeb(build_world(AS_OF), accounts=build_accounts(AS_OF)).start()
    store = None
    try:
        rows = list(csv.reader(web.write_targets_csv(tmp / "all.csv").open(encoding="utf-8")))
        targets = tmp / "targets.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[0] in SUBSET])
        config = web.write_config(
            tmp / "config.toml", es_url=es_url, index_prefix=f"govpatrol-rc-{tmp.name[-6:]}"
        )
        store = Store(load_config(config).elasticsearch)
        common = ["--targets", str(targets), "--config", str(config)]
        govpatrol("sweep", *common, "--as-of", AS_OF.isoformat(), "--output", str(tmp / "sweep.jsonl"))
        store.refresh()
        before = {doc["id"]: doc for doc in store.open_findings()}

        web.fix_site("S011")
        (zombie,) = [a for a in web.accounts.accounts if a.target_id == "A003"]  # type: ignore[union-attr]
        fresh = SimPost(
            id=f"{zombie.posts[0].id}9",
            title="今日关注：城市更新项目开工",
            date=RECHECK_AT - timedelta(hours=3),
        )
        zombie.posts.insert(0, fresh)

        proc = govpatrol(
            "recheck", *common, "--as-of", RECHECK_AT.isoformat(), "--output", str(tmp / "rc.jsonl")
        )
        store.refresh()
        after = {doc["id"]: doc for doc in store.open_findings(statuses=("open", "unverified", "rectified"))}
        sweeps = store.es.search(index=store.index_name("sweeps"), query={"term": {"kind": "recheck"}})
        yield {
            "before": before,
            "after": after,
            "stdout": proc.stdout,
            "records": jsonl(tmp / "rc.jsonl"),
            "sweeps": [hit["_source"] for hit in sweeps["hits"]["hits"]],
            "fresh": fresh,
            "fixed": {violation(before, *key)["id"] for key in FIXED},
        }
    finally:
        web.stop()
        if store is not None:
            store.delete_indices()


def test_the_first_sweep_found_the_problems_the_recheck_is_about(rechecked):
    before = rechecked["before"]
    for target_id, indicator in (*FIXED, ("A004", "ACCOUNT-VETO-NO-UPDATE")):
        assert violation(before, target_id, indicator)["status"] == "open"
    assert any(
        d["target_id"] == "S018" and d["indicator"] == "SITE-DED-DEAD-LINK-HOME" for d in before.values()
    )
    assert all(d["status"] in ("open", "unverified") for d in before.values())


def test_exactly_the_fixed_site_and_account_are_rectified_with_evidence(rechecked):
    after = rechecked["after"]
    assert {i for i, d in after.items() if d["status"] == "rectified"} == rechecked["fixed"]
    home, zombie = (violation(after, *key) for key in FIXED)
    for doc in (home, zombie):
        assert datetime.fromisoformat(doc["rectified_at"]) == RECHECK_AT
        assert datetime.fromisoformat(doc["first_seen"]) == AS_OF
        assert doc["history"][-1]["status"] == "rectified"
        assert doc["history"][-1]["kind"] == "recheck"
    assert datetime.fromisoformat(home["rectified_evidence"]["newest"]) > AS_OF - timedelta(days=10)
    assert home["rectified_evidence"]["newest_url"]
    fresh = rechecked["fresh"]
    assert datetime.fromisoformat(zombie["rectified_evidence"]["latest"]) == fresh.date


def test_the_others_stay_open_with_one_recheck_and_first_seen_unchanged(rechecked):
    before, after = rechecked["before"], rechecked["after"]
    still = [doc for i, doc in after.items() if i in before and i not in rechecked["fixed"]]
    assert {d["target_id"] for d in still} >= {"S018", "A004"}
    for doc in still:
        assert doc["status"] == before[doc["id"]]["status"], doc["id"]
        assert doc["recheck_count"] == 1, doc["id"]
        assert datetime.fromisoformat(doc["last_recheck_at"]) == RECHECK_AT
        assert doc["first_seen"] == before[doc["id"]]["first_seen"]
        assert doc["rectified_at"] is None


def test_the_recheck_is_recorded_as_a_sweep_that_closed_two_findings(rechecked):
    (sweep,) = rechecked["sweeps"]
    assert sweep["findings_closed"] == 2
    assert sweep["targets_planned"] == len({d["target_id"] for d in rechecked["before"].values()})
    (line,) = [r for r in rechecked["records"] if r["type"] == "sweep"]
    assert line["id"] == sweep["id"]


def test_json_lines_carry_the_rectified_findings(rechecked):
    rectified = {
        r["id"] for r in rechecked["records"] if r["type"] == "finding" and r["status"] == "rectified"
    }
    assert rectified == rechecked["fixed"]


def test_the_terminal_says_when_each_was_found_and_fixed(rechecked):
    out = rechecked["stdout"]
    assert "已整改 2 个" in out
    assert f"首次发现于 {AS_OF:%Y-%m-%d %H:%M}，整改于 {RECHECK_AT:%Y-%m-%d %H:%M}" in out
    assert "仍未整改" in out


# ------------------------------------------------------------------------------- the store's side


def test_open_findings_filter_by_status_target_and_indicator(store):
    store.upsert_findings(
        [
            finding("S1"),
            finding("S2", status="unverified"),
            finding("S3", status="rectified"),
            finding("S1", indicator="SITE-REQ-HTTPS", severity="notice"),
        ]
    )
    store.refresh()
    assert {(d["target_id"], d["indicator"]) for d in store.open_findings()} == {
        ("S1", "SITE-VETO-HOME-STALE"),
        ("S2", "SITE-VETO-HOME-STALE"),
        ("S1", "SITE-REQ-HTTPS"),
    }
    assert [d["target_id"] for d in store.open_findings(target_ids=["S2", "S3"])] == ["S2"]
    assert len(store.open_findings(indicator="SITE-REQ-HTTPS")) == 1
    assert len(store.open_findings(statuses=("open", "unverified", "rectified"))) == 4
    wanted = finding("S1").id
    assert list(store.get_findings([wanted, "no-such-id"])) == [wanted]


def test_a_write_without_lifecycle_keeps_the_recorded_history(store):
    """A writer that does not reconcile (the weekly roll-up, say) must not wipe a finding's history."""
    history = [{"at": AS_OF.isoformat(), "sweep_id": "full-1", "kind": "full", "status": "open"}]
    store.upsert_findings([finding("S1", history=history, recheck_count=2, last_recheck_at=AS_OF)])
    store.upsert_findings([finding("S1", as_of=RECHECK_AT, first_seen=RECHECK_AT, last_seen=RECHECK_AT)])
    store.refresh()
    (doc,) = store.open_findings()
    assert doc["history"] == history
    assert doc["recheck_count"] == 2
    assert datetime.fromisoformat(doc["first_seen"]) == AS_OF
    assert datetime.fromisoformat(doc["last_seen"]) == RECHECK_AT


def test_lifecycle_updates_replace_objects_by_id(store):
    store.upsert_findings(
        [finding("S1", status="rectified", rectified_evidence={"newest": "x", "old_key": 1})]
    )
    wanted = finding("S1").id
    store.update_findings(
        {wanted: {"status": "open", "rectified_evidence": {"newest": "y"}, "recheck_count": 3}}
    )
    store.refresh()
    doc = store.get_findings([wanted])[wanted]
    assert (doc["status"], doc["rectified_evidence"], doc["recheck_count"]) == ("open", {"newest": "y"}, 3)
