"""The site spider against the simulated government web, checked against its ground truth.

The crawl runs in a subprocess (a crawl owns its process's reactor) with the real Chromium for the
JavaScript list, and every item it yields is compared with ``world.truth()``: homepage freshness,
availability failures, dead links, rendered lists, encodings, empty columns, one TargetDone each.
The spider records facts; where the truth is a judgment (dead, confirmed, a column's category or
emptiness) the facts are judged by the rules (:mod:`tests.jsonl_runs`) as a sweep would.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.jsonl_runs import column_judged, crawl_to_jsonl, link_state, of_type, parse_date

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")


def _crawl(tmp: Path, targets: Path, config: Path, mode: str) -> list[dict[str, Any]]:
    return crawl_to_jsonl(targets, config, AS_OF, mode, tmp / f"{mode}.jsonl").records


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("spider")
    web = SimulatedWeb(build_world(AS_OF)).start()
    try:
        targets = web.write_targets_csv(tmp / "targets.csv")
        config = web.write_config(tmp / "config.toml")
        full = _crawl(tmp, targets, config, "full")
        patrol = _crawl(tmp, targets, config, "patrol")
        return {"truth": web.world.truth()["sites"], "full": full, "patrol": patrol}
    finally:
        web.stop()


def _homepage(items: list[dict], site_id: str) -> dict:
    (page,) = of_type(items, "PageObservation", target_id=site_id, role="homepage")
    return page


def _with_profile(truth: dict, profile: str) -> list[str]:
    ids = [sid for sid, site in truth.items() if profile in site["profiles"]]
    assert ids, f"the world plants no {profile!r} site"
    return ids


def _links(items: list[dict], site_id: str) -> dict[str, dict]:
    return {c["url"]: c for c in of_type(items, "LinkCheck", target_id=site_id)}


@pytest.mark.parametrize("mode", ["full", "patrol"])
def test_every_target_ends_with_exactly_one_target_done(crawled, mode):
    items = crawled[mode]
    done = Counter(i["target_id"] for i in of_type(items, "TargetDone"))
    assert done == Counter(dict.fromkeys(crawled["truth"], 1))
    for site_id in crawled["truth"]:
        mine = [n for n, i in enumerate(items) if i.get("target_id") == site_id]
        assert items[mine[-1]]["type"] == "TargetDone", f"{site_id}: an observation came after TargetDone"


def test_homepage_newest_date_is_the_truth_for_every_reachable_site(crawled):
    items, wrong = crawled["full"], []
    for site_id, truth in crawled["truth"].items():
        if not truth["reachable"]:
            continue
        home = _homepage(items, site_id)
        assert home["navigation_only"] is truth["navigation_only"], site_id
        if truth["navigation_only"]:
            firsts = of_type(items, "PageObservation", target_id=site_id, role="column", column_level=1)
            newest = max((parse_date(c["newest"]["date"]) for c in firsts if c["newest"]), default=None)
        else:
            newest = parse_date(home["newest"]["date"]) if home["newest"] else None
        if newest != parse_date(truth["home_latest"]):
            wrong.append(f"{site_id} {truth['profiles']}: {newest} != {truth['home_latest']}")
    assert wrong == []


def test_the_slow_homepage_times_out_at_15_seconds_and_the_closed_one_is_refused(crawled):
    (slow,) = _with_profile(crawled["truth"], "slow")
    (closed,) = _with_profile(crawled["truth"], "refused")
    probe = _homepage(crawled["full"], slow)
    assert probe["error"] == "timeout"
    assert probe["status"] is None
    assert 15_000 <= probe["elapsed_ms"] < 20_000
    assert _homepage(crawled["full"], closed)["error"] == "refused"


def test_every_planted_dead_link_is_dead_and_no_working_link_is(crawled):
    items, problems = crawled["full"], []
    for site_id, truth in crawled["truth"].items():
        checks = _links(items, site_id)
        for planted in truth["dead_links"]:
            check = checks.get(planted["url"])
            if check is None or not link_state(check).dead:
                problems.append(f"{site_id}: {planted['url']} ({planted['why']}) not dead: {check}")
            elif check["on_homepage"] is not planted["on_homepage"]:
                problems.append(f"{site_id}: {planted['url']} on_homepage={check['on_homepage']}")
        for url in truth["not_dead_links"]:
            if url in checks and link_state(checks[url]).dead:
                problems.append(f"{site_id}: working link {url} called dead: {checks[url]}")
    assert problems == []


def test_in_site_404s_and_soft_404s_are_confirmed(crawled):
    items = crawled["full"]
    seen = Counter()
    for site_id, truth in crawled["truth"].items():
        checks = _links(items, site_id)
        for planted in truth["dead_links"]:
            internal = planted["url"].split("/")[2] == truth["url"].split("/")[2]
            if planted["why"] == "soft404" or (planted["why"] == "404" and internal):
                seen[planted["why"]] += 1
                assert link_state(checks[planted["url"]]).confirmed, planted
    assert seen["soft404"]
    assert seen["404"]


def test_the_link_refusing_head_is_checked_by_get_and_alive(crawled):
    (site_id,) = _with_profile(crawled["truth"], "head_405")
    checks = _links(crawled["full"], site_id)
    alive = crawled["truth"][site_id]["not_dead_links"]
    assert alive
    for url in alive:
        assert (checks[url]["method"], checks[url]["status"], link_state(checks[url]).dead) == (
            "GET",
            200,
            False,
        )


def test_names_resolve_only_through_the_configured_map(crawled):
    """Every simulated host exists only in [network] resolve; the one left out fails as DNS, at once."""
    reached = [sid for sid, t in crawled["truth"].items() if t["reachable"]]
    assert all(_homepage(crawled["full"], sid)["status"] == 200 for sid in reached)
    dns = [
        _links(crawled["full"], sid)[link["url"]]
        for sid, truth in crawled["truth"].items()
        for link in truth["dead_links"]
        if link["why"] == "dns"
    ]
    assert dns
    assert all(c["error"] == "dns" and c["elapsed_ms"] < 2_000 for c in dns)


def test_the_javascript_list_is_rendered_in_chromium_and_dated(crawled):
    items, found = crawled["full"], 0
    for site_id, truth in crawled["truth"].items():
        for column in (c for c in truth["columns"] if c["js"]):
            (page,) = of_type(items, "PageObservation", target_id=site_id, url=column["url"])
            assert page["rendered"] is True
            assert parse_date(page["newest"]["date"]) == parse_date(column["latest"])
            found += 1
    assert found
    rendered = [p for p in of_type(items, "PageObservation") if p["rendered"]]
    # browser only when needed: the script-written lists, and the one script-written search answer
    assert sum(1 for p in rendered if p["role"] != "search") == found
    script_search = {sid for sid, t in crawled["truth"].items() if "search_js" in t["profiles"]}
    assert {p["target_id"] for p in rendered if p["role"] == "search"} == script_search


@pytest.mark.parametrize("profile", ["gbk", "gbk_mislabelled"])
def test_gbk_pages_give_correct_chinese_titles(crawled, profile):
    for site_id in _with_profile(crawled["truth"], profile):
        home = _homepage(crawled["full"], site_id)
        assert crawled["truth"][site_id]["name"] in home["title"]
        assert "\ufffd" not in home["title"] + "".join(i["title"] for i in home["items"])


def test_columns_are_observed_and_judged_with_the_truths_category_and_emptiness(crawled):
    items, problems = crawled["full"], []
    for site_id, truth in crawled["truth"].items():
        if not truth["reachable"]:
            continue
        pages = {p["url"]: p for p in of_type(items, "PageObservation", target_id=site_id, role="column")}
        for column in truth["columns"]:
            page = pages.get(column["url"])
            if page is None:
                problems.append(f"{site_id}: column {column['name']} not fetched")
            elif column_judged(page) != (column["category"], column["empty"]):
                problems.append(f"{site_id}: {column['name']} {column_judged(page)} vs {column}")
            elif parse_date(page["newest"] and page["newest"]["date"]) != parse_date(column["latest"]):
                problems.append(f"{site_id}: {column['name']} newest {page['newest']} vs {column['latest']}")
    assert problems == []


def test_a_patrol_fetches_homepages_and_their_links_only(crawled):
    items, truth = crawled["patrol"], crawled["truth"]
    columns = {p["target_id"] for p in of_type(items, "PageObservation", role="column")}
    assert columns == set(_with_profile(truth, "nav_only"))  # judged by its second-level pages
    assert not of_type(items, "PageObservation", role="sitemap")
    assert all(c["on_homepage"] for c in of_type(items, "LinkCheck"))
    for site_id, site in truth.items():
        homepage_dead = {link["url"] for link in site["dead_links"] if link["on_homepage"]}
        assert homepage_dead <= {c["url"] for c in _links(items, site_id).values() if link_state(c).dead}
