"""The quarterly full sweep's account sample, end to end through `govpatrol sweep`: the
sample is drawn per region and platform from the seed, recorded in the sweep record (JSON Lines and
Elasticsearch), only the sampled accounts are checked, and an account with an open ACCOUNT-* finding
in Elasticsearch is always among them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import datetime

import pytest

from crawlers.models import Finding
from crawlers.registry import load_targets
from govpatrol.sampling import plan_sample
from simweb.accounts import build_accounts
from simweb.server import SimulatedWeb
from simweb.world import build_world

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
RATIO, SEED = 0.2, 7


@pytest.fixture(scope="module")
def web():
    accounts = build_accounts(AS_OF, platforms=["weibo", "thepaper"])  # plain HTTP: no browser needed
    with SimulatedWeb(build_world(AS_OF), accounts=accounts) as running:
        yield running


def accounts_csv(web: SimulatedWeb, tmp_path) -> str:
    rows = list(csv.reader(web.write_targets_csv(tmp_path / "all.csv").open(encoding="utf-8")))
    out = tmp_path / "accounts.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[1] == "account"])
    return str(out)


def failing_finding(target_id: str) -> Finding:
    return Finding(
        target_id=target_id,
        indicator="ACCOUNT-VETO-NO-UPDATE",
        severity="veto",
        status="open",
        subject_url="",
        evidence={"latest": "2024-06-01T09:00:00+08:00"},
        as_of=datetime.fromisoformat("2024-07-01T10:00:00+08:00"),
        kind="account",
    )


def sweep(targets: str, config: str, out: str) -> subprocess.CompletedProcess[str]:
    argv = ["sweep", "--targets", targets, "--as-of", AS_OF.isoformat(), "--kind", "full"]
    argv += [
        "--sample-ratio",
        str(RATIO),
        "--seed",
        str(SEED),
        "--output",
        out,
        "--config",
        config,
        "--quiet",
    ]
    return subprocess.run(
        [sys.executable, "-m", "govpatrol", *argv],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_sample_is_recorded_and_a_failing_account_is_always_in_it(web, store, es_url, tmp_path):
    targets = accounts_csv(web, tmp_path)
    registry = load_targets(targets)
    natural = plan_sample(registry, RATIO, SEED, set())
    left_out = sorted({t.id for t in registry} - set(natural.account_ids))
    assert left_out, "the ratio must leave some accounts out for this test to mean anything"
    failing = left_out[0]
    store.upsert_findings([failing_finding(failing)])
    store.refresh()
    assert store.failing_account_ids() == {failing}

    config = web.write_config(tmp_path / "config.toml", es_url=es_url, index_prefix=store.prefix)
    out = tmp_path / "q4.jsonl"
    proc = sweep(targets, str(config), str(out))
    assert proc.returncode == 0, proc.stderr[-4000:]

    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    record = next(r for r in records if r["type"] == "sweep")
    expected = plan_sample(registry, RATIO, SEED, {failing})
    sample = record["sample"]
    assert sample["ratio"] == RATIO
    assert sample["seed"] == SEED
    assert sample["population"] == len(registry)
    assert sample["forced"] == [failing]
    assert sample["ids"] == expected.account_ids
    assert failing in sample["ids"]
    assert sample["sampled"] == len(natural.account_ids) + 1
    assert record["targets_planned"] == sample["sampled"]
    checked = {r["target_id"] for r in records if r["type"] == "target"}
    assert checked == set(expected.account_ids)

    store.refresh()
    hits = store.es.search(index=store.index_name("sweeps"), query={"term": {"sample.forced": failing}})
    assert [h["_source"]["id"] for h in hits["hits"]["hits"]] == [record["id"]]
