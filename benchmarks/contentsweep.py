"""``python -m benchmarks contentsweep``: the content watch's extra cost on a full sweep.

The full sweep of the simulated web (every site, the content watch's planted site, every simulated
account) runs as ``govpatrol sweep --kind full`` twice per round: ``[content_watch] enabled = true``
and ``false``, alternating, same targets and config otherwise. For each: requests (the sweep
record's count: pages, files and link checks), wall time of the sweep process, its CPU (user +
system of the process and its children: the document readers and tesseract), and the text
observations it stored. With ``--es`` the sweeps write to Elasticsearch under their own prefixes,
and the observations index is measured after a force-merge: the text documents' share of it is what
the content watch stores. Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from crawlers.dates import BEIJING
from simweb.accounts import build_accounts
from simweb.server import SimulatedWeb
from simweb.world import build_world

AS_OF = datetime(2024, 10, 1, 10, 0, tzinfo=BEIJING)
ROOT = Path(__file__).resolve().parents[1]


RESULTS = Path(__file__).with_name("results")


def machine() -> dict[str, Any]:
    """What the numbers were measured on (psutil-free: the bench extras are not needed here)."""
    return {"nproc": os.cpu_count(), "python": sys.version.split()[0], "load_avg_at_start": os.getloadavg()}


def save_results(data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    path = RESULTS / f"contentsweep-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(text, encoding="utf-8")
    (RESULTS / "contentsweep-latest.json").write_text(text, encoding="utf-8")
    return path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _config(web: SimulatedWeb, out: Path, enabled: bool, es_url: str, prefix: str) -> Path:
    path = web.write_config(out / f"config-{prefix}.toml", es_url=es_url, index_prefix=prefix)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"\n[content_watch]\nenabled = {'true' if enabled else 'false'}\n")
    return path


def _store_size(es_url: str, prefix: str) -> dict[str, Any]:
    """Observation documents by type and the index's size on disk after a force-merge."""
    from elasticsearch import Elasticsearch

    es = Elasticsearch(es_url, request_timeout=120)
    index = f"{prefix}-observations-*"
    es.indices.refresh(index=index)
    es.indices.forcemerge(index=index, max_num_segments=1)
    stats = es.indices.stats(index=index, metric="store")
    size = sum(s["primaries"]["store"]["size_in_bytes"] for s in stats["indices"].values())
    aggs = es.search(
        index=index, size=0, aggs={"t": {"terms": {"field": "doc_type"}}}, query={"match_all": {}}
    )["aggregations"]["t"]["buckets"]
    es.indices.delete(index=f"{prefix}-*")
    es.indices.delete_index_template(name=f"{prefix}-*")  # the sweep's templates too
    return {"bytes": size, "docs": {b["key"]: b["doc_count"] for b in aggs}}


def one_sweep(web: SimulatedWeb, out: Path, enabled: bool, es_url: str, round_no: int) -> dict[str, Any]:
    prefix = f"bench-cw-{'on' if enabled else 'off'}-{round_no}"
    config = _config(web, out, enabled, es_url, prefix)
    targets = out / "targets.csv"
    jsonl = out / f"{prefix}.jsonl"
    cmd = [sys.executable, "-m", "govpatrol", "sweep", "--kind", "full", "--targets", str(targets)]
    cmd += ["--config", str(config), "--output", str(jsonl), "--as-of", AS_OF.isoformat(), "--quiet"]
    if not es_url:
        cmd.append("--no-es")
    cpu = _children_cpu()
    start = time.monotonic()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    cpu = _children_cpu() - cpu
    if done.returncode not in (0, 1):
        raise SystemExit(f"sweep failed ({done.returncode}): {done.stderr[-2000:]}")
    record = next(
        json.loads(line)
        for line in jsonl.read_text(encoding="utf-8").splitlines()
        if '"type": "sweep"' in line
    )
    row: dict[str, Any] = {
        "content_watch": enabled,
        "requests": record["requests"],
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "crawl_s": record["elapsed_s"],
        "observations": record["observations"],
        "pending_review": sum(
            1 for line in jsonl.read_text(encoding="utf-8").splitlines() if "pending_review" in line
        ),
    }
    if es_url:
        row["store"] = _store_size(es_url, prefix)
    return row


def main(rounds: int = 1, es: bool = False) -> dict[str, Any]:
    es_url = ""
    if es:
        from govpatrol.services import ensure_elasticsearch

        es_url = ensure_elasticsearch()
    rows: list[dict[str, Any]] = []
    data: dict[str, Any] = {"machine": machine(), "rounds": rounds, "es": bool(es_url)}
    with TemporaryDirectory(prefix="bench-cw-") as tmp:
        out = Path(tmp)
        web = SimulatedWeb(build_world(AS_OF), accounts=build_accounts(AS_OF)).start()
        try:
            web.write_targets_csv(out / "targets.csv", content_watch=True)
            data["sites"] = len(web.world.sites) + 1
            data["accounts"] = len(web.accounts.accounts) if web.accounts else 0
            for n in range(rounds):
                for enabled in (False, True):
                    row = one_sweep(web, out, enabled, es_url, n)
                    rows.append(row)
                    print(json.dumps(row, ensure_ascii=False), flush=True)
        finally:
            web.stop()
    data["rows"] = rows
    data["summary"] = summary(rows)
    path = save_results(data)
    print(json.dumps(data["summary"], ensure_ascii=False, indent=2))
    print(f"results: {path}  (load average at start {os.getloadavg()[0]:.2f})")
    return data


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians per mode and the content watch's extra (on minus off)."""

    def median(enabled: bool, key: str) -> float:
        values = sorted(float(r[key]) for r in rows if r["content_watch"] is enabled)
        return values[len(values) // 2]

    out: dict[str, Any] = {}
    for key in ("requests", "wall_s", "cpu_s", "crawl_s", "observations"):
        off, on = median(False, key), median(True, key)
        out[key] = {"off": off, "on": on, "extra": round(on - off, 1)}
    stored = [r["store"] for r in rows if r["content_watch"] and "store" in r]
    if stored:
        out["text_docs"] = stored[0]["docs"].get("text", 0)
        out["index_bytes_on"] = stored[0]["bytes"]
        bytes_off = [r["store"]["bytes"] for r in rows if not r["content_watch"] and "store" in r]
        out["index_bytes_off"] = bytes_off[0] if bytes_off else None
    return out
