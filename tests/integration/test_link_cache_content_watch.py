"""The link cache with the content watch on: a second sweep of an unchanged site judges the same.

Two full sweeps of one site of the simulated web (S018: dead homepage links -- a missing image, a
refused external host -- and an attachment the content watch fetches, which keeps the site open
after its links are answered) with the shared link cache and the content watch both on. The second
sweep answers the site's external links, images and attachments from the link cache, and its in-site
pages and files from the text cache (their texts as the first sweep read them), so it asks for at
most a fifth of the first's requests; yet its findings are the first's, status for status: a link
that still fails stays open, never rectified. The content watch loses nothing either: every text of
the first sweep is there again, and no observation reaches the recorder after its site was judged.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crawlers.config import load_config
from govpatrol.services import ensure_redis
from pipelines.store import Store
from simweb.server import SimulatedWeb
from simweb.sites import REFUSED_EXTERNAL_HOST
from simweb.world import build_world
from tests.jsonl_runs import of_type, sweep_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
SITE = "S018"
LATE = "arrived after the target was judged"
ATTACHMENT = "/attach/2023/P020230915123456.pdf"  # dead; the content watch downloads it


def judged(records: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(x["indicator"], x["subject"], x["status"]) for x in of_type(records, "finding")}


def texts(docs: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(d["url"], d["digest"]) for d in docs if d.get("doc_type") == "text"}


def test_a_cached_sweep_with_the_content_watch_keeps_dead_links_open_and_reads_every_text(
    tmp_path, es_url, measurements
):
    web = SimulatedWeb(build_world(AS_OF)).start()
    prefix = f"govpatrol-it-{uuid.uuid4().hex[:8]}"
    try:
        every = web.write_targets_csv(tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()
        targets = tmp_path / "targets.csv"
        targets.write_text("\n".join([every[0], *(r for r in every[1:] if r.startswith(SITE))]) + "\n")
        config = web.write_config(tmp_path / "config.toml", es_url=es_url, index_prefix=prefix)
        with config.open("a", encoding="utf-8") as out:
            out.write(
                "\n[crawl]\nlink_cache_hours = 24\nlink_cache_page_hours = 6\nlink_cache_failed_hours = 1\n"
                f"http_cache_dir = {str(tmp_path / 'pages')!r}\n\n"
                f"[distributed]\nredis_url = {ensure_redis()!r}\n\n"
                "[content_watch]\nenabled = true\n"
            )
        runs, asked = [], []
        for n in range(2):
            web.requests_served(reset=True)
            runs.append(sweep_to_jsonl(targets, config, AS_OF, tmp_path / f"sweep{n}.jsonl"))
            asked.append(web.requests_served())
        store = Store(load_config(config).elasticsearch)
        store.refresh("observations")
        stored = [
            store.observations_of_sweep(
                next(r["id"] for r in run.records if r["type"] == "sweep"), ("link", "text")
            )
            for run in runs
        ]
    finally:
        web.stop()
        Store(load_config(config).elasticsearch).delete_indices()

    first, second = runs
    measurements["link cache + content watch (1 site)"] = (
        f"first {asked[0]} requests, second {asked[1]} ({100 * asked[1] / max(asked[0], 1):.0f} %)"
    )
    # the cache answered the second sweep: its external links, images and attachments are copies
    links = [d for d in stored[1] if d.get("doc_type") == "link"]
    not_pages = [d for d in links if d["kind"] != "page"]
    assert not_pages
    # ... the dead attachment the content watch downloads for its text too: whether that download
    # lands before the site's links begin is chance, and it decides nothing
    assert any(d["url"].endswith(ATTACHMENT) for d in not_pages)
    assert all(d.get("cached") for d in not_pages), [d["url"] for d in not_pages if not d.get("cached")]
    assert asked[1] <= 0.2 * asked[0], f"second sweep asked {asked[1]} of the first's {asked[0]}"

    # the same findings, status for status; the dead links still failing stay open
    assert judged(second.records) == judged(first.records)
    dead = [x for x in of_type(second.records, "finding") if x["indicator"].startswith("SITE-DED-DEAD-LINK")]
    assert any(REFUSED_EXTERNAL_HOST in x["subject"] for x in dead)
    assert dead
    assert all(x["status"] == "open" for x in dead)
    assert not of_type(second.records, "finding", status="rectified")

    # the content watch read every text again
    assert texts(stored[0])
    assert texts(stored[1]) == texts(stored[0])
    assert LATE not in first.stderr + second.stderr
