"""Province patrol: 1,000 sites + 6,000 accounts at 50 ms, one machine (and N workers on Redis).

The patrol is ``govpatrol sweep --kind patrol --no-es`` over a registry of bench sites (homepages of
the bench web) and accounts on the simulated platforms (simweb's apps, the real JSON shapes), all
answering after the same latency. Target: <= 10 minutes on one machine; 2 workers >= 1.8x one.

The distributed variant (``--workers N``) runs ``govpatrol sweep --distributed --workers 1`` and then
``--workers N`` against ``--redis URL`` (default: the one ``govpatrol services start`` runs), and
reports the ratio N workers : 1 worker.

``--kind full`` runs the quarterly full sweep of the same province instead (every column, every
account). ``--limit-per-minute N`` makes every simulated platform throttle above N requests a
minute (in its own shape) and gives the sweep a budget of ``--budget-share`` x N a minute per
platform: the run reports the accounts left unverified for throttling (an account whose ground
truth is not unverified), the requests each platform answered (as the server counted them), and
the wall time against the budget-implied minimum (each platform's requests / its budget a minute;
the platforms run in parallel, so the sweep's minimum is the largest of those).
"""

from __future__ import annotations

import json
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.benchaccounts import AS_OF, build_apps
from benchmarks.benchserver import STATS_HOST
from benchmarks.benchweb import BenchSpec
from benchmarks.harness import VENV_BIN, BenchWeb, machine, run_measured, save_results
from benchmarks.linkcheck import server_requests
from simweb.platforms.base import CASE_STATES

PAGES, LINKS = 6, 30  # a patrol reads homepages; the columns exist for navigation-only fallbacks


def account_rows(accounts: int, seed: int, limited: bool = False) -> list[dict[str, str]]:
    """Registry rows of the bench accounts (same seed as the server: same ids and profile URLs)."""
    rows = []
    for app in build_apps(accounts, seed, limited=limited).values():
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


def platform_counts(web: BenchWeb) -> dict[str, dict[str, int]]:
    """Requests (and throttle answers) each simulated platform has answered so far."""
    assert web.world is not None
    proxy = urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{web.world.port}"})
    with urllib.request.build_opener(proxy).open(f"http://{STATS_HOST}/platforms", timeout=10) as resp:
        counts: dict[str, dict[str, int]] = json.loads(resp.read())
    return counts


def throttled_accounts(records: list[dict[str, Any]], expected: dict[str, str]) -> list[str]:
    """Accounts reported unverified whose ground truth is not (the throttling's doing)."""
    return sorted(
        r["target_id"]
        for r in records
        if r.get("type") == "target"
        and r.get("state") == "unverified"
        and expected.get(r["target_id"], "unverified") != "unverified"
    )


def budget_figures(served: dict[str, dict[str, int]], budget: float, wall_s: float) -> dict[str, Any]:
    """Each platform's requests and throttle answers, its minimum minutes at ``budget`` a minute,
    the sweep's minimum (the largest: platforms run in parallel) and wall / minimum."""
    per = {key: {**c, "min_minutes": round(c["requests"] / budget, 2)} for key, c in sorted(served.items())}
    slowest = max((p["min_minutes"] for p in per.values()), default=0.0)
    return {
        "platforms": per,
        "budget_min_s": round(slowest * 60, 1),
        "wall_over_min": round(wall_s / (slowest * 60), 2) if slowest else None,
    }


