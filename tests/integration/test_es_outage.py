"""Nothing is lost when Elasticsearch fails: refused documents are retried, then spooled, then land.

The outage test runs its own Elasticsearch node (in its own run dir: the shared node is never
stopped), stops it mid-sweep for at least 30 seconds and starts it again on the same data and port.
The sweep must end normally, and the index must then hold every observation and finding exactly once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from elasticsearch import ApiError, TransportError

from crawlers.config import ElasticsearchConfig, load_config
from crawlers.models import Finding
from govpatrol import services
from govpatrol.cli import main
from pipelines.essink import ElasticsearchSink, open_es_sink
from pipelines.sinks import observation_doc
from pipelines.spool import DEAD_LETTER, Spool, list_spools
from pipelines.store import Store, group_ops
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.jsonl_runs import of_type
from tests.unit.factories import AS_OF, HOME, homepage

SWEEP_AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
MIN_OUTAGE_S = 30.0


def poll(condition, timeout: float, what: str, every: float = 0.2):  # type: ignore[no-untyped-def]
    """Wait for ``condition()`` to be truthy and return it; fail the test naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def observations_stored(store: Store) -> int:
    """Searchable observations; 0 while the index is still being created (its shard not started)."""
    try:
        return store.count("observations")
    except (ApiError, TransportError):
        return 0


def a_finding(sweep_id: str) -> Finding:
    return Finding(
        target_id="site-001",
        indicator="SITE-VETO-HOME-STALE",
        severity="veto",
        status="open",
        subject_url=HOME,
        evidence={"days": 21},
        as_of=AS_OF,
        message="首页栏目超过2周未更新",
        sweep_id=sweep_id,
    )


def pages(n: int, sweep_id: str) -> list[dict]:
    return [observation_doc(homepage(url=f"{HOME}p{i}.html"), sweep_id) for i in range(n)]


# --- a bulk partly refused, against the shared node ----------------------------------------------


