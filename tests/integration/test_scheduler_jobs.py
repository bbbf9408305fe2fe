"""The scheduler's jobs run the real commands: `govpatrol scheduler --once JOB` starts `govpatrol probe`
and `govpatrol sweep --kind patrol` as subprocesses against the simulated web and the real
Elasticsearch, with --as-of the run's time and the sweep's JSON Lines in the state dir."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from pipelines.store import Store
from simweb.server import SimulatedWeb
from simweb.world import build_world

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
SCHEDULER = [sys.executable, "-m", "govpatrol", "scheduler"]


def once(config: Path, job: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SCHEDULER, "--config", str(config), "--once", job, "--as-of", AS_OF.isoformat()],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_probe_and_patrol_jobs_run_as_subprocesses_into_elasticsearch_and_the_state_dir(
    tmp_path: Path, es_url: str, store: Store
):
    web = SimulatedWeb(build_world(AS_OF)).start()
    try:
        web.write_targets_csv(tmp_path / "targets.csv")
        config = web.write_config(tmp_path / "govpatrol.toml", es_url=es_url, index_prefix=store.prefix)
        with config.open("a", encoding="utf-8") as fh:
            fh.write('\n[scheduler]\ntargets = "targets.csv"\nstate_dir = "state"\n')
        with (tmp_path / "targets.csv").open(encoding="utf-8") as fh:
            sites = sum(1 for row in csv.DictReader(fh) if row["kind"] == "site")
        assert sites > 0

        probe = once(config, "probe")
        assert probe.returncode == 0, probe.stderr[-4000:]
        assert "job probe as of 2024-10-08T10:00:00+08:00: exit 0" in probe.stderr
        # log times carry their zone, the schedules' (Beijing): never a bare UTC wall time
        assert re.search(
            r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 INFO govpatrol\.scheduler: job probe", probe.stderr, re.M
        )
        store.refresh()
        assert store.count("observations") == sites

        patrol = once(config, "patrol")
        assert patrol.returncode == 0, patrol.stderr[-4000:]
    finally:
        web.stop()
    out = tmp_path / "state" / "sweeps" / "patrol-20241008T100000.jsonl"
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    (sweep,) = [r for r in records if r["type"] == "sweep"]
    assert sweep["kind"] == "patrol"
    assert sweep["as_of"] == AS_OF.isoformat()
    assert sum(1 for r in records if r["type"] == "target") >= sites
