"""Issue 6's distributed sweep, end to end: a real Redis, three ``govpatrol worker`` processes over the
simulated web, one of them killed with SIGKILL mid-sweep, a fourth started afterwards.

The world is the site world plus the accounts of three platforms answered without a browser (weibo,
bilibili, thepaper: the browser platforms add minutes and nothing a lease cares about). Shown:
every planned target judged exactly once; the victim's unfinished targets claimed again by others;
the findings and verdicts identical to a single-process sweep of the same world and as-of; and no
host of the simulated web ever answering more than ``[crawl] per_host`` requests at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from govpatrol.distributed import connect
from govpatrol.distributed.leases import LeasedQueue
from govpatrol.distributed.plan import active_sweeps
from govpatrol.services import ensure_redis
from simweb.accounts import build_accounts
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.jsonl_runs import of_type, sweep_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
PER_HOST = 2
ACCOUNT_PLATFORMS = ["weibo", "bilibili", "thepaper"]
JUDGED = ("indicator", "severity", "status", "level", "subject_url", "points", "target_id")
SUMMARY = ("kind", "verdict", "latest_update", "latest_update_source", "score", "findings", "state")


def cli(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """``govpatrol ...`` in its own process group (a SIGKILL of the group takes its crawl too)."""
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "govpatrol", *args],
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )


def poll(condition: Any, timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


def tail(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-3000:] if path.exists() else ""


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory, measurements):
    tmp = tmp_path_factory.mktemp("distributed")
    url = ensure_redis()
    redis = connect(url)
    prefix = f"govpatrol-it-{uuid.uuid4().hex[:8]}"
    web = SimulatedWeb(
        build_world(AS_OF), accounts=build_accounts(AS_OF, platforms=ACCOUNT_PLATFORMS)
    ).start()
    workers: dict[str, subprocess.Popen[bytes]] = {}
    try:
        targets = web.write_targets_csv(tmp / "targets.csv")
        config = web.write_config(tmp / "config.toml")
        with config.open("a", encoding="utf-8") as fh:
            fh.write(
                f"\n[crawl]\nper_host = {PER_HOST}\n\n[distributed]\nredis_url = {url!r}\n"
                f'key_prefix = "{prefix}"\nlease_seconds = 6\nheartbeat_seconds = 1\n'
                "poll_seconds = 0.5\ntargets_in_flight = 2\n"
            )
        clock = time.monotonic()
        single = sweep_to_jsonl(targets, config, AS_OF, tmp / "single.jsonl").records
        single_s = time.monotonic() - clock
        web.peak_per_host(reset=True)

        clock = time.monotonic()
        out, coord_log = tmp / "distributed.jsonl", tmp / "coordinator.log"
        coordinator = cli(
            "sweep", "--targets", str(targets), "--as-of", AS_OF.isoformat(), "--output", str(out),
            "--config", str(config), "--distributed",
            log=coord_log,
        )  # fmt: skip
        sweep_id = poll(lambda: (active_sweeps(redis, prefix) or [None])[0], 60, "the plan in Redis")
        queue = LeasedQueue(redis, sweep_id, prefix)
        for name in ("w1", "w2", "w3"):
            workers[name] = cli(
                "worker", "--once", "--id", name, "--config", str(config), log=tmp / f"{name}.log"
            )

        def victim_mid_sweep() -> dict[str, str] | None:
            held = {t: o for t, o in queue.owners().items() if o.startswith("w1/")}
            return held if held and queue.progress().done >= 3 else None

        held = poll(victim_mid_sweep, 300, "the victim to hold leases while others are done", 0.02)
        os.killpg(workers["w1"].pid, signal.SIGKILL)
        done_at_kill = set(queue.committed_by())
        workers["w1"].wait(timeout=10)
        workers["w4"] = cli("worker", "--once", "--id", "w4", "--config", str(config), log=tmp / "w4.log")
        code = coordinator.wait(timeout=900)
        distributed_s = time.monotonic() - clock
        assert code == 0, tail(coord_log)
        for name in ("w2", "w3", "w4"):
            assert workers[name].wait(timeout=60) == 0, tail(tmp / f"{name}.log")
        records = [__import__("json").loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        sweep = of_type(records, "sweep")[0]
        measurements["distributed sweep (3 workers, 1 killed, 1 late)"] = (
            f"{sweep['targets_done']} targets: single process {single_s:.1f} s, distributed {distributed_s:.1f} s "
            f"({len(sweep['distributed']['reclaimed_targets'])} re-crawled after SIGKILL)"
        )
        yield {
            "single": single,
            "distributed": records,
            "sweep": sweep,
            "claims": queue.claims(),
            "committed_by": queue.committed_by(),
            "victim_held": held,
            "done_at_kill": done_at_kill,
            "peak": web.peak_per_host(),
            "w4_log": tail(tmp / "w4.log"),
            "active": active_sweeps(redis, prefix),
        }
    finally:
        for child in workers.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        web.stop()
        keys = list(redis.scan_iter(f"{prefix}:*"))
        if keys:
            redis.delete(*keys)


def test_every_planned_target_is_judged_exactly_once(sweeps):
    sweep = sweeps["sweep"]
    summaries = Counter(r["target_id"] for r in of_type(sweeps["distributed"], "target"))
    planned = {r["target_id"] for r in of_type(sweeps["single"], "target")}
    assert sweep["targets_planned"] == sweep["targets_done"] == len(planned) > 30
    assert set(summaries) == planned
    assert set(summaries.values()) == {1}
    assert set(sweeps["committed_by"]) == planned  # one committed result each
    assert sweeps["active"] == []  # the sweep is retired once recorded


def test_the_killed_workers_unfinished_targets_were_crawled_again_by_others(sweeps):
    lost = set(sweeps["victim_held"]) - sweeps["done_at_kill"]
    assert lost
    for target_id in lost:
        assert sweeps["claims"][target_id] >= 2
        assert not sweeps["committed_by"][target_id].startswith("w1/")
    assert lost <= set(sweeps["sweep"]["distributed"]["reclaimed_targets"])
    assert {w.split("/")[0] for w in sweeps["sweep"]["distributed"]["workers"]} >= {"w1", "w2", "w3"}


def test_a_worker_started_mid_sweep_joins_in(sweeps):
    assert "crawling as w4/" in sweeps["w4_log"]


def listed_in_any_order(message: str) -> str:
    """A message naming several columns lists them in the order their pages arrived, which differs
    between any two crawls (single-process ones too): compare the set of names, not their order."""
    head, sep, rest = message.rpartition("：")
    if not sep:
        return message
    names, close, tail = rest.partition("（达到")
    return head + sep + "、".join(sorted(names.split("、"))) + close + tail


def test_findings_and_verdicts_are_identical_to_a_single_process_sweep(sweeps):
    def findings(records: list[dict]) -> dict[str, tuple]:
        return {
            f["id"]: (*(f.get(k) for k in JUDGED), listed_in_any_order(f.get("message", "")))
            for f in of_type(records, "finding")
        }

    def verdicts(records: list[dict]) -> dict[str, tuple]:
        return {s["target_id"]: tuple(s.get(k) for k in SUMMARY) for s in of_type(records, "target")}

    single, distributed = findings(sweeps["single"]), findings(sweeps["distributed"])
    assert len(single) > 20
    assert distributed == single
    assert verdicts(sweeps["distributed"]) == verdicts(sweeps["single"])
    assert len(of_type(sweeps["distributed"], "finding")) == len(distributed)  # no duplicates


def test_no_host_ever_had_more_than_per_host_requests_in_flight_across_all_workers(sweeps):
    peak = sweeps["peak"]
    assert peak  # the simulated web saw the sweep
    assert max(peak.values()) <= PER_HOST, {h: n for h, n in peak.items() if n > PER_HOST}
