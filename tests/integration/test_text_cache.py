"""Incremental full sweeps with the content watch on: what was read is replayed, not fetched again.

Full sweeps of the content watch's planted site (CW01: pages with wrong expressions and personal
numbers, and its 公示 page's attachments in every format) and of S018 (a site of 170-odd pages and
files whose texts are read) with the shared link cache and the text cache on (``[crawl]
link_cache_*hours``, one Redis). Before the first sweep CW01's homepage is made to carry an outdated
official name too.

1. The second sweep of the unchanged site asks for at most a fifth of the first's requests, and its
   findings are the first's, status for status and fingerprint for fingerprint: every planted hit is
   raised again (recall and precision 1.0 against the ground truth), pending review.
2. A person confirms the homepage's hit; the homepage then changes (its route serves another text:
   the old name replaced by another outdated one). The next sweep reads the changed page: the new
   hit is raised and the confirmed old one is rectified.
3. An office adds its own entry (an indicator override) for a phrase of a page the cache replays:
   the next sweep raises it on that page from the kept text, without fetching the page again (its
   finding's text is the one the first sweep read).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crawlers.config import load_config
from crawlers.models import Finding
from crawlers.records import record_from_dict
from govpatrol.review import confirm
from govpatrol.services import ensure_redis
from pipelines.store import Store
from simweb import contentwatch
from simweb.model import Response
from simweb.server import SimulatedWeb
from simweb.verify import compare_content_watch
from simweb.world import build_world
from tests.jsonl_runs import Run, of_type, sweep_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
SITE = contentwatch.TARGET_ID
SITES = (SITE, "S018")
OLD, NEW = "国家工商行政管理总局", "国家质量监督检验检疫总局"  # outdated names (saic, aqsiq)
OFFICE_TERM = (
    "点击进入"  # in /xwdt/a3.html's text (a page the link checks read); no shipped dictionary has it
)
WORDING = "SITE-SEC-WORDING"
LATE = "arrived after the target was judged"


def judged(run: Run) -> set[tuple[str, str, str, str]]:
    return {
        (x["indicator"], x["subject"], x["status"], x.get("fingerprint") or "")
        for x in of_type(run.records, "finding")
    }


def wording_on(run: Run, url: str, term: str, status: str | None = None) -> list[dict[str, Any]]:
    return [
        x
        for x in of_type(run.records, "finding", indicator=WORDING, subject=url)
        if x["evidence"].get("term") == term and (status is None or x["status"] == status)
    ]


def test_a_cached_full_sweep_replays_what_it_read_and_reads_what_changed(tmp_path, es_url, measurements):
    web = SimulatedWeb(build_world(AS_OF)).start()
    prefix = f"govpatrol-it-{uuid.uuid4().hex[:8]}"
    home_url, a3_url = web.url(contentwatch.HOST, "/"), web.url(contentwatch.HOST, "/xwdt/a3.html")
    try:
        every = web.write_targets_csv(tmp_path / "all.csv", content_watch=True).read_text(encoding="utf-8")
        rows = every.splitlines()
        targets = tmp_path / "targets.csv"
        targets.write_text("\n".join([rows[0], *(r for r in rows[1:] if r.startswith(SITES))]) + "\n")
        config = web.write_config(tmp_path / "config.toml", es_url=es_url, index_prefix=prefix)
        with config.open("a", encoding="utf-8") as out:
            out.write(
                "\n[crawl]\nlink_cache_hours = 24\nlink_cache_page_hours = 6\nlink_cache_failed_hours = 1\n"
                f"http_cache_dir = {str(tmp_path / 'pages')!r}\n\n"
                f"[distributed]\nredis_url = {ensure_redis()!r}\n"
            )
        home = web.world.lookup(contentwatch.HOST, "/")
        assert home is not None
        assert isinstance(home.body, str)
        notice = "<p>依据{}有关规定办理。</p></body>"
        web.set_route(
            contentwatch.HOST, "/", Response(body=home.body.replace("</body>", notice.format(OLD), 1))
        )
        truth = {"content_watch": web.truth()["content_watch"]}

        runs, asked = [], []
        for n in range(2):
            web.requests_served(reset=True)
            runs.append(sweep_to_jsonl(targets, config, AS_OF, tmp_path / f"sweep{n}.jsonl"))
            asked.append(web.requests_served())
        first, second = runs

        # 2. the homepage's hit is confirmed, then the homepage changes
        store = Store(load_config(config).elasticsearch)
        store.refresh("findings")
        (old_hit,) = wording_on(second, home_url, OLD, "pending_review")
        confirm(store, old_hit["id"], by="test")
        web.set_route(
            contentwatch.HOST, "/", Response(body=home.body.replace("</body>", notice.format(NEW), 1))
        )
        web.requests_served(reset=True)
        changed = sweep_to_jsonl(targets, config, AS_OF, tmp_path / "sweep2.jsonl")
        asked.append(web.requests_served())

        # 3. the office's own entry, on a page the cache replays
        override = tmp_path / "indicators.toml"
        override.write_text(
            f'[["{WORDING}".office_entries]]\nwrong = "{OFFICE_TERM}"\nright = "进入"\n',
            encoding="utf-8",
        )
        office = tmp_path / "office.toml"
        office.write_text(config.read_text(encoding="utf-8") + f"\n[indicators]\nfile = {str(override)!r}\n")
        web.requests_served(reset=True)
        extended = sweep_to_jsonl(targets, office, AS_OF, tmp_path / "sweep3.jsonl")
        asked.append(web.requests_served())
    finally:
        web.stop()
        Store(load_config(config).elasticsearch).delete_indices()

    measurements["text cache + content watch (CW01 + S018, unchanged)"] = (
        f"first {asked[0]} requests, second {asked[1]} ({100 * asked[1] / max(asked[0], 1):.0f} %); "
        f"homepage changed {asked[2]}; office entry added {asked[3]}"
    )
    # 1. a fifth of the requests, the same findings, every planted hit and nothing else
    for run in (first, second, changed, extended):
        assert LATE not in run.stderr, run.stderr[-3000:]
    assert asked[1] <= 0.2 * asked[0], f"second sweep asked {asked[1]} of the first's {asked[0]}"
    assert judged(second) == judged(first)
    for run in (first, second):
        found = [record_from_dict(Finding, x, extra="ignore") for x in of_type(run.records, "finding")]
        planted = [f for f in found if f.target_id == SITE and f.subject_url != home_url]
        assert compare_content_watch(truth, planted) == []
        assert wording_on(run, home_url, OLD, "pending_review")

    # 2. the changed page was read: its new hit raised, the confirmed old one rectified
    assert wording_on(changed, home_url, NEW, "pending_review")
    assert wording_on(changed, home_url, OLD, "rectified")
    others = {f for f in judged(changed) if f[1] != home_url}
    assert others == {f for f in judged(second) if f[1] != home_url}

    # 3. the office's entry raised on a replayed page: the text is the one the first sweep read
    (office_hit,) = wording_on(extended, a3_url, OFFICE_TERM, "pending_review")
    first_read = {x["evidence"]["fetched_at"] for x in of_type(first.records, "finding", subject=a3_url)}
    assert first_read
    assert office_hit["evidence"]["fetched_at"] in first_read
    assert asked[3] <= 0.2 * asked[0]
    assert not wording_on(changed, a3_url, OFFICE_TERM)