def test_documents_a_write_block_refuses_are_retried_spooled_and_land_once_it_lifts(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, *blocked = pages(3, "sweep-block")
    store.write_observations([first])
    index = store.index_name("observations", AS_OF)
    store.es.indices.put_settings(index=index, settings={"index.blocks.write": True})
    sink = ElasticsearchSink(store, batch_size=100, spool_root=tmp_path, retry_interval=0.2, doc_attempts=2)
    try:
        for doc in blocked:
            sink.write_observation(doc)
        sink.write_finding(a_finding("sweep-block"))  # in the same bulk, to an index without a block
        with caplog.at_level("WARNING", logger="pipelines.store"):
            sink.flush()
        store.refresh()

        assert "2 document(s) refused for now (cluster_block_exception); retry 1" in caplog.text
        assert store.count("findings") == 1, "the accepted part of the bulk landed"
        assert store.count("observations") == 1, "the blocked documents did not"
        assert sink.spool is not None
        assert sink.spool.pending == 2
        assert sink.spooled == 2

        sink.write_observation(pages(4, "sweep-block")[3])  # queues behind the spool, never overtakes
        sink.flush()
        assert sink.spool.pending == 3

        store.es.indices.put_settings(index=index, settings={"index.blocks.write": False})
        sink.drain(wait=60)
        store.refresh()
        assert store.count("observations") == 4
        assert sink.spool.pending == 0
        assert sink.delivery() == {"es_spooled": 3, "es_rejected": 0}
    finally:
        store.es.indices.put_settings(index=index, settings={"index.blocks.write": False})
        sink.close()
    assert not (tmp_path / "sweep-block").exists(), "a delivered spool leaves nothing behind"


def test_a_document_the_mapping_refuses_goes_to_the_dead_letter_file_with_its_reason(
    store: Store, tmp_path: Path
) -> None:
    good, bad = pages(2, "sweep-bad")
    bad["status"] = "not-a-number"
    sink = ElasticsearchSink(store, batch_size=100, spool_root=tmp_path)
    sink.write_observation(good)
    sink.write_observation(bad)
    sink.drain(wait=10)
    store.refresh()

    assert store.count("observations") == 1
    assert sink.spool is not None
    assert sink.spool.pending == 0, "a refused document is not retried"
    delivery = sink.delivery()
    sink.close()
    dead_letter = tmp_path / "sweep-bad" / DEAD_LETTER
    assert delivery == {"es_spooled": 0, "es_rejected": 1, "es_dead_letter": str(dead_letter)}
    (letter,) = [json.loads(line) for line in dead_letter.read_text(encoding="utf-8").splitlines()]
    assert letter["type"] == "document_parsing_exception"
    assert letter["status"] == 400
    assert "status" in letter["reason"]
    assert letter["ops"][1]["url"] == bad["url"]


# --- a spool left behind: `govpatrol spool`, and the next sweep replays it first ------------------


def leave_spool(store: Store, root: Path, name: str, docs: list[dict]) -> None:
    with Spool(root / name) as spool:
        spool.append(group_ops(store.observation_ops(docs)))


def test_spool_status_lists_a_leftover_spool_and_replay_delivers_it(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "spool"
    leave_spool(store, root, "full-20241008T100000-abc123", pages(3, "full-20241008T100000-abc123"))
    config = tmp_path / "config.toml"
    config.write_text(
        f"[elasticsearch]\nurl = {json.dumps(store.cfg.url)}\nindex_prefix = {json.dumps(store.prefix)}\n"
        f"spool_dir = {json.dumps(str(root))}\n",
        encoding="utf-8",
    )

    assert main(["spool", "status", "--config", str(config)]) == 0
    status = capsys.readouterr().out
    assert "full-20241008T100000-abc123" in status
    assert "3 records waiting" in status
    assert main(["spool", "replay", "--config", str(config)]) == 0
    assert "delivered 3 records" in capsys.readouterr().out
    store.refresh()
    assert store.count("observations") == 3
    assert main(["spool", "status", "--config", str(config)]) == 0
    assert "nothing spooled" in capsys.readouterr().out


def test_the_next_sweep_delivers_an_earlier_sweeps_spool_before_writing_its_own(
    store: Store, tmp_path: Path
) -> None:
    leave_spool(store, tmp_path, "patrol-earlier", pages(2, "patrol-earlier"))
    cfg = ElasticsearchConfig(url=store.cfg.url, index_prefix=store.prefix, spool_dir=str(tmp_path))
    sink = open_es_sink(store, cfg)
    store.refresh()
    assert store.count("observations") == 2
    assert list_spools(tmp_path) == []
    sink.close()


# --- Elasticsearch stopped mid-sweep ---------------------------------------------------------------


@pytest.fixture
def own_node(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A node of this test alone (its own run dir), removed with its data afterwards."""
    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(tmp_path_factory.mktemp("es-run")))
    try:
        yield services.ensure_elasticsearch()
    finally:
        services.stop(["elasticsearch"])


def test_a_sweep_survives_elasticsearch_stopped_for_30_seconds_and_loses_nothing(
    own_node: str, tmp_path: Path, measurements: dict[str, str]
) -> None:
    web = SimulatedWeb(build_world(SWEEP_AS_OF)).start()
    prefix = "govpatrol-outage"
    spool_dir = tmp_path / "spool"
    try:
        targets = web.write_targets_csv(tmp_path / "targets.csv")
        config = web.write_config(tmp_path / "config.toml", es_url=own_node, index_prefix=prefix)
        text = config.read_text(encoding="utf-8").replace(
            "[network]",
            f"bulk_size = 10\nspool_dir = {json.dumps(str(spool_dir))}\noutage_wait = 600\n"
            "retry_interval = 1\n\n[network]",
            1,
        )
        config.write_text(text, encoding="utf-8")
        store = Store(load_config(config).elasticsearch)
        out, err = tmp_path / "sweep.jsonl", tmp_path / "sweep.stderr"
        args = ["-m", "govpatrol", "sweep", "--targets", str(targets), "--as-of", SWEEP_AS_OF.isoformat()]
        args += ["--output", str(out), "--config", str(config), "--quiet"]
        with err.open("w") as stderr:
            sweep = subprocess.Popen([sys.executable, *args], stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            poll(lambda: observations_stored(store) > 0, 120, "the first observations in the index")
            services.stop_elasticsearch_node()
            down = time.monotonic()
            assert sweep.poll() is None, "the sweep was still running when Elasticsearch went away"

            spooled = 0
            while time.monotonic() - down < MIN_OUTAGE_S:  # the outage itself: no condition to wait for
                spooled = max([spooled, *(s.pending for s in list_spools(spool_dir))])
                time.sleep(0.5)
            assert spooled > 0, "records waited in the spool during the outage"
            outage = time.monotonic() - down
            services.restart_elasticsearch_node()
            up = time.monotonic()
            code = sweep.wait(timeout=600)
            ended = time.monotonic() - up
        finally:
            if sweep.poll() is None:
                sweep.kill()
                sweep.wait()
        log = err.read_text(encoding="utf-8")
        assert code == 0, log[-4000:]
    finally:
        web.stop()

    assert f"records spooled in {spool_dir}" in log
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    (record,) = of_type(records, "sweep")
    assert record["es_spooled"] > 0
    assert record["es_rejected"] == 0
    sweep_id = record["id"]
    store = Store(ElasticsearchConfig(url=own_node, index_prefix=prefix))
    store.refresh()

    in_sweep = {"term": {"sweep_id": sweep_id}}
    stored_obs = store.es.count(index=f"{prefix}-observations-*", query=in_sweep).body["count"]
    assert stored_obs == record["observations"] > 0
    findings = [f["id"] for f in of_type(records, "finding")]
    assert len(findings) == len(set(findings)) == record["findings"] + record["findings_closed"]
    stored = [d["id"] for d in store.search_findings(sweep_id=sweep_id)]
    assert len(stored) == len(set(stored))
    assert set(stored) == set(findings)
    assert store.count("findings") == len(findings)
    assert store.count("targets") == record["targets_done"] == len(of_type(records, "target"))
    assert store.es.get(index=store.index_name("sweeps"), id=sweep_id).body["found"]
    assert list_spools(spool_dir) == [], "the spool is empty once the sweep reports done"
    measurements["elasticsearch outage (sweep of the simulated web)"] = (
        f"stopped {outage:.1f} s, healthy again {up - down - outage:.1f} s later; up to {spooled:,} "
        f"records spooled; sweep done {ended:.1f} s after; {record['observations']} observations, "
        f"{len(findings)} findings, all stored once"
    )


def test_a_node_that_came_back_empty_gets_its_mappings_before_the_spool_is_delivered(
    store: Store, tmp_path: Path
) -> None:
    """A throw-away node restarted mid-sweep comes back with no index: the spool must not create
    the indices with guessed mappings (a text ``id`` breaks every later sort on it)."""
    sink = ElasticsearchSink(store, batch_size=100, spool_root=tmp_path, retry_interval=0.0)
    try:
        sink._spill(group_ops(store.finding_ops([a_finding("s1")])))  # what an outage left on disk
        store.delete_indices()  # the node restarted empty
        sink.drain(wait=30)
        store.refresh()
        mapping = store.es.indices.get_mapping(index=store.index_name("findings"))
        (props,) = [m["mappings"]["properties"] for m in mapping.body.values()]
        assert props["id"]["type"] == "keyword", "the template's mapping, not a guessed one"
        assert store.count("findings") == 1
    finally:
        sink.close()
