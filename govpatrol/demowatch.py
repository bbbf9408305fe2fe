"""The demo's security watch: two 2-hour patrols of the simulated hacked sites and the review step.

The simulated web also serves the watch's own sites (SW01-SW11: healthy homepages that churn, and
hacked ones). The first patrol (the day's first tick) records their baselines and raises what is
already planted; an inspector's decisions follow (``confirm`` one hit, ``dismiss`` another, as
``govpatrol review`` does); the later patrol (tick 7, when every incident has appeared) raises the
rest, keeps the confirmed hit open and never raises the dismissed one again. Each patrol is a
``govpatrol sweep --kind patrol`` child process (a crawl owns its process's reactor).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from crawlers.config import load_config
from govpatrol import review
from govpatrol.reviewtable import print_queue
from pipelines.store import Store

PATROLS = (0, 7)
WATCHED = ("SITE-SEC-", "SITE-DED-WRONG-LINK")  # the watch's indicators (the sites' other findings aside)
LAST_TICK = PATROLS[-1]


def _patrol(targets: Path, config: Path, as_of: str, out: Path, use_es: bool) -> list[dict[str, Any]]:
    argv = [sys.executable, "-m", "govpatrol", "sweep", "--kind", "patrol", "--targets", str(targets)]
    argv += ["--as-of", as_of, "--output", str(out), "--config", str(config), "--quiet"]
    argv += [] if use_es else ["--no-es"]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"patrol of the watch's sites failed: {proc.stderr[-2000:]}")
    lines = out.read_text(encoding="utf-8").splitlines()
    return [r for r in (json.loads(line) for line in lines) if r.get("type") == "finding"]


def missed(
    truth: dict[str, Any], found: list[dict[str, Any]], dismissed: set[tuple[str, str, str]]
) -> list[str]:
    """Planted incidents the last patrol did not raise, dismissed hits raised again, hits on healthy sites."""
    found = [f for f in found if f["indicator"].startswith(WATCHED) and f["status"] != "rectified"]
    seen = {(f["target_id"], f["indicator"], f["subject_url"]) for f in found}
    planted = {(w["target"], w["indicator"], w["subject"]) for w in truth["expect"]}
    out = [f"not raised: {' '.join(k)}" for k in sorted(planted - seen - dismissed)]
    out += [f"raised again after dismiss: {' '.join(k)}" for k in sorted(seen & dismissed)]
    out += [
        f"healthy {f['target_id']}: {f['indicator']}" for f in found if f["target_id"] in truth["healthy"]
    ]
    return out


def run_watch_demo(web: Any, out: Path, es_url: str, prefix: str, use_es: bool) -> list[str]:
    """Two patrols of the watch's sites with a review between them; the differences from the truth."""
    from simweb import securitywatch as sw

    targets = sw.write_targets_csv(web, out / "watch-targets.csv")
    config = web.write_config(out / "watch-config.toml", es_url=es_url, index_prefix=prefix)
    with config.open("a", encoding="utf-8") as fh:
        fh.write(sw.security_config(str(out / "snapshots")))
    print(f"demo: security watch: {len(sw.SITES)} sites, patrols at ticks {PATROLS}", file=sys.stderr)
    if use_es:  # a fresh day: no baselines, queue or dismissals left by an earlier demo
        Store(load_config(config).elasticsearch).delete_indices()
    sw.set_tick(web, PATROLS[0])
    first = _patrol(targets, config, sw.as_of(PATROLS[0]).isoformat(), out / "watch-patrol-0.jsonl", use_es)
    dismissed: set[tuple[str, str, str]] = set()
    if use_es:
        store = Store(load_config(config).elasticsearch)
        queue = review.pending(store)
        print_queue(queue)
        confirm = next((d for d in queue if d["indicator"] == "SITE-SEC-MALWARE"), None)
        dismiss = next((d for d in queue if d["indicator"] == "SITE-SEC-DARK-LINK"), None)
        if confirm is not None:
            review.confirm(store, confirm["id"], by="demo", note="演示：确认挂马")
            print(f"review confirm {confirm['id']}: {confirm['message']} -> 已确认（单项否决）")
        if dismiss is not None:
            review.dismiss(store, dismiss["id"], by="demo", note="演示：驳回")
            dismissed.add((dismiss["target_id"], dismiss["indicator"], dismiss["subject_url"]))
            print(f"review dismiss {dismiss['id']}: {dismiss['message']} -> 已驳回，不再提示")
    else:
        print(f"demo: first patrol raised {len(first)} findings (the review step needs Elasticsearch)")
    sw.set_tick(web, LAST_TICK)
    last = _patrol(targets, config, sw.as_of(LAST_TICK).isoformat(), out / "watch-patrol-7.jsonl", use_es)
    pending = [f for f in last if f["status"] == "pending_review"]
    print(f"demo: patrol at tick {LAST_TICK}: {len(pending)} security hits awaiting review")
    return missed(sw.truth(web.port), last, dismissed)
