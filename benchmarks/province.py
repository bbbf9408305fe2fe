"""Province patrol: 1,000 sites + 6,000 accounts at 50 ms, one machine (and N workers on Redis).

The patrol is ``govpatrol sweep --kind patrol --no-es`` over a registry of bench sites (homepages of
the bench web) and accounts on the simulated platforms (simweb's apps, the real JSON shapes), all
answering after the same latency. Target: <= 10 minutes on one machine; 2 workers >= 1.8x one.

The distributed variant (``--workers N``) runs ``govpatrol sweep --distributed --workers 1`` and then
``--workers N`` against ``--redis URL`` (default: the one ``govpatrol services start`` runs), and
reports the ratio N workers : 1 worker.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.benchaccounts import AS_OF, build_apps
from benchmarks.benchweb import BenchSpec
from benchmarks.harness import VENV_BIN, BenchWeb, machine, run_measured, save_results
from benchmarks.linkcheck import server_requests

PAGES, LINKS = 6, 30  # a patrol reads homepages; the columns exist for navigation-only fallbacks


def account_rows(accounts: int, seed: int) -> list[dict[str, str]]:
    """Registry rows of the bench accounts (same seed as the server: same ids and profile URLs)."""
    rows = []
    for app in build_apps(accounts, seed).values():
        for a in app.accounts:
            rows.append(
                {
                    "id": a.target_id,
                    "kind": "account",
                    "name": a.name,
                    "owner": a.owner,
                    "region": a.region,
                    "url": a.profile_url,
                    "platform": a.platform,
                    "account_id": a.account_id,
                    "site_code": "",
                }
            )
    return rows


def patrol(web: BenchWeb, work: Path, cap: int, per_host: int, workers: int, redis: str) -> dict[str, Any]:
    rows = account_rows(web.spec.accounts, web.spec.seed)
    targets, config = web.write_govpatrol_inputs(work, concurrency=cap, per_host=per_host, accounts=rows)
    out = work / "patrol.jsonl"
    cmd = [str(VENV_BIN / "govpatrol"), "sweep", "--targets", str(targets), "--config", str(config)]
    cmd += ["--kind", "patrol", "--no-es", "--output", str(out), "--quiet", "--as-of", AS_OF.isoformat()]
    if workers:
        cmd += ["--distributed", "--workers", str(workers), "--redis", redis]
    before = server_requests(web)
    run = run_measured(cmd, timeout=3 * 3600)
    sweep: dict[str, Any] = {}
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            if doc["type"] == "sweep":
                sweep = doc
    return {
        "workers": workers or 1,
        "distributed": bool(workers),
        "wall_s": round(run.wall_s, 1),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "requests_served": server_requests(web) - before,
        "returncode": run.returncode,
        "sweep": {k: sweep.get(k) for k in ("targets_done", "sites", "accounts", "requests", "elapsed_s")},
        "stderr_tail": run.stderr[-800:] if run.returncode else "",
    }


def main(
    sites: int, accounts: int, latency: int, cap: int, per_host: int, workers: int, redis: str
) -> dict[str, Any]:
    spec = BenchSpec(sites=sites, pages=PAGES, links=LINKS, latency_ms=latency, accounts=accounts)
    runs = []
    with BenchWeb(spec) as web:
        # one machine in-process; then the same patrol through Redis with 1 and with N workers
        for n in [0, 1, workers] if workers else [0]:
            with tempfile.TemporaryDirectory(prefix="bench-province-") as tmp:
                row = patrol(web, Path(tmp), cap, per_host, n, redis)
            runs.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    result: dict[str, Any] = {
        "benchmark": "province",
        "machine": machine(),
        "size": {
            "sites": sites,
            "accounts": accounts,
            "latency_ms": latency,
            "cap": cap,
            "per_host": per_host,
        },
        "runs": runs,
    }
    if len(runs) == 3 and runs[2]["returncode"] == 0 and runs[2]["wall_s"]:
        result["speedup"] = round(runs[1]["wall_s"] / runs[2]["wall_s"], 2)  # N workers vs 1 worker
    print("results:", save_results("province", result))
    return result
