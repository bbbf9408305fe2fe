"""待审核 in headless Chromium on the simulated hacked sites: a real 2-hour patrol (with Chromium
screenshots) raises the planted hits; the officer sees a hidden link with its hiding CSS and the
page's screenshot, dismisses it (the next patrol does not raise it again), confirms a malicious
script (one alert is sent at once, the finding is open with the officer's name in its trail)."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawlers.config import load_config
from govpatrol.review import pending
from govpatrol.users import UserStore
from govpatrol.web.review import WHAT_ZH
from pipelines.store import Store
from simweb import securitywatch as sw
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.desk_browser import chromium, running_desk, shot, sign_in
from tests.integration.test_alerts import Robot
from tests.jsonl_runs import run_to_jsonl

PASSWORD = "duty-desk-password"
SITES = ("SW04", "SW07")  # hidden links in static HTML; an obfuscated script (the page is rendered)


def patrol(targets: Path, config: Path, tick: int, out: Path) -> list[dict[str, Any]]:
    args = ["-m", "govpatrol", "sweep", "--kind", "patrol", "--targets", str(targets)]
    args += ["--as-of", sw.as_of(tick).isoformat(), "--output", str(out), "--config", str(config), "--quiet"]
    return run_to_jsonl(args, out, 600).records


@pytest.fixture(scope="module")
def watch(tmp_path_factory: pytest.TempPathFactory, es_url: str) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("desk-review")
    web = SimulatedWeb(build_world(sw.as_of(0))).start()
    robot = Robot().start()
    store: Store | None = None
    try:
        every = list(csv.reader(sw.write_targets_csv(web, tmp / "all.csv").open(encoding="utf-8")))
        targets = tmp / "targets.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([every[0]] + [row for row in every[1:] if row[0] in SITES])
        config = web.write_config(
            tmp / "config.toml", es_url=es_url, index_prefix=f"govpatrol-test-{uuid.uuid4().hex[:8]}"
        )
        with config.open("a", encoding="utf-8") as fh:
            fh.write(sw.security_config(str(tmp / "snapshots")))
            fh.write(
                '\n[alerts]\nenabled = true\nwebhooks = [{ kind = "wecom", '
                f'url = "http://127.0.0.1:{robot.port}/cgi-bin/webhook/send?key=test" }}]\n'
            )
        loaded = load_config(config)
        store = Store(loaded.elasticsearch)
        sw.set_tick(web, 0)
        patrol(targets, config, 0, tmp / "patrol-0.jsonl")
        UserStore(store).add("duty1", "duty", PASSWORD, "值守员小王")
        yield {"web": web, "robot": robot, "store": store, "config": loaded, "path": config,
               "targets": targets, "tmp": tmp}  # fmt: skip
    finally:
        robot.stop()
        web.stop()
        if store is not None:
            store.delete_indices()


def test_officer_dismisses_a_hidden_link_and_confirms_a_malicious_script(watch: dict[str, Any]) -> None:
    store, robot, web = watch["store"], watch["robot"], watch["web"]
    queue = pending(store)
    dark = next(d for d in queue if d["target_id"] == "SW04" and d["indicator"] == "SITE-SEC-DARK-LINK")
    script_hits = [d for d in queue if d["target_id"] == "SW07" and d["indicator"] == "SITE-SEC-MALWARE"]
    # the hit whose page Chromium rendered carries the screenshot (SW07's scripts make the watch render it)
    malware = next(d for d in script_hits if (d["evidence"].get("snapshot") or {}).get("screenshot"))
    with running_desk(watch["config"]) as base, chromium() as browser:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        sign_in(page, base, "duty1", PASSWORD)
        page.goto(f"{base}/review")
        hit = page.locator(f"#hit-{dark['id']}")
        glance = hit.locator(".glance").inner_text()
        assert dark["evidence"]["css"] in glance or dark["evidence"]["technique_name"] in glance
        assert dark["evidence"]["url"] in glance
        script_hit = page.locator(f"#hit-{malware['id']}")
        assert WHAT_ZH[malware["evidence"]["what"]] in script_hit.locator(".glance").inner_text()
        screenshot = script_hit.locator("img[alt='本次截图']")  # the page was rendered in Chromium
        assert screenshot.count() == 1
        assert screenshot.evaluate("img => img.naturalWidth") > 0  # the PNG really loaded
        shot(page, "review")
        hit.locator("input[name=note]").fill("友情链接下拉菜单（测试驳回）")
        hit.locator("button[value=dismiss]").click()
        page.wait_for_load_state()
        assert "忽略" in page.inner_text("main")
        page.goto(f"{base}/review")
        assert page.locator(f"#hit-{dark['id']}").count() == 0
        posts_before = len(robot.posts)
        target = page.locator(f"#hit-{malware['id']}")
        target.locator("input[name=note]").fill("已通知网站管理员")
        target.locator("button[value=confirm]").click()
        page.wait_for_load_state()
        detail = page.inner_text("main")
        assert "值守员小王" in detail
        assert "已通知网站管理员" in detail
        shot(page, "finding-confirmed")
        assert len(robot.posts) == posts_before + 1  # one alert, at once
        assert dialogs == []
    doc = store.get_findings([malware["id"]])[malware["id"]]
    assert doc["status"] == "open"
    assert doc["review"]["by"] == "值守员小王"
    sw.set_tick(web, 3)
    records = patrol(watch["targets"], watch["path"], 3, watch["tmp"] / "patrol-3.jsonl")
    assert dark["id"] not in {r["id"] for r in records if r.get("type") == "finding"}  # never raised again
    assert dark["id"] not in {d["id"] for d in pending(store)}
    assert store.get_findings([dark["id"]])[dark["id"]]["status"] == "dismissed"
    assert len(robot.posts) == posts_before + 1  # the confirmed hit is not alerted twice
