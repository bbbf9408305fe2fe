"""Account sweep on the browser platforms: accounts a minute, CPU seconds, profile pages, peak RSS/PSS.

``python -m benchmarks accounts --accounts N`` sweeps N accounts on the platforms whose page objects
need Chromium (Douyin, Toutiao, Kuaishou, 人民号; ``--platforms`` narrows them), served unthrottled
by the bench server with simweb's own apps (their signing models included: Douyin and Kuaishou hook
``fetch``, Toutiao signs only its own first request). ``--warm-pages`` sets ``[browser] warm_pages``:
the default reads the hook platforms' accounts inside warm pages (spiders/warmpages.py), 0 opens a
profile page per account as before. The figures are the CPU cost per account on this machine, not
a rate to use on real platforms (their budgets are ``[platforms.*] requests_per_minute``). Each
row also gives the CPU seconds of the sweep's process tree (Chromium included: the figure to compare
on a loaded machine), the profile pages the platforms served (each a Chromium page load) and the
peak PSS next to the peak summed RSS (module docstring of :mod:`benchmarks.harness`).
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.benchaccounts import AS_OF
from benchmarks.benchweb import BenchSpec
from benchmarks.harness import VENV_BIN, BenchWeb, machine, run_measured, save_results
from benchmarks.province import account_rows, platform_counts
from crawlers.platforms import REGISTRY, page_object
from simweb.platforms import APPS

BROWSER = tuple(k for k in REGISTRY if k in APPS and page_object(k).NEEDS_BROWSER)


def bench_size(accounts: int, platforms: tuple[str, ...]) -> int:
    """How many bench accounts to build so that ``platforms`` get ``accounts`` of them (the bench
    deals accounts to every platform in turn)."""
    return math.ceil(accounts * len(APPS) / max(1, len(platforms))) + len(APPS)


def sweep(web: BenchWeb, work: Path, rows: list[dict[str, str]], warm_pages: int | None) -> dict[str, Any]:
    targets, config = web.write_govpatrol_inputs(work, concurrency=64, per_host=8, accounts=rows)
    if warm_pages is not None:
        with config.open("a", encoding="utf-8") as fh:
            fh.write(f"\n[browser]\nwarm_pages = {warm_pages}\n")
    out = work / "accounts.jsonl"
    cmd = [str(VENV_BIN / "govpatrol"), "sweep", "--targets", str(targets), "--config", str(config)]
    cmd += ["--kind", "patrol", "--no-es", "--output", str(out), "--quiet", "--as-of", AS_OF.isoformat()]
    before = platform_counts(web)
    run = run_measured(cmd, timeout=3 * 3600)
    after = platform_counts(web)
    pages = {
        key: c.get("profile_pages", 0) - before.get(key, {}).get("profile_pages", 0)
        for key, c in after.items()
    }
    record: dict[str, Any] = {}
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            if doc["type"] == "sweep":
                record = doc
    done = int(record.get("accounts") or 0)
    return {
        "warm_pages": "default" if warm_pages is None else warm_pages,
        "accounts": done,
        "wall_s": round(run.wall_s, 1),
        "sweep_s": record.get("elapsed_s"),
        "accounts_per_min": round(60 * done / run.wall_s, 1) if run.wall_s else None,
        "cpu_s": round(run.cpu_s, 1),
        "cpu_sampled_s": round(run.cpu_sampled_s, 1),
        # the larger CPU figure: getrusage misses processes that died unreaped, samples miss short ones
        "cpu_ms_per_account": round(1000 * max(run.cpu_s, run.cpu_sampled_s) / done, 1) if done else None,
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "peak_pss_mb": round(run.peak_pss_mb, 1),
        "requests": record.get("requests"),
        # profile pages the simulated platforms served (Chromium page loads, warm pages included)
        "profile_pages": sum(pages.values()),
        "profile_pages_by_platform": {k: v for k, v in pages.items() if v},
        "returncode": run.returncode,
        "stderr_tail": run.stderr[-800:] if run.returncode else "",
    }


def main(accounts: int, platforms: tuple[str, ...], warm_pages: list[int | None]) -> dict[str, Any]:
    unknown = sorted(set(platforms) - set(BROWSER))
    if unknown:
        raise SystemExit(f"--platforms: not a browser platform: {', '.join(unknown)} (choose from {BROWSER})")
    spec = BenchSpec(sites=0, pages=1, links=1, latency_ms=0, accounts=bench_size(accounts, platforms))
    rows = [r for r in account_rows(spec.accounts, spec.seed) if r["platform"] in platforms][:accounts]
    runs = []
    with BenchWeb(spec) as web:
        for warm in warm_pages:
            with tempfile.TemporaryDirectory(prefix="bench-accounts-") as tmp:
                row = sweep(web, Path(tmp), rows, warm)
            row["per_platform"] = {k: sum(1 for r in rows if r["platform"] == k) for k in platforms}
            runs.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    result = {
        "benchmark": "accounts",
        "machine": machine(),
        "size": {"accounts": len(rows), "platforms": list(platforms)},
        "runs": runs,
    }
    print("results:", save_results("accounts", result))
    return result
