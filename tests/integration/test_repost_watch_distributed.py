"""The repost watch in a distributed patrol: the open event's watches travel in the sweep plan, a
``govpatrol worker`` records the accounts' repost facts, and the coordinator judges them — the event's
table then matches the planted truth as in a single-process sweep (real Redis and Elasticsearch)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import uuid
from contextlib import redirect_stdout
from datetime import datetime

from crawlers.config import ElasticsearchConfig
from govpatrol.cli import main
from govpatrol.distributed import connect
from govpatrol.events import event_rows
from govpatrol.services import ensure_redis
from pipelines.store import Store
from simweb.reposts import KEYWORDS, REGION, TITLE, URL, repost_world
from simweb.server import SimulatedWeb
from simweb.verify import compare_reposts
from simweb.world import build_world

AS_OF = datetime.fromisoformat("2026-10-08T10:00:00+08:00")


def test_a_distributed_patrol_watches_the_open_event(tmp_path, es_url: str, measurements) -> None:
    store = Store(ElasticsearchConfig(url=es_url, index_prefix=f"govpatrol-test-{uuid.uuid4().hex[:8]}"))
    store.ensure_indices()
    redis_url, prefix = ensure_redis(), f"govpatrol-it-{uuid.uuid4().hex[:8]}"
    web = SimulatedWeb(build_world(AS_OF), accounts=repost_world(AS_OF)).start()
    try:
        rows = list(csv.reader(web.write_targets_csv(tmp_path / "all.csv").open(encoding="utf-8")))
        targets = tmp_path / "accounts.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[1] == "account"])
        config = web.write_config(tmp_path / "office.toml", es_url=es_url, index_prefix=store.prefix)
        with config.open("a", encoding="utf-8") as fh:
            fh.write(f'\n[distributed]\nredis_url = {redis_url!r}\nkey_prefix = "{prefix}"\n')
        truth = web.truth()["reposts"]
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["event", "add", "--targets", str(targets), "--config", str(config), "--region", REGION,
                         "--title", TITLE, "--url", URL, "--keywords", ",".join(KEYWORDS),
                         "--published", truth["event"]["published"]]) == 0  # fmt: skip
        event_id = out.getvalue().strip()
        started = datetime.now()
        run = subprocess.run(
            [sys.executable, "-m", "govpatrol", "sweep", "--targets", str(targets), "--config", str(config),
             "--as-of", AS_OF.isoformat(), "--kind", "patrol", "--distributed", "--workers", "1", "--quiet",
             "--output", str(tmp_path / "out.jsonl")],
            capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-3000:]
        measurements["distributed patrol with an open event (10 accounts, 1 worker)"] = (
            f"{(datetime.now() - started).total_seconds():.1f} s"
        )
        store.refresh()
        table = event_rows(store, event_id, AS_OF)
        assert compare_reposts(truth, table) == []
        facts = store.search_all("observations", {"term": {"doc_type": "repost"}}, [{"fetched_at": "asc"}])
        assert {f["target_id"] for f in facts} == set(truth["accounts"])
    finally:
        web.stop()
        store.delete_indices()
        redis = connect(redis_url)
        keys = list(redis.scan_iter(f"{prefix}:*"))
        if keys:
            redis.delete(*keys)
