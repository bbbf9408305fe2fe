"""Link checking side by side: govpatrol, LinkChecker and lychee on the same pages, same in-flight cap.

Each tool runs as a user runs it, in its own process, against a fresh bench web per latency. The
bench server counts the requests it answered (so "requests made" is measured the same way for
every tool), the harness samples each tool's process-tree RSS, and the dead links each tool reports
are compared with the world's ground truth. "Unique URLs/s" divides the URLs of the world (pages and
links: what every tool is asked to check) by the tool's wall time, start-up included.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.benchaccounts import AS_OF
from benchmarks.benchweb import BenchSpec
from benchmarks.harness import VENV_BIN, BenchWeb, Run, machine, run_measured, save_results

TOOLS = ("govpatrol", "linkchecker", "lychee")
DEAD_LINK_INDICATORS = frozenset({"SITE-DED-DEAD-LINK-HOME", "SITE-DED-DEAD-LINK"})


def server_requests(web: BenchWeb) -> int:
    """Requests the bench server has answered so far (all methods)."""
    assert web.world is not None
    proxy = urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{web.world.port}"})
    with urllib.request.build_opener(proxy).open("http://benchweb.stats/", timeout=10) as resp:
        counts = json.loads(resp.read())
    return sum(counts.values()) - 1  # not this request itself


def run_govpatrol(web: BenchWeb, work: Path, cap: int, per_host: int) -> tuple[Run, set[str], dict[str, Any]]:
    targets, config = web.write_govpatrol_inputs(work / "govpatrol", concurrency=cap, per_host=per_host)
    out = work / "govpatrol" / "sweep.jsonl"
    cmd = [str(VENV_BIN / "govpatrol"), "sweep", "--targets", str(targets), "--config", str(config)]
    cmd += ["--kind", "full", "--no-es", "--output", str(out), "--quiet", "--as-of", AS_OF.isoformat()]
    run = run_measured(cmd)
    found: set[str] = set()
    sweep: dict[str, Any] = {}
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            # dead links, confirmed or suspected (an early warning); not a budget cut's "unverified"
            if (
                doc["type"] == "finding"
                and doc["indicator"] in DEAD_LINK_INDICATORS
                and doc["status"] == "open"
            ):
                found.add(doc["subject_url"])
            elif doc["type"] == "sweep":
                sweep = doc
    extra = {k: sweep.get(k) for k in ("requests", "observations", "elapsed_s", "targets_done")}
    return run, found, extra


def run_linkchecker(
    web: BenchWeb, work: Path, cap: int, per_host: int
) -> tuple[Run, set[str], dict[str, Any]]:
    """Recursion 2 from each homepage (homepage -> columns -> links), external links checked.

    ``maxrequestspersecond`` is raised from its default of 10 per host: LinkChecker allows that for
    servers that answer with a ``LinkChecker`` header, which the bench server sends.
    """
    assert web.world is not None
    rc = work / "linkcheckerrc"
    rc.write_text(
        "[checking]\n"
        f"threads={cap}\nmaxrequestspersecond=100000\nrecursionlevel=2\ntimeout=10\n"
        "[filtering]\ncheckextern=1\n[output]\nstatus=0\n",
        encoding="utf-8",
    )
    homepages = [web.world.site_url(s) for s in range(web.spec.sites)]
    cmd = [str(VENV_BIN / "linkchecker"), "-f", str(rc), "--no-robots", "--check-extern", "-r", "2"]
    cmd += ["-t", str(cap), "--no-status", "--no-warnings", "-v", "-o", "csv", *homepages]
    run = run_measured(cmd, env=web.proxy_env(), cwd=work)
    rows = [line for line in run.stdout.splitlines() if line and not line.startswith("#")]
    found: set[str] = set()
    seen: set[str] = set()
    for row in csv.DictReader(io.StringIO("\n".join(rows)), delimiter=";"):
        url = row.get("url") or row.get("urlname") or ""
        seen.add(url)
        if row.get("valid", "").lower() != "true":
            found.add(url)
    return run, found, {"urls_reported": len(seen)}


def run_lychee(web: BenchWeb, work: Path, cap: int, per_host: int) -> tuple[Run, set[str], dict[str, Any]]:
    """Given the page list (homepages and list pages); no retries, no per-host interval."""
    assert web.world is not None
    out = work / "lychee.json"
    cmd = [str(VENV_BIN / "lychee"), "--no-progress", "--format", "json", "--output", str(out)]
    cmd += ["--max-concurrency", str(cap), "--host-concurrency", str(per_host)]
    cmd += ["--host-request-interval", "0ms", "--max-retries", "0", "--timeout", "10", "--verbose"]
    cmd += ["--cache-exclude-status", "100..=599", *web.world.page_urls()]
    run = run_measured(cmd, env=web.proxy_env(), cwd=work)
    found: set[str] = set()
    extra: dict[str, Any] = {}
    if out.exists():
        doc = json.loads(out.read_text(encoding="utf-8") or "{}")
        for entries in (doc.get("error_map") or doc.get("fail_map") or {}).values():
            for entry in entries:
                found.add(entry.get("url", ""))
        extra = {k: doc.get(k) for k in ("total", "successful", "errors", "excludes", "timeouts")}
    return run, found, extra


RUNNERS = {"govpatrol": run_govpatrol, "linkchecker": run_linkchecker, "lychee": run_lychee}


def agreement(truth: dict[str, str], found: set[str]) -> dict[str, Any]:
    dead = {u for u, d in truth.items() if d}
    missed = dead - found
    by_kind: dict[str, int] = {}
    for url in missed:
        by_kind[truth[url]] = by_kind.get(truth[url], 0) + 1
    return {
        "dead_truth": len(dead),
        "found": len(dead & found),
        "missed": len(missed),
        "missed_by_kind": by_kind,
        "extra": len(found - dead),
        "extra_sample": sorted(found - dead)[:5],
    }


def run_one(spec: BenchSpec, tool: str, cap: int, per_host: int) -> dict[str, Any]:
    """One tool against a fresh bench web (no warm caches carried over between tools)."""
    with BenchWeb(spec) as web, tempfile.TemporaryDirectory(prefix=f"bench-{tool}-") as tmp:
        assert web.world is not None
        truth = web.world.truth()
        before = server_requests(web)
        run, found, extra = RUNNERS[tool](web, Path(tmp), cap, per_host)
        requests = server_requests(web) - before
    urls = len(truth)
    return {
        "tool": tool,
        "latency_ms": spec.latency_ms,
        "urls": urls,
        "wall_s": round(run.wall_s, 2),
        "urls_per_s": round(urls / run.wall_s, 1) if run.wall_s else None,
        "requests": requests,
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "returncode": run.returncode,
        "agreement": agreement(truth, found),
        "tool_stats": extra,
        "stderr_tail": run.stderr[-600:] if run.returncode not in (0, 1) else "",
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'tool':12s} {'lat':>5s} {'URLs':>7s} {'wall s':>8s} {'URLs/s':>8s} {'requests':>9s} {'RSS MB':>7s}"
    )
    head += f" {'dead found/missed/extra':>24s}"
    lines = [head]
    for r in rows:
        a = r["agreement"]
        fme = f"{a['found']}/{a['missed']}/{a['extra']} of {a['dead_truth']}"
        lines.append(
            f"{r['tool']:12s} {r['latency_ms']:>5d} {r['urls']:>7d} {r['wall_s']:>8.2f} {r['urls_per_s']:>8.1f}"
            f" {r['requests']:>9d} {r['peak_rss_mb']:>7.1f} {fme:>24s}"
        )
    return "\n".join(lines)


def ratios(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for lat in sorted({r["latency_ms"] for r in rows}):
        rate = {r["tool"]: r["urls_per_s"] for r in rows if r["latency_ms"] == lat}
        gp = rate.get("govpatrol")
        out[str(lat)] = {
            f"govpatrol/{peer}": round(gp / rate[peer], 2)
            for peer in ("linkchecker", "lychee")
            if gp and rate.get(peer)
        }
    return out


def main(
    sites: int, pages: int, links: int, latencies: list[int], cap: int, per_host: int, tools: list[str]
) -> dict[str, Any]:
    rows = []
    for latency in latencies:
        spec = BenchSpec(sites=sites, pages=pages, links=links, latency_ms=latency)
        for tool in tools:
            row = run_one(spec, tool, cap, per_host)
            rows.append(row)
            print(table([row]).splitlines()[1], flush=True)
    result = {
        "benchmark": "linkcheck",
        "machine": machine(),
        "size": {"sites": sites, "pages": pages, "links": links, "cap": cap, "per_host": per_host},
        "rows": rows,
        "ratios": ratios(rows),
    }
    print(table(rows))
    print("ratios (unique URLs/s):", json.dumps(result["ratios"]))
    print("results:", save_results("linkcheck", result))
    return result