def patrol(
    web: BenchWeb,
    work: Path,
    cap: int,
    per_host: int,
    workers: int,
    redis: str,
    kind: str = "patrol",
    budget: float = 0,
    backoff: float = 0.2,
) -> dict[str, Any]:
    limited = web.limit_per_minute > 0
    rows = account_rows(web.spec.accounts, web.spec.seed, limited)
    expected = {
        a.target_id: CASE_STATES.get(a.case, "")
        for app in build_apps(web.spec.accounts, web.spec.seed, limited=limited).values()
        for a in app.accounts
    }
    targets, config = web.write_govpatrol_inputs(
        work,
        concurrency=cap,
        per_host=per_host,
        accounts=rows,
        budget_per_minute=budget,
        backoff_seconds=backoff,
    )
    out = work / "patrol.jsonl"
    cmd = [str(VENV_BIN / "govpatrol"), "sweep", "--targets", str(targets), "--config", str(config)]
    cmd += ["--kind", kind, "--no-es", "--output", str(out), "--quiet", "--as-of", AS_OF.isoformat()]
    if workers:
        cmd += ["--distributed", "--workers", str(workers), "--redis", redis]
    before, platforms_before = server_requests(web), platform_counts(web)
    run = run_measured(cmd, timeout=3 * 3600)
    records = (
        [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    )
    sweep: dict[str, Any] = next((doc for doc in records if doc["type"] == "sweep"), {})
    served = {
        key: {n: c[n] - platforms_before.get(key, {}).get(n, 0) for n in c}
        for key, c in platform_counts(web).items()
    }
    row: dict[str, Any] = {
        "kind": kind,
        "workers": workers or 1,
        "distributed": bool(workers),
        "wall_s": round(run.wall_s, 1),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        # RSS summed over the tree counts Chromium's shared pages once per process; PSS shares them
        "peak_pss_mb": round(run.peak_pss_mb, 1),
        "requests_served": server_requests(web) - before,
        "platform_requests": sum(c["requests"] for c in served.values()),
        "throttle_answers": sum(c["throttled"] for c in served.values()),
        "returncode": run.returncode,
        "sweep": {k: sweep.get(k) for k in ("targets_done", "sites", "accounts", "requests", "elapsed_s")},
        "stderr_tail": run.stderr[-800:] if run.returncode else "",
    }
    if limited:
        unverified = throttled_accounts(records, expected)
        accounts = sum(1 for r in records if r.get("type") == "target" and r["target_id"] in expected)
        row["limit_per_minute"] = web.limit_per_minute
        row["budget_per_minute"] = budget
        row["unverified_throttled"] = len(unverified)
        row["unverified_throttled_share"] = round(len(unverified) / accounts, 4) if accounts else None
        row["unverified_throttled_ids"] = unverified[:50]
        row.update(budget_figures(served, budget, run.wall_s))
    return row


def main(
    sites: int,
    accounts: int,
    latency: int,
    cap: int,
    per_host: int,
    workers: int,
    redis: str,
    *,
    kinds: tuple[str, ...] = ("patrol",),
    limit_per_minute: int = 0,
    budget_share: float = 0.9,
    backoff: float = 20.0,
) -> dict[str, Any]:
    spec = BenchSpec(sites=sites, pages=PAGES, links=LINKS, latency_ms=latency, accounts=accounts)
    budget = round(budget_share * limit_per_minute, 1)
    pause = backoff if limit_per_minute else 0.2  # unthrottled: a short pause after planted anti-bot answers
    runs = []
    with BenchWeb(spec, limit_per_minute) as web:
        for kind in kinds:
            # one machine in-process; then the same sweep through Redis with 1 and with N workers
            for n in [0, 1, workers] if workers else [0]:
                with tempfile.TemporaryDirectory(prefix="bench-province-") as tmp:
                    row = patrol(web, Path(tmp), cap, per_host, n, redis, kind, budget, pause)
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
            "limit_per_minute": limit_per_minute,
            "budget_per_minute": budget,
            "backoff_seconds": pause,
        },
        "runs": runs,
    }
    if workers:  # N workers vs 1 worker, per kind
        result["speedup"] = {
            kind: round(one["wall_s"] / many["wall_s"], 2)
            for kind in kinds
            for one, many in [[r for r in runs if r["kind"] == kind and r["distributed"]][:2]]
            if many["returncode"] == 0 and many["wall_s"]
        }
    print("results:", save_results("province", result))
    return result
