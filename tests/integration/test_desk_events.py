"""重大事件转载 in headless Chromium on the simulated platforms: an event is registered with
`govpatrol event add`, `govpatrol event watch` runs twice at chosen check times, and the desk's table
changes as the repost appears -- from the same rows `govpatrol event show` prints."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from typing import Any

import pytest

from crawlers.config import load_config
from govpatrol.cli import main
from govpatrol.users import UserStore
from pipelines.store import Store
from simweb.reposts import KEYWORDS, REGION, TITLE, URL, repost_world
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.desk_browser import chromium, running_desk, shot, sign_in

AS_OF = datetime.fromisoformat("2026-10-08T10:00:00+08:00")
ACCOUNTS = ("E01", "E04")  # reposted after 25 minutes; never reposted
PASSWORD = "duty-desk-password"


def watch(args: list[str], at: datetime) -> None:
    """`govpatrol event watch` in its own process (a crawl owns its reactor)."""
    argv = [sys.executable, "-m", "govpatrol", "event", "watch", *args, "--as-of", at.isoformat(), "--quiet"]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, es_url: str) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("desk-events")
    accounts = repost_world(AS_OF)
    web = SimulatedWeb(build_world(AS_OF), accounts=accounts).start()
    store: Store | None = None
    try:
        rows = list(csv.reader(web.write_targets_csv(tmp / "all.csv").open(encoding="utf-8")))
        targets = tmp / "accounts.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[0] in ACCOUNTS])
        config = web.write_config(
            tmp / "office.toml", es_url=es_url, index_prefix=f"govpatrol-test-{uuid.uuid4().hex[:8]}"
        )
        loaded = load_config(config)
        store = Store(loaded.elasticsearch)
        store.ensure_indices()
        published = datetime.fromisoformat(web.truth()["reposts"]["event"]["published"])
        args = ["--targets", str(targets), "--config", str(config)]
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["event", "add", *args, "--region", REGION, "--title", TITLE, "--url", URL,
                         "--keywords", ",".join(KEYWORDS), "--published", published.isoformat()]) == 0  # fmt: skip
        UserStore(store).add("duty1", "duty", PASSWORD)
        e01 = next(a for a in accounts.accounts if a.target_id == "E01")
        yield {
            "args": args,
            "published": published,
            "config": loaded,
            "event_id": out.getvalue().strip(),
            "e01": e01,
        }
    finally:
        web.stop()
        if store is not None:
            store.delete_indices()


def _row(page: Any, account: str) -> str:
    return str(page.locator("table.reposts tr", has_text=account).inner_text())


def test_the_event_table_changes_as_the_repost_appears(office: dict[str, Any]) -> None:
    published, e01 = office["published"], office["e01"]
    repost = next(p for p in e01.posts if TITLE in p.title)
    e01.posts.remove(repost)  # the Weibo account has not reposted yet
    watch(office["args"], published + timedelta(minutes=10))
    with running_desk(office["config"]) as base, chromium() as browser:
        page = browser.new_page()
        sign_in(page, base, "duty1", PASSWORD)
        assert TITLE in page.inner_text("main")  # 今日值守 lists the open event
        page.goto(f"{base}/events")
        before = _row(page, "昆山发布")
        assert "已按时转载" not in before
        assert "昆山水务" in page.inner_text("table.reposts")
        shot(page, "events-before")
        e01.posts.insert(0, repost)  # now it has (25 minutes after the event)
        watch(office["args"], published + timedelta(minutes=40))
        page.reload()
        after = _row(page, "昆山发布")
        assert "已按时转载" in after
        assert "25分" in after
        assert "已按时转载" not in _row(page, "昆山水务")
        shot(page, "events")
