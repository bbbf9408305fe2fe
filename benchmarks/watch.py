"""The 2-hour patrol with the security watch vs the old patrol: 1,000 homepages at 50 ms.

Both runs are ``govpatrol sweep --kind patrol --no-es`` over the same bench sites; the old patrol is
the same command with ``[security] enabled = false`` (homepage freshness and homepage links only).
The watch adds, per homepage, the Baiduspider and Baidu-search fetches (cloaking), the watch facts
(hidden links through the CSS cascade, scripts, text sketch, blocks), a snapshot on disk, the read
of each outbound link's target page and, with ``--render always``, Chromium on every homepage (the
default ``auto`` renders only pages with foreign or obfuscated scripts: none on the bench web).
Reported: wall time and CPU seconds of the patrol's process tree, each per homepage.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.benchweb import BenchSpec
from benchmarks.harness import VENV_BIN, BenchWeb, machine, run_measured, save_results
from benchmarks.linkcheck import server_requests
from benchmarks.province import AS_OF, LINKS, PAGES


def _cpu_children() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def patrol(web: BenchWeb, work: Path, watch: bool, render: str, cap: int, per_host: int) -> dict[str, Any]:
    targets, config = web.write_govpatrol_inputs(work, concurrency=cap, per_host=per_host)
    with config.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[security]\nenabled = {"true" if watch else "false"}\nrender = "{render}"\n')
        fh.write(f'snapshot_dir = "{work / "snapshots"}"\n')
    out = work / "patrol.jsonl"
    cmd = [str(VENV_BIN / "govpatrol"), "sweep", "--targets", str(targets), "--config", str(config)]
    cmd += ["--kind", "patrol", "--no-es", "--output", str(out), "--quiet", "--as-of", AS_OF.isoformat()]
    load = os.getloadavg()[0]
    before, cpu_before = server_requests(web), _cpu_children()
    run = run_measured(cmd, timeout=3 * 3600)
    cpu = _cpu_children() - cpu_before
    sweep: dict[str, Any] = {}
    security = 0
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            if doc["type"] == "sweep":
                sweep = doc
            elif doc["type"] == "finding" and "-SEC-" in doc.get("indicator", ""):
                security += 1
    sites = web.spec.sites
    return {
        "patrol": f"watch (render {render})" if watch else "old patrol (no watch)",
        "wall_s": round(run.wall_s, 1),
        "cpu_s": round(cpu, 1),
        "wall_ms_per_page": round(1000 * run.wall_s / sites, 1),
        "cpu_ms_per_page": round(1000 * cpu / sites, 1),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "requests_served": server_requests(web) - before,
        "load_at_start": round(load, 1),  # other work on the machine stretches the wall time
        "security_hits": security,  # the bench web is healthy: 0 expected
        "returncode": run.returncode,
        "sweep": {k: sweep.get(k) for k in ("targets_done", "sites", "requests", "elapsed_s")},
        "stderr_tail": run.stderr[-800:] if run.returncode else "",
    }


def main(sites: int, latency: int, render: str, cap: int, per_host: int) -> dict[str, Any]:
    spec = BenchSpec(sites=sites, pages=PAGES, links=LINKS, latency_ms=latency)
    rows = []
    with BenchWeb(spec) as web:
        for watch in (False, True):
            with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
                row = patrol(web, Path(tmp), watch, render, cap, per_host)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    result: dict[str, Any] = {
        "benchmark": "watch",
        "machine": machine(),
        "size": {"sites": sites, "latency_ms": latency, "render": render, "cap": cap, "per_host": per_host},
        "rows": rows,
    }
    if rows[0]["wall_s"]:
        result["wall_ratio"] = round(rows[1]["wall_s"] / rows[0]["wall_s"], 2)
    if rows[0]["cpu_s"]:
        result["cpu_ratio"] = round(rows[1]["cpu_s"] / rows[0]["cpu_s"], 2)
    print("results:", save_results("watch", result))
    return result
