"""Elasticsearch away when a job starts: the scheduler's probe and patrol, and a sweep without
--output, still run; they write JSON Lines, spool every record and say so. `spool status` says where
the records would go, `spool replay` delivers them to the node in use now (another port than the
one they were written for), into their index prefix, and exits non-zero while any remain."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from govpatrol.cli import main
from pipelines.spool import list_spools
from pipelines.store import Store
from simweb.server import SimulatedWeb, free_closed_port
from simweb.world import build_world

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
SITES = ("S001", "S002", "S007")


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "govpatrol", *argv], capture_output=True, text=True, timeout=600, check=False
    )


def test_jobs_run_without_elasticsearch_and_replay_delivers_everything_later(
    tmp_path: Path, store: Store, capsys
) -> None:  # type: ignore[no-untyped-def]
    away = f"http://127.0.0.1:{free_closed_port()}"  # nothing listens there
    spool = tmp_path / "spool"
    web = SimulatedWeb(build_world(AS_OF)).start()
    try:
        rows = web.write_targets_csv(tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()
        targets = tmp_path / "targets.csv"
        targets.write_text("\n".join([rows[0], *(r for r in rows[1:] if r[:4] in SITES)]) + "\n", "utf-8")
        config = web.write_config(tmp_path / "office.toml", es_url=away, index_prefix=store.prefix)
        text = config.read_text(encoding="utf-8").replace(
            "[network]", f"spool_dir = {json.dumps(str(spool))}\n\n[network]", 1
        )
        config.write_text(text + '\n[scheduler]\ntargets = "targets.csv"\nstate_dir = "state"\n', "utf-8")
        when = ["--as-of", AS_OF.isoformat()]
        jobs = {
            job: _run("scheduler", "--config", str(config), "--once", job, *when)
            for job in ("probe", "patrol")
        }
        plain = _run(
            "sweep",
            "--targets",
            str(targets),
            "--config",
            str(config),
            "--quiet",
            "--kind",
            "patrol",
            "--as-of",
            "2024-10-08T12:00:00+08:00",
        )
    finally:
        web.stop()
    for job, done in jobs.items():
        assert done.returncode == 0, done.stderr[-3000:]
        assert f"job {job} as of {AS_OF.isoformat()}: exit 0" in done.stderr
        assert "this run goes on: its records are spooled" in done.stderr
        assert "records wait for Elasticsearch in" in done.stderr
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert "records wait for Elasticsearch in" in plain.stderr

    lines = {}
    for path in sorted((tmp_path / "state" / "sweeps").glob("*.jsonl")):
        lines[path.name.split("-")[0]] = [
            json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()
        ]
    assert [r["type"] for r in lines["probe"]] == ["observation"] * len(SITES) + ["sweep"]
    patrol = lines["patrol"]
    assert sum(r["type"] == "target" for r in patrol) == len(SITES)
    (record,) = [r for r in patrol if r["type"] == "sweep"]
    spools = list_spools(spool)
    assert len(spools) == 3
    assert {s.es for s in spools} == {away}
    assert {s.prefix for s in spools} == {store.prefix}
    waiting = sum(s.pending for s in spools)

    # where they would go: the node named now, not the one they were written for
    assert main(["spool", "status", "--config", str(config), "--es", store.cfg.url]) == 0
    assert f"would deliver them to {store.cfg.url} (from --es)" in capsys.readouterr().out
    assert main(["spool", "replay", "--config", str(config)]) == 1  # the configured node is still away
    err = capsys.readouterr().err
    assert f"Elasticsearch at {away} unavailable" in err
    assert f"the spool in {spool} is kept" in err
    assert sum(s.pending for s in list_spools(spool)) == waiting, "a failed replay keeps every record"

    assert main(["spool", "replay", "--config", str(config), "--es", store.cfg.url]) == 0
    assert f"delivered {waiting:,} records to {store.cfg.url}" in capsys.readouterr().out
    assert list_spools(spool) == []
    store.refresh()
    assert store.count("observations") >= len(SITES) * 3  # probes, and the patrols' homepages
    ids = {
        h["_source"]["id"] for h in store.es.search(index=store.index_name("sweeps"), size=10)["hits"]["hits"]
    }
    assert record["id"] in ids
    assert "probe-20241008T020000Z" in ids
    ids = {r["id"] for r in patrol if r["type"] == "finding"}
    assert ids, "the patrol found something to store"
    assert set(store.get_findings(ids)) == ids


def test_a_finding_written_without_lifecycle_never_downgrades_the_record(store: Store) -> None:
    """A sweep that started without Elasticsearch could not read the record: its "unverified" (the
    page would not load) must not replace an open finding's status and evidence when replayed."""
    from crawlers.models import Finding

    def finding(status: str, evidence: dict, history: list) -> Finding:
        return Finding(
            target_id="S001",
            indicator="SITE-VETO-HOME-STALE",
            severity="veto",
            status=status,  # type: ignore[arg-type]
            subject_url="http://www.example.gov.cn/",
            evidence=evidence,
            as_of=AS_OF,
            history=history,
        )

    opened = finding("open", {"days": 30}, [{"at": AS_OF.isoformat(), "status": "open"}])
    store.upsert_findings([opened])
    store.upsert_findings([finding("unverified", {"reason": "timeout"}, [])])
    new = Finding(**{**finding("unverified", {"reason": "timeout"}, []).__dict__, "target_id": "S002"})
    store.upsert_findings([new])
    kept = store.get_findings([opened.id, new.id])
    assert (kept[opened.id]["status"], kept[opened.id]["evidence"]) == ("open", {"days": 30})
    assert kept[opened.id]["history"] == opened.history
    assert kept[new.id]["status"] == "unverified"
