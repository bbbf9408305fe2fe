"""The security watch's simulated day: 12 consecutive patrols, two hours apart, against ground truth.

Not a test (12 patrols take minutes): ``python -m benchmarks watchday``. The simulated web's watch
sites (simweb.securitywatch, SW01-SW11) change what they serve tick by tick -- healthy homepages churn
(news items, banner, date and weather, visitor counter), hacked ones gain their incident at its tick.
Each patrol is ``govpatrol sweep --kind patrol`` into a throw-away index prefix of the local
Elasticsearch (the baselines live there). Reported per patrol: security hits on the healthy sites
(0 expected), planted incidents due by then and not raised, hits raised before their incident
appears; the run fails (exit 1) on any of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from crawlers.config import load_config
from govpatrol.services import ensure_elasticsearch
from pipelines.store import Store
from simweb import securitywatch as sw
from simweb.server import SimulatedWeb
from simweb.world import build_world

WATCHED = ("SITE-SEC-", "SITE-DED-WRONG-LINK")


def patrol(targets: Path, config: Path, tick: int, out: Path) -> list[dict[str, Any]]:
    argv = [sys.executable, "-m", "govpatrol", "sweep", "--kind", "patrol", "--targets", str(targets)]
    argv += ["--as-of", sw.as_of(tick).isoformat(), "--output", str(out), "--config", str(config), "--quiet"]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"patrol {tick} failed: {proc.stderr[-2000:]}")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return [
        r
        for r in records
        if r["type"] == "finding" and r["indicator"].startswith(WATCHED) and r["status"] != "rectified"
    ]


def judge_patrol(truth: dict[str, Any], tick: int, found: list[dict[str, Any]]) -> dict[str, Any]:
    raised = {(f["target_id"], f["indicator"], f["subject_url"]) for f in found}
    due = {(w["target"], w["indicator"], w["subject"]) for w in truth["expect"] if w["tick"] <= tick}
    early = {(w["target"], w["indicator"], w["subject"]) for w in truth["expect"] if w["tick"] > tick}
    return {
        "tick": tick,
        "hits": len(found),
        "healthy_hits": sorted(
            f"{f['target_id']} {f['indicator']}" for f in found if f["target_id"] in truth["healthy"]
        ),
        "missed": sorted(" ".join(k) for k in due - raised),
        "early": sorted(" ".join(k) for k in early & raised),
        "unplanted": sorted(" ".join(k) for k in raised - due - early),
    }


def main() -> int:
    es_url = ensure_elasticsearch()
    prefix = f"govpatrol-watchday-{uuid.uuid4().hex[:8]}"
    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="watchday-") as tmp,
        SimulatedWeb(build_world(sw.as_of(0))) as web,
    ):
        work = Path(tmp)
        targets = sw.write_targets_csv(web, work / "targets.csv")
        config = web.write_config(work / "config.toml", es_url=es_url, index_prefix=prefix)
        with config.open("a", encoding="utf-8") as fh:
            fh.write(sw.security_config(str(work / "snapshots")))
        truth = sw.truth(web.port)
        try:
            for tick in range(sw.TICKS):
                sw.set_tick(web, tick)
                start = time.monotonic()
                row = judge_patrol(truth, tick, patrol(targets, config, tick, work / f"p{tick}.jsonl"))
                row["wall_s"] = round(time.monotonic() - start, 1)
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
        finally:
            Store(load_config(config).elasticsearch).delete_indices()
    bad = [r for r in rows if r["healthy_hits"] or r["missed"] or r["early"] or r["unplanted"]]
    print(
        f"{len(rows)} patrols: {'all as the truth says' if not bad else f'{len(bad)} differ from the truth'}"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
