"""The duty desk driven in headless Chromium: an officer signs in, searches and exports findings, an
admin puts an officer on the roster and the month's log names them and exports as the ledger; pages
without a session send the browser to the login page and a form without its CSRF token is refused.
Every page is saved as a screenshot under artifacts/desk/."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from crawlers.config import Config, ElasticsearchConfig
from crawlers.dates import BEIJING
from crawlers.models import Finding
from crawlers.watchmodels import PageSnapshot
from govpatrol.users import UserStore
from pipelines.snapshots import SnapshotStore
from pipelines.store import Store
from pipelines.watchstore import write_review
from tests.desk_browser import chromium, running_desk, shot, sign_in

PASSWORD = "duty-desk-password"
NOW = datetime.now(BEIJING).replace(microsecond=0)
MONTH = NOW.strftime("%Y-%m")


def _finding(target: str, indicator: str, message: str, **extra: Any) -> Finding:
    fields: dict[str, Any] = {
        "target_id": target,
        "target_name": f"{target} 网站",
        "owner": "昆山市公安局" if "ks" in target else "苏州市教育局",
        "region": "江苏省苏州市昆山市" if "ks" in target else "江苏省苏州市",
        "indicator": indicator,
        "severity": "veto",
        "status": "open",
        "subject_url": f"http://{target}.example/",
        "message": message,
        "evidence": {},
        "as_of": NOW - timedelta(hours=1),
        "first_seen": NOW - timedelta(hours=1),
        "last_seen": NOW - timedelta(hours=1),
        "kind": "site",
        "sweep_id": "patrol-now",
    }
    fields.update(extra)
    return Finding(**fields)


@pytest.fixture(scope="module")
def world(es_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Config]]:
    store = Store(ElasticsearchConfig(url=es_url, index_prefix=f"govpatrol-test-{uuid.uuid4().hex[:8]}"))
    store.ensure_indices()
    store.upsert_findings(
        [
            _finding("ks-gaj", "SITE-VETO-HOME-STALE", "首页栏目超过2周未更新"),
            _finding("sz-jyj", "SITE-VETO-HOME-STALE", "首页栏目超过2周未更新 <script>alert(1)</script>"),
        ]
    )
    start = NOW - timedelta(hours=1)
    store.write_sweep(
        {
            "id": "patrol-now",
            "kind": "patrol",
            "as_of": start.isoformat(),
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(minutes=12)).isoformat(),
            "targets_planned": 2,
            "targets_done": 2,
            "targets_failed": 2,
            "targets_unverified": 0,
            "findings_opened": 2,
            "findings_closed": 0,
        }
    )
    down = {"id": "outage-ks-gaj", "kind": "outage", "target_id": "ks-gaj", "target_name": "ks-gaj 网站",
            "owner": "昆山市公安局", "state": "down", "down_since": (NOW - timedelta(hours=3, minutes=5)).isoformat()}  # fmt: skip
    up = {**down, "id": "outage-sz-jyj", "target_id": "sz-jyj", "target_name": "sz-jyj 网站", "state": "up"}
    store.write_ops(
        [
            op
            for doc in (down, up)
            for op in ({"index": {"_index": store.index_name("alerts"), "_id": doc["id"]}}, doc)
        ]
    )
    store.refresh()
    users = UserStore(store)
    users.add("admin1", "admin", PASSWORD, "管理员老李")
    users.add("duty1", "duty", PASSWORD, "值守员小王")
    config = Config()
    config.elasticsearch = store.cfg
    config.security.snapshot_dir = str(tmp_path_factory.mktemp("snapshots"))
    yield store, config
    store.delete_indices()


@pytest.fixture(scope="module")
def desk(world: tuple[Store, Config]) -> Iterator[tuple[str, Any]]:
    _, config = world
    with running_desk(config) as base, chromium() as browser:
        yield base, browser


def test_pages_without_a_login_go_to_it_and_forms_need_their_token(desk: tuple[str, Any]) -> None:
    base, browser = desk
    page = browser.new_page()
    page.goto(f"{base}/findings?region=苏州")
    assert "/login?next=" in page.url
    shot(page, "login")
    sign_in(page, base, "admin1", PASSWORD)
    page.goto(f"{base}/findings?region=苏州")
    assert "/findings" in page.url
    refused = page.request.post(f"{base}/logout", form={"note": "no token"})
    assert refused.status == 403
    assert "CSRF" in refused.text()
    page.goto(f"{base}/")
    assert "管理员老李" in page.inner_text("header")  # the refused form changed nothing
    page.close()


def test_officer_sees_today_searches_and_exports_findings(desk: tuple[str, Any], tmp_path: Any) -> None:
    base, browser = desk
    page = browser.new_page(accept_downloads=True)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, base, "duty1", PASSWORD)
    today = page.inner_text("main")
    assert "上次巡检：日常巡检(2小时)" in today
    assert "ks-gaj 网站" in today
    down = page.inner_text("section:has(h2:has-text('当前宕机的网站'))")
    assert "当前宕机的网站（1）" in down
    assert re.search(r"3小时\d+分", down)  # down since 3 h 5 min before the module started
    assert "sz-jyj" not in down  # back up
    assert "自 " in today
    assert page.locator("#all-quiet").count() == 0
    shot(page, "today")
    page.goto(f"{base}/findings")
    page.fill("input[name=region]", "昆山")
    page.click("form.filters button[type=submit]")
    table = page.inner_text("table.findings")
    assert "昆山市公安局" in table
    assert "苏州市教育局" not in table
    shot(page, "findings")
    with page.expect_download() as download:
        page.click("#export")
    path = tmp_path / "findings.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["昆山市公安局"]
    page.goto(f"{base}/findings?owner=教育局")
    page.click("table.findings a")
    assert "<script>alert(1)</script>" in page.inner_text("main")  # shown as text, never run
    assert dialogs == []
    shot(page, "finding")
    page.goto(f"{base}/")  # the second visit: nothing new since the first
    assert "以来的新问题（0）" in page.inner_text("main")
    page.close()


def test_admin_puts_an_officer_on_duty_and_the_log_names_them(
    desk: tuple[str, Any], world: tuple[Store, Config], tmp_path: Any
) -> None:
    base, browser = desk
    page = browser.new_page(accept_downloads=True)
    sign_in(page, base, "admin1", PASSWORD)
    page.goto(f"{base}/roster?month={MONTH}")
    day = (NOW - timedelta(hours=1)).date().isoformat()
    row = page.locator("tr", has=page.locator(f"input[name=day][value='{day}']"))
    row.locator("select[name=officer]").select_option("duty1")
    row.locator("input[name=leader]").fill("张科长")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "duty1" in page.locator("tr", has=page.locator(f"input[name=day][value='{day}']")).inner_text()
    shot(page, "roster")
    write_review(world[0], {"action": "dismiss", "at": (NOW - timedelta(minutes=30)).isoformat(),
                                  "by": "值守员小王", "note": "误报", "finding_id": "f-1", "target_id": "sz-jyj",
                                  "target_name": "sz-jyj 网站", "indicator": "SITE-SEC-DARK-LINK"})  # fmt: skip
    world[0].refresh("reviews")
    page.goto(f"{base}/log?month={MONTH}")
    log = page.inner_text("table.log")
    assert "值守员小王 忽略 sz-jyj 网站" in log  # who reviewed what, under the patrol it followed
    assert "日常巡检(2小时)" in log
    assert "duty1" in log
    assert "张科长" in log
    shot(page, "log")
    with page.expect_download() as download:
        page.click("#export")
    path = tmp_path / "ledger.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(path).active
    assert str(sheet.cell(1, 1).value).startswith("巡网台账")
    assert "patrol-now" in [c.value for c in sheet[3]]
    page.close()
    duty = browser.new_page()
    sign_in(duty, base, "duty1", PASSWORD)
    duty.goto(f"{base}/roster?month={MONTH}")
    assert duty.locator("form[action='/roster'][method=post]").count() == 0  # only an admin edits
    duty.close()


HOSTILE = """<!DOCTYPE html><html><head><title>被篡改的页面</title>
<meta http-equiv="refresh" content="0;url=/beacon?refresh">
<link rel="stylesheet" href="/beacon?css">
<script>document.title = "pwned"; fetch("/beacon?script"); alert("script")</script>
<base href="http://127.0.0.1:1/"></head>
<body onload="fetch('/beacon?onload')">
<img src="/beacon?img-src" onerror="fetch('/beacon?onerror'); alert('onerror')">
<a id="js" href="javascript:fetch('/beacon?javascript-link');alert('link')">点击领取</a>
<iframe src="/beacon?iframe"></iframe><svg onload="alert('svg')"></svg>
<form action="/beacon?form"><button>提交</button></form></body></html>"""


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (320, 200), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def test_a_hostile_snapshot_and_hostile_evidence_run_nothing(
    desk: tuple[str, Any], world: tuple[Store, Config]
) -> None:
    base, browser = desk
    store, config = world
    snaps = SnapshotStore(Path(config.security.snapshot_dir))
    ref = snaps.save(
        PageSnapshot(
            target_id="ks-gaj", url="http://ks-gaj.example/", variant="browser", taken_at=NOW,
            digest=hashlib.sha256(HOSTILE.encode()).hexdigest(), html=HOSTILE,
            screenshot_b64=base64.b64encode(_png()).decode("ascii"),
        )
    )  # fmt: skip
    hostile = _finding(
        "ks-gaj", "SITE-SEC-DARK-LINK", '首页发现暗链 <img src=x onerror="alert(7)">', status="pending_review",
        subject_url="javascript:alert(8)",
        evidence={"technique_name": "<img src=x onerror=alert(3)>", "css": "display:none</code><script>alert(4)</script>",
                  "text": "<b onmouseover=alert(5)>博彩</b>", "url": "javascript:alert(6)", "host": "bet.example",
                  "page": "http://ks-gaj.example/", "snapshot": ref},
    )  # fmt: skip
    store.upsert_findings([hostile])
    store.refresh("findings")
    page = browser.new_page()
    ran: list[str] = []
    page.on("dialog", lambda d: (ran.append(f"dialog {d.message}"), d.dismiss()))
    page.on("request", lambda r: ran.append(r.url) if "beacon" in r.url else None)
    page.on("popup", lambda p: ran.append(f"popup {p.url}"))
    sign_in(page, base, "admin1", PASSWORD)
    page.goto(f"{base}/review")
    hit = page.locator(f"#hit-{hostile.id}")
    assert "<img src=x onerror=alert(3)>" in hit.inner_text()  # shown as text
    assert hit.locator("img[alt='本次截图']").evaluate("img => img.naturalWidth") == 320
    hit.locator("summary").click()
    frame_element = hit.locator("iframe.snapshot")
    assert frame_element.get_attribute("sandbox") == ""
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_load_state()
    assert "document.title" in frame.inner_text("body")  # the source, as text
    assert frame.locator("script, a, iframe, form, img[onerror]").count() == 0
    shot(page, "review-hostile")
    page.goto(f"{base}/snapshot/{hostile.id}")  # opened on its own: still nothing runs
    page.wait_for_load_state()
    assert page.evaluate("() => window.origin") == "null"  # CSP sandbox: an opaque origin, not the desk's
    assert page.title().startswith("页面快照")
    response = page.request.get(f"{base}/snapshot/{hostile.id}")
    assert response.headers["content-security-policy"].startswith("sandbox")
    assert ran == []
    page.close()
