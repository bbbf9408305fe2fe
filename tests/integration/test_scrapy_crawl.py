"""``scrapy crawl site`` in a checkout is the same crawl as ``govpatrol sweep``, with the same findings.

Both run on the simulated web from the same targets file and config, in their own processes: the
sweep through the CLI (``--no-es``), the crawl through Scrapy's own command line, which finds the
project settings in ``scrapy.cfg`` and the wiring in the add-on. Their JSON Lines must agree finding
for finding (sweep ids and run times aside), and the findings must be the planted ones.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.jsonl_runs import Run, of_type, sweep_to_jsonl

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
# a healthy site, a stale homepage, stale columns and dead links: each path of the judge
SITES = {"S001", "S011", "S013", "S018"}
PER_RUN = {"sweep_id", "first_seen", "last_seen", "checked_at", "elapsed_ms"}  # which run, and when


def _few_sites(full: Path, out: Path) -> Path:
    with full.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([rows[0], *(r for r in rows[1:] if r[0] in SITES)])
    return out


def _scrapy_crawl(targets: Path, config: Path, out: Path) -> Run:
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"targets={targets}"]
    command += ["-a", f"output={out}", "-a", f"as_of={AS_OF.isoformat()}", "-s", f"PATROL_CONFIG={config}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    proc = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False, env=env
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return Run(out.read_text(encoding="utf-8").splitlines(), proc.stdout, proc.stderr)


def _without_run(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_run(v) for k, v in value.items() if k not in PER_RUN}
    if isinstance(value, list):
        return [_without_run(v) for v in value]
    return value


def _comparable(records: list[dict]) -> list[object]:
    return [_without_run(f) for f in sorted(of_type(records, "finding"), key=lambda f: f["id"])]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scrapy-crawl")
    web = SimulatedWeb(build_world(AS_OF)).start()
    try:
        targets = _few_sites(web.write_targets_csv(tmp / "all.csv"), tmp / "sites.csv")
        config = web.write_config(tmp / "govpatrol.toml")  # no Elasticsearch URL: JSON Lines only
        sweep = sweep_to_jsonl(targets, config, AS_OF, tmp / "sweep.jsonl")
        crawl = _scrapy_crawl(targets, config, tmp / "crawl.jsonl")
        yield {"sweep": sweep.records, "crawl": crawl.records, "truth": web.world.truth()}
    finally:
        web.stop()


def test_scrapy_crawl_writes_the_findings_govpatrol_sweep_writes(runs):
    sweep, crawl = _comparable(runs["sweep"]), _comparable(runs["crawl"])
    assert sweep == crawl
    assert {
        f["target_id"] for f in of_type(runs["crawl"], "finding") if f["level"] == "violation"
    } >= SITES - {"S001"}


def test_both_judge_every_site_and_close_with_a_sweep_record(runs):
    for records in (runs["sweep"], runs["crawl"]):
        summaries = {s["target_id"]: s["verdict"] for s in of_type(records, "target")}
        assert set(summaries) == SITES
        assert summaries["S001"] == "pass"
        assert [r["targets_done"] for r in of_type(records, "sweep")] == [len(SITES)]


def test_the_findings_are_the_planted_ones(runs):
    found = {(f["target_id"], f["indicator"]) for f in of_type(runs["crawl"], "finding")}
    for site in SITES:
        for indicator in runs["truth"]["sites"][site].get("expect", {}):
            assert (site, indicator) in found
