"""Incremental sweeps: a second sweep of an unchanged web asks for a fifth of what the first asked.

Link results are kept in the shared Redis for their class's ``[crawl] link_cache_*hours`` and pages
are revalidated with ``If-None-Match`` (``[crawl] http_cache_dir``). Three sweeps of the same sites:
the first (nothing kept) against the second (the web unchanged: the same findings, at most 20 % of
the requests, and a suspected dead link answered from the cache is not one more failed try); then a
homepage changes and the third sweep reads it again and finds the dead link it now carries.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from crawlers.config import load_config
from govpatrol.services import ensure_redis
from pipelines.store import Store
from simweb.model import Response
from simweb.server import SimulatedWeb
from simweb.sites import REFUSED_EXTERNAL_HOST
from simweb.world import build_world
from tests.jsonl_runs import of_type, sweep_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
SITES = ("S001", "S002", "S018")
CHANGED = "S001"
NEW_DEAD = "/incremental-new-dead-link.html"


def findings(records: list[dict]) -> set[tuple[str, str, str]]:
    return {(x["target_id"], x["indicator"], x["subject"]) for x in of_type(records, "finding")}


def refused_tries(records: list[dict]) -> list[int]:
    return [
        x["evidence"].get("failed_tries")
        for x in of_type(records, "finding", status="open")
        if REFUSED_EXTERNAL_HOST in x["subject"]
    ]


def test_a_second_sweep_of_an_unchanged_web_asks_a_fifth_and_a_changed_page_is_read(
    tmp_path, es_url, measurements
):
    web = SimulatedWeb(build_world(AS_OF)).start()
    prefix = f"govpatrol-it-{uuid.uuid4().hex[:8]}"
    try:
        every = web.write_targets_csv(tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()
        targets = tmp_path / "targets.csv"
        targets.write_text("\n".join([every[0], *(r for r in every[1:] if r.startswith(SITES))]) + "\n")
        config = web.write_config(tmp_path / "config.toml", es_url=es_url, index_prefix=prefix)
        with config.open("a", encoding="utf-8") as out:
            out.write(
                "\n[crawl]\nlink_cache_hours = 24\nlink_cache_page_hours = 6\nlink_cache_failed_hours = 1\n"
                f"http_cache_dir = {str(tmp_path / 'pages')!r}\n\n"
                f"[distributed]\nredis_url = {ensure_redis()!r}\n\n"
                "[content_watch]\nenabled = false\n"  # both on: test_link_cache_content_watch.py
            )
        runs, asked = [], []
        for n in range(2):
            web.requests_served(reset=True)
            runs.append(sweep_to_jsonl(targets, config, AS_OF, tmp_path / f"sweep{n}.jsonl"))
            asked.append(web.requests_served())

        store = Store(load_config(config).elasticsearch)
        store.refresh("observations")
        sweep_id = next(r["id"] for r in runs[1].records if r["type"] == "sweep")
        links = [d for d in store.observations_of_sweep(sweep_id) if d.get("doc_type") == "link"]

        home = web.world.sites[CHANGED]
        page = web.world.lookup(home.host, "/")
        assert page is not None
        assert isinstance(page.body, str)
        changed = page.body.replace("</body>", f'<a href="{NEW_DEAD}">新栏目</a></body>', 1)
        web.set_route(home.host, "/", Response(body=changed))
        third = sweep_to_jsonl(targets, config, AS_OF, tmp_path / "sweep2.jsonl")
    finally:
        web.stop()
        Store(load_config(config).elasticsearch).delete_indices()

    first, second = runs
    measurements["incremental sweep (3 sites, unchanged web)"] = (
        f"first {asked[0]} requests, second {asked[1]} ({100 * asked[1] / max(asked[0], 1):.0f} %)"
    )
    assert asked[1] <= 0.2 * asked[0], f"second sweep asked {asked[1]} of the first's {asked[0]}"
    assert findings(second.records) == findings(first.records)
    assert findings(first.records)
    assert links
    assert sum(bool(d.get("cached")) for d in links) >= 0.8 * len(links)
    # the refused external link failed once: its copy in the second sweep is not a second try
    assert refused_tries(first.records) == refused_tries(second.records) == [1]
    new_dead = [x for x in of_type(third.records, "finding", target_id=CHANGED) if NEW_DEAD in x["subject"]]
    assert new_dead, "the changed homepage was not read again"
    assert findings(third.records) - findings(first.records) == {
        (x["target_id"], x["indicator"], x["subject"]) for x in new_dead
    }
