"""The site patrol end to end: the CLI sweeps the simulated web into the real Elasticsearch.

Asserted against the simulated web's ground truth: every stale homepage, stale/empty column set and
dead link is found, no healthy site gets a veto; Elasticsearch holds exactly what the JSON Lines
say; a second sweep updates findings instead of duplicating them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import pytest

from crawlers.config import load_config
from pipelines.store import Store
from simweb.server import SimulatedWeb
from simweb.verify import compare_with_truth, records_from_jsonl
from simweb.world import build_world
from tests.jsonl_runs import sweep_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")


def _sweep(tmp: Path, name: str, config: Path, targets: Path) -> list[dict]:
    return sweep_to_jsonl(targets, config, AS_OF, tmp / f"{name}.jsonl").records


@pytest.fixture(scope="module")
def swept(tmp_path_factory, es_url, measurements):
    tmp = tmp_path_factory.mktemp("sweep")
    web = SimulatedWeb(build_world(AS_OF)).start()
    prefix = f"govpatrol-it-{uuid.uuid4().hex[:8]}"
    try:
        targets = web.write_targets_csv(tmp / "targets.csv")
        config = web.write_config(tmp / "config.toml", es_url=es_url, index_prefix=prefix)
        first = _sweep(tmp, "first", config, targets)
        record = next(r for r in first if r["type"] == "sweep")
        measurements["site sweep (simulated web)"] = (
            f"{record['targets_done']} sites, {record['requests']} requests, {record['elapsed_s']:.1f} s crawl+judge"
        )
        second = _sweep(tmp, "second", config, targets)
        store = Store(load_config(config).elasticsearch)
        store.refresh()
        yield {"truth": web.world.truth(), "first": first, "second": second, "store": store}
        store.delete_indices()
    finally:
        web.stop()


def test_sweep_matches_ground_truth(swept):
    findings, summaries, sweeps = records_from_jsonl(swept["first"])
    assert len(sweeps) == 1
    assert len(summaries) == len(swept["truth"]["sites"]) >= 30
    assert compare_with_truth(swept["truth"], findings, summaries) == []


def test_every_planted_problem_class_is_present_in_the_world(swept):
    """Guards the test above against an accidentally easy world."""
    sites = swept["truth"]["sites"].values()
    planted = {ind for s in sites for ind in s.get("expect", {})}
    assert {
        "SITE-VETO-HOME-STALE",
        "SITE-VETO-COLUMN-STALE",
        "SITE-DED-DEAD-LINK-HOME",
        "SITE-DED-DEAD-LINK",
    } <= planted
    assert any(not s["reachable"] for s in sites)
    assert sum(1 for s in sites if s["healthy"]) >= 5


def test_elasticsearch_holds_what_the_json_lines_say(swept):
    store = swept["store"]
    second_findings = [r for r in swept["second"] if r["type"] == "finding"]
    sweep_id = next(r["id"] for r in swept["second"] if r["type"] == "sweep")
    stored = {d["id"]: d for d in store.search_findings(sweep_id=sweep_id)}
    assert set(stored) == {f["id"] for f in second_findings}
    for f in second_findings:
        doc = stored[f["id"]]
        for key in ("target_id", "indicator", "severity", "status", "subject_url", "level", "message"):
            assert doc[key] == f[key], (f["id"], key)
    assert store.count("sweeps") == 2
    assert store.count("targets") == len(swept["truth"]["sites"])


def test_second_sweep_updates_instead_of_duplicating(swept):
    first_ids = [r["id"] for r in swept["first"] if r["type"] == "finding"]
    second_ids = [r["id"] for r in swept["second"] if r["type"] == "finding"]
    assert len(first_ids) == len(set(first_ids))
    assert set(first_ids) == set(second_ids)
    store = swept["store"]
    assert store.count("findings") == len(set(first_ids))
    second_sweep = next(r["id"] for r in swept["second"] if r["type"] == "sweep")
    assert all(d["sweep_id"] == second_sweep for d in store.search_findings())
