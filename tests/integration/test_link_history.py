"""A suspected dead link is confirmed by its earlier tries, read from Elasticsearch across sweeps.

Link checks are stored as observations; before a site is judged, the recorder reads the earlier
checks of its suspected links (same target and URL, other sweeps, within ``retry_window_hours``)
and the dead-link rules count the failed tries. First with documents written directly (the window,
the target and the sweep that count), then end to end: the same site swept three times.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from crawlers.config import load_config
from crawlers.models import LinkCheck
from pipelines.judge import judge_site, load_rules
from pipelines.sinks import observation_doc
from pipelines.store import Store
from pipelines.stored import LinkHistory
from simweb.server import SimulatedWeb
from simweb.sites import REFUSED_EXTERNAL_HOST
from simweb.world import build_world
from tests.jsonl_runs import of_type, sweep_to_jsonl
from tests.unit import factories as f

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
RULES = load_rules()
URL = "http://zwfw.partner.gov.cn/"
DEAD_HOME = "SITE-DED-DEAD-LINK-HOME"


def refused(hours_ago: float, target_id: str = "site-001") -> LinkCheck:
    return f.dead_link(
        URL,
        target_id=target_id,
        kind="external",
        internal=False,
        status=None,
        error="refused",
        checked_at=f.AS_OF - timedelta(hours=hours_ago),
    )


def judged(store: Store, earlier: list[tuple[str, LinkCheck]]) -> list:
    store.write_observations([observation_doc(check, sweep) for sweep, check in earlier])
    site = LinkHistory(store, "sweep-now", RULES).fill(f.site(links=[refused(0)]))
    return [x for x in judge_site(site, f.AS_OF, RULES)[0] if x.indicator == DEAD_HOME]


def test_two_earlier_failed_tries_in_the_window_confirm_the_link(store):
    (hit,) = judged(store, [("sweep-a", refused(20)), ("sweep-b", refused(8))])
    assert (hit.level, hit.points, hit.evidence["confirmed"], hit.evidence["failed_tries"]) == (
        "violation",
        1.0,
        True,
        3,
    )


def test_tries_of_other_targets_of_this_sweep_or_outside_the_window_do_not_count(store):
    earlier = [
        ("sweep-a", refused(30)),  # outside 24 hours
        ("sweep-b", refused(8, target_id="site-002")),  # another site's check of the same URL
        ("sweep-now", refused(1)),  # this sweep's own document
        ("sweep-c", refused(4)),
    ]
    (hit,) = judged(store, earlier)
    assert (hit.level, hit.evidence["confirmed"], hit.evidence["failed_tries"]) == ("warning", False, 2)


def test_without_a_store_a_suspected_link_stays_an_early_warning():
    site = LinkHistory(None, "sweep-now", RULES).fill(f.site(links=[refused(0)]))
    (hit,) = [x for x in judge_site(site, f.AS_OF, RULES)[0] if x.indicator == DEAD_HOME]
    assert (hit.level, hit.severity, hit.points) == ("warning", "notice", 0.0)


def test_a_link_refused_on_three_sweeps_is_confirmed_on_the_third(tmp_path, es_url):
    web = SimulatedWeb(build_world(AS_OF)).start()
    prefix = f"govpatrol-it-{uuid.uuid4().hex[:8]}"
    try:
        every = web.write_targets_csv(tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()
        targets = tmp_path / "targets.csv"
        targets.write_text("\n".join([every[0], *(r for r in every[1:] if r.startswith("S018,"))]) + "\n")
        config = web.write_config(tmp_path / "config.toml", es_url=es_url, index_prefix=prefix)
        levels = []
        for n in range(3):
            run = sweep_to_jsonl(targets, config, AS_OF, tmp_path / f"sweep{n}.jsonl")
            (hit,) = [
                x
                for x in of_type(run.records, "finding", indicator=DEAD_HOME, status="open")
                if REFUSED_EXTERNAL_HOST in x["subject"]
            ]
            levels.append((hit["level"], hit["evidence"].get("failed_tries"), hit["points"]))
    finally:
        web.stop()
        Store(load_config(config).elasticsearch).delete_indices()
    assert levels == [("warning", 1, 0.0), ("warning", 2, 0.0), ("violation", 3, 1.0)]
