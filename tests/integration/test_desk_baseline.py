"""网页基线 in headless Chromium: after a legitimate redesign of a simulated site (SW02) its next patrol
raises 网页篡改 for review; the officer follows the hit to the site's baselines and accepts the page as
it looks now, with a reason -- the same acceptance as ``govpatrol baseline accept``, recorded with the
officer's name -- and the next patrol raises nothing. An inspector sees the baselines, not the form."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from crawlers.config import load_config
from govpatrol.review import audit, pending
from govpatrol.users import UserStore
from pipelines.store import Store
from pipelines.watchstore import load_baselines
from simweb import securitywatch as sw
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.desk_browser import chromium, running_desk, shot, sign_in
from tests.integration.test_desk_review import patrol
from tests.integration.test_security_watch import SECURITY, redesigned

PASSWORD = "duty-desk-password"
SITE, HOST = "SW02", "www.swb.gov.cn"


@pytest.fixture(scope="module")
def redesign(tmp_path_factory: pytest.TempPathFactory, es_url: str) -> Iterator[dict[str, Any]]:
    """SW02 patrolled as planted (its baseline recorded), then redesigned and patrolled again."""
    tmp = tmp_path_factory.mktemp("desk-baseline")
    web = SimulatedWeb(build_world(sw.as_of(0))).start()
    store: Store | None = None
    try:
        every = list(csv.reader(sw.write_targets_csv(web, tmp / "all.csv").open(encoding="utf-8")))
        targets = tmp / "targets.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([every[0]] + [row for row in every[1:] if row[0] == SITE])
        config = web.write_config(
            tmp / "config.toml", es_url=es_url, index_prefix=f"govpatrol-test-{uuid.uuid4().hex[:8]}"
        )
        with config.open("a", encoding="utf-8") as fh:
            fh.write(sw.security_config(str(tmp / "snapshots")))
        loaded = load_config(config)
        store = Store(loaded.elasticsearch)
        sw.set_tick(web, 0)
        patrol(targets, config, 0, tmp / "patrol-0.jsonl")
        sw.set_tick(web, 5)
        web.set_route(HOST, "/", redesigned(web.port))
        patrol(targets, config, 5, tmp / "patrol-5.jsonl")
        users = UserStore(store)
        users.add("duty1", "duty", PASSWORD, "值守员小王")
        users.add("insp1", "inspector", PASSWORD, "检查员老李")
        yield {"web": web, "store": store, "config": loaded, "path": config, "targets": targets, "tmp": tmp}
    finally:
        web.stop()
        if store is not None:
            store.delete_indices()


def test_the_officer_accepts_a_redesign_and_the_next_patrol_raises_nothing(redesign: dict[str, Any]) -> None:
    store, web = redesign["store"], redesign["web"]
    tamper = next(d for d in pending(store) if d["target_id"] == SITE and d["indicator"] == "SITE-SEC-TAMPER")
    home = sw.url(web.port, HOST)
    with running_desk(redesign["config"]) as base, chromium() as browser:
        page = browser.new_page()
        sign_in(page, base, "duty1", PASSWORD)
        page.goto(f"{base}/review")
        page.locator(f"#hit-{tamper['id']} a.to-baseline").click()
        page.wait_for_load_state()
        assert page.url == f"{base}/baseline/{SITE}"
        section = page.locator("section.baseline", has_text=home)
        assert "第 1 版" in section.inner_text()
        section.locator("input[name=note]").fill("网站改版（新版首页）")
        section.locator("button[type=submit]").click()
        page.wait_for_load_state()
        accepted = page.locator("section.baseline", has_text=home).inner_text()
        assert "第 2 版" in accepted
        assert "值守员小王" in accepted
        assert "网站改版（新版首页）" in accepted
        assert "（新版）" in accepted  # the redesigned page's title is the baseline's now
        shot(page, "baseline-accepted")

        inspector = browser.new_page()
        sign_in(inspector, base, "insp1", PASSWORD)
        inspector.goto(f"{base}/baseline/{SITE}")
        assert "第 2 版" in inspector.inner_text("main")
        assert inspector.locator("form.accept").count() == 0  # inspectors look, officers accept

    base_now = load_baselines(store, [SITE])[SITE][home]
    assert (base_now.version, base_now.accepted_by, base_now.note) == (
        2,
        "值守员小王",
        "网站改版（新版首页）",
    )
    trail = audit(store, target_id=SITE)
    assert [(a["action"], a["by"], a["note"]) for a in trail] == [
        ("baseline_accept", "值守员小王", "网站改版（新版首页）")
    ]
    sw.set_tick(web, 7)
    web.set_route(HOST, "/", redesigned(web.port))
    records = patrol(redesign["targets"], redesign["path"], 7, redesign["tmp"] / "patrol-7.jsonl")
    raised = [r for r in records if r.get("type") == "finding" and r["indicator"] in SECURITY]
    assert [r for r in raised if r["target_id"] == SITE] == []  # the accepted look is the baseline
