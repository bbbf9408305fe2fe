"""Fair scaling: one distributed worker pinned to one core against two workers pinned to one core each.

The same bench world (sites and accounts at the same latency), the same Redis, the same patrol
(``govpatrol sweep --distributed`` as coordinator, no local workers): first ``taskset -c 0 govpatrol
worker``, then ``taskset -c 0`` and ``taskset -c 1`` workers. A worker's crawl child and its Chromium
lanes inherit its affinity (sampled from /proc during the run and reported), so the browser work
counts inside the worker's core. Target: two workers >= 1.8x one.

The coordinator, the bench server and Redis are not workers: by default they float over both cores
and compete with the workers in both runs (the two-worker run more, as it has no idle core).
``--pin-others CPU`` pins the coordinator and the bench server to that core instead; Redis is a
service shared with other users of the machine and is never re-pinned here. Each run's workers have
started and are watching Redis before the sweep is planned, so the wall time is the sweep's, not
their start-up (their crawl children still start when the sweep appears, as in production).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psutil

from benchmarks.benchaccounts import AS_OF
from benchmarks.benchweb import BenchSpec
from benchmarks.harness import ROOT, VENV_BIN, BenchWeb, machine, run_measured, save_results
from benchmarks.linkcheck import server_requests
from benchmarks.province import LINKS, PAGES, account_rows

WORKER_STOP_S = 60.0
READY_S = 300.0  # a worker's start-up on a loaded machine


def wait_ready(logs: list[Path]) -> None:
    """Until every worker has said it is watching Redis (its first line), or READY_S passed."""
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        if all(log.exists() and b": watching " in log.read_bytes() for log in logs):
            return
        time.sleep(0.2)  # polling the workers' logs, not waiting for a guessed time
    raise RuntimeError(f"workers not ready after {READY_S:.0f} s: {[str(p) for p in logs]}")


def tree_affinities(
    procs: list[subprocess.Popen[bytes]], cpu_seen: dict[int, float] | None = None
) -> dict[str, list[int]]:
    """Each process of the workers' trees (worker, crawl child, Chromium) -> its allowed CPUs.

    ``cpu_seen`` (pid -> CPU seconds at the last sample) is updated on the way, so the workers'
    CPU time is known even for processes that ended between samples (up to one sample short)."""
    seen: dict[str, list[int]] = {}
    for proc in procs:
        try:
            root = psutil.Process(proc.pid)
            for p in [root, *root.children(recursive=True)]:
                seen[f"{p.name()}:{p.pid}"] = sorted(p.cpu_affinity() or [])
                if cpu_seen is not None:
                    times = p.cpu_times()
                    cpu_seen[p.pid] = times.user + times.system
        except psutil.Error:
            continue
    return seen


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 if it is gone)."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def run_pinned(
    web: BenchWeb, work: Path, cpus: list[int], redis: str, others: list[int] | None
) -> dict[str, Any]:
    """One distributed patrol crawled by one worker per CPU in ``cpus``, each pinned to its CPU."""
    rows = account_rows(web.spec.accounts, web.spec.seed)
    targets, config = web.write_govpatrol_inputs(work, concurrency=64, per_host=4, accounts=rows)
    prefix = f"bench-fair-{uuid.uuid4().hex[:8]}"  # never another user's sweeps on the shared Redis
    config.write_text(
        config.read_text(encoding="utf-8") + f'\n[distributed]\nkey_prefix = "{prefix}"\n', encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            ["taskset", "-c", str(cpu), str(VENV_BIN / "govpatrol"), "worker", "--config", str(config)]
            + ["--redis", redis, "--id", f"fair-{len(cpus)}-cpu{cpu}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(work / f"worker-cpu{cpu}.log").open("wb"),
        )
        for cpu in cpus
    ]
    wait_ready([work / f"worker-cpu{cpu}.log" for cpu in cpus])  # all idle before the sweep is planned
    out = work / "patrol.jsonl"
    cmd = [str(VENV_BIN / "govpatrol"), "sweep", "--targets", str(targets), "--config", str(config)]
    cmd += ["--kind", "patrol", "--no-es", "--output", str(out), "--quiet", "--as-of", AS_OF.isoformat()]
    cmd += ["--distributed", "--redis", redis]
    if others is not None:
        cmd = ["taskset", "-c", ",".join(map(str, others)), *cmd]
    affinities: dict[str, list[int]] = {}
    worker_cpu: dict[int, float] = {}
    before = server_requests(web)
    server_cpu_before = cpu_seconds(web.pid)
    try:
        run = run_measured(
            cmd,
            timeout=3 * 3600,
            on_sample=lambda: affinities.update(tree_affinities(workers, worker_cpu)),
        )
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(WORKER_STOP_S)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
    sweep: dict[str, Any] = {}
    if out.exists():
        sweep = next(
            (json.loads(line) for line in out.open(encoding="utf-8") if '"type": "sweep"' in line), {}
        )
    return {
        "workers": len(cpus),
        "cpus": cpus,
        "wall_s": round(run.wall_s, 1),
        "requests_served": server_requests(web) - before,
        # who used the two cores: the workers' trees against the bench server, which in the
        # two-worker run has no idle core to run on and takes its share from the workers
        "workers_cpu_s": round(sum(worker_cpu.values()), 1),
        "bench_server_cpu_s": round(cpu_seconds(web.pid) - server_cpu_before, 1),
        "returncode": run.returncode,
        "targets_done": sweep.get("targets_done"),
        "worker_ids": (sweep.get("distributed") or {}).get("workers"),
        "affinity_sets_seen": sorted({",".join(map(str, a)) for a in affinities.values()}),
        "processes_sampled": len(affinities),
        "chromium_processes": sum(1 for name in affinities if "chrom" in name.lower()),
        "stderr_tail": run.stderr[-800:] if run.returncode else "",
    }


def main(sites: int, accounts: int, latency: int, redis: str, others: list[int] | None) -> dict[str, Any]:
    spec = BenchSpec(sites=sites, pages=PAGES, links=LINKS, latency_ms=latency, accounts=accounts)
    runs = []
    with BenchWeb(spec) as web:
        if others is not None:
            os.sched_setaffinity(web.pid, others)
        for cpus in ([0], [0, 1]):
            with tempfile.TemporaryDirectory(prefix="bench-fairscale-") as tmp:
                row = run_pinned(web, Path(tmp), cpus, redis, others)
            runs.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    result: dict[str, Any] = {
        "benchmark": "fairscale",
        "machine": machine(),
        "size": {"sites": sites, "accounts": accounts, "latency_ms": latency},
        "pinning": {
            "workers": "taskset -c 0 | -c 0 and -c 1 (crawl children and Chromium inherit it)",
            "coordinator_and_bench_server": f"CPU {others}"
            if others is not None
            else "unpinned (both cores)",
            "redis": "unpinned (shared service)",
        },
        "runs": runs,
    }
    one, two = runs
    if one["returncode"] == 0 and two["returncode"] == 0 and two["wall_s"]:
        result["ratio"] = round(one["wall_s"] / two["wall_s"], 2)
        print(f"one worker {one['wall_s']} s, two workers {two['wall_s']} s: {result['ratio']}x")
    print("results:", save_results("fairscale", result))
    return result
