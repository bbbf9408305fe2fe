"""Scale curve: govpatrol's peak RSS and checks/second as the number of links grows.

The web grows by sites of a fixed shape (20 list pages x 50 links = 1,000 link slots a site), so a
larger run is more of the same sites, as a larger province is. Target: RSS below 600 MB and flat
from 10k to 200k links.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks.benchweb import BenchSpec
from benchmarks.harness import BenchWeb, machine, save_results
from benchmarks.linkcheck import run_govpatrol, server_requests

PAGES, LINKS = 20, 50  # per site


def shape(total_links: int) -> BenchSpec:
    """Sites of 1,000 link slots; below 1,000 links, one site with fewer list pages."""
    if total_links < PAGES * LINKS:
        return BenchSpec(sites=1, pages=max(1, total_links // LINKS), links=LINKS)
    return BenchSpec(sites=total_links // (PAGES * LINKS), pages=PAGES, links=LINKS)


def run_point(total_links: int, latency: int, cap: int, per_host: int) -> dict[str, Any]:
    spec = shape(total_links)
    spec = BenchSpec(sites=spec.sites, pages=spec.pages, links=spec.links, latency_ms=latency)
    with BenchWeb(spec) as web, tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        assert web.world is not None
        urls = len(web.world.truth())
        before = server_requests(web)
        run, found, sweep = run_govpatrol(web, Path(tmp), cap, per_host)
        requests = server_requests(web) - before
    crawl_s = float(sweep.get("elapsed_s") or 0) or run.wall_s
    return {
        "links": total_links,
        "sites": spec.sites,
        "urls": urls,
        "requests": requests,
        "wall_s": round(run.wall_s, 2),
        "crawl_s": round(crawl_s, 2),
        "checks_per_s": round(urls / crawl_s, 1),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "dead_links_reported": len(found),
        "returncode": run.returncode,
        "stderr_tail": run.stderr[-600:] if run.returncode else "",
    }


def main(points: list[int], latency: int, cap: int, per_host: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    result: dict[str, Any] = {
        "benchmark": "scale",
        "machine": machine(),
        "settings": {"latency_ms": latency, "cap": cap, "per_host": per_host, "pages": PAGES, "links": LINKS},
        "rows": rows,
    }
    print(f"{'links':>8s} {'sites':>6s} {'URLs':>8s} {'crawl s':>8s} {'checks/s':>9s} {'RSS MB':>7s}")
    for total in points:
        row = run_point(total, latency, cap, per_host)
        rows.append(row)
        print(
            f"{row['links']:>8d} {row['sites']:>6d} {row['urls']:>8d} {row['crawl_s']:>8.2f}"
            f" {row['checks_per_s']:>9.1f} {row['peak_rss_mb']:>7.1f}",
            flush=True,
        )
        path = save_results("scale", result)  # after every point: a long curve cut short keeps its rows
    print("results:", path)
    return result
