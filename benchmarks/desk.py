"""``python -m benchmarks desk``: the duty desk's page times on a province-sized store.

Fills a throw-away index prefix with ``--targets`` targets (1,000), ``--findings`` findings (10,000;
2 % waiting for review), a month of 2-hour patrols, sites down, an open event of 200 accounts and a
duty roster, serves the desk
under uvicorn on loopback and times each page over HTTP as a signed-in officer: one warm-up, then
the median and the worst of ``--runs``. Not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from crawlers.config import Config, ElasticsearchConfig
from crawlers.dates import BEIJING
from crawlers.events import Event
from crawlers.models import Finding, Target
from govpatrol.events import open_event_store
from govpatrol.roster import set_duty
from govpatrol.services import ensure_elasticsearch
from govpatrol.users import UserStore
from pipelines.store import Store
from tests.desk_browser import running_desk

RESULTS = Path(__file__).resolve().parent / "results"
PAGES = (
    "/",
    "/review",
    "/events",
    "/findings",
    "/findings?region=苏州&status=open",
    "/log",
    "/roster",
    "/log.xlsx",
)
INDICATORS = (
    "SITE-VETO-HOME-STALE",
    "SITE-DED-DEAD-LINK",
    "SITE-VETO-UNREACHABLE",
    "ACCOUNT-NO-UPDATE",
    "SITE-SEC-WORDING",
)
REGIONS = ("江苏省苏州市", "江苏省苏州市昆山市", "江苏省南京市", "江苏省无锡市", "江苏省常州市")
LIMIT_MS = 300


def _fill(store: Store, targets: int, findings: int, now: datetime) -> None:
    rng = random.Random(19)
    batch: list[Finding] = []
    for i in range(findings):
        t = i % targets
        seen = now - timedelta(hours=rng.randint(1, 24 * 60))
        pending = i % 50 == 0
        batch.append(
            Finding(
                target_id=f"t{t:04d}",
                target_name=f"第{t}号政府网站",
                owner=f"{REGIONS[t % len(REGIONS)][3:]}第{t % 40}局",
                region=REGIONS[t % len(REGIONS)],
                indicator="SITE-SEC-WORDING" if pending else INDICATORS[i % 4],
                severity="veto",
                status="pending_review"
                if pending
                else rng.choice(["open", "open", "rectified", "unverified"]),
                subject=f"http://t{t:04d}.example/p/{i}.html",
                subject_url=f"http://t{t:04d}.example/p/{i}.html",
                message="首页栏目超过2周未更新",
                evidence={
                    "term": "错敏词",
                    "context": "这是一个错敏词的上下文",
                    "url": f"http://t{t:04d}.example/",
                }
                if pending
                else {},
                as_of=seen,
                first_seen=seen,
                last_seen=seen,
                kind="site",
                sweep_id=f"patrol-{i % 360}",
            )
        )
        if len(batch) == 2000:
            store.upsert_findings(batch)
            batch = []
    if batch:
        store.upsert_findings(batch)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for n in range(min(360, int((now - start).total_seconds() // 7200) + 1)):
        began = start + timedelta(hours=2 * n)
        store.write_sweep(
            {
                "id": f"patrol-{n}",
                "kind": "patrol",
                "as_of": began.isoformat(),
                "started_at": began.isoformat(),
                "ended_at": (began + timedelta(minutes=25)).isoformat(),
                "targets_planned": targets,
                "targets_done": targets,
                "targets_failed": 40,
                "targets_unverified": 3,
                "findings_opened": 5,
                "findings_closed": 2,
            }
        )
    down = []
    for t in range(0, targets, 50):  # 20 sites down
        down += [
            {"index": {"_index": store.index_name("alerts"), "_id": f"outage-t{t:04d}"}},
            {
                "id": f"outage-t{t:04d}",
                "kind": "outage",
                "target_id": f"t{t:04d}",
                "target_name": f"第{t}号政府网站",
                "state": "down",
                "down_since": (now - timedelta(minutes=30 + t)).isoformat(),
            },
        ]
    store.write_ops(down)
    accounts = [
        Target(id=f"a{i:03d}", kind="account", name=f"账号{i}", owner=f"第{i % 40}局", region=REGIONS[i % len(REGIONS)],
               url=f"http://weibo.example/u/{i}", platform="weibo").to_dict()
        for i in range(200)
    ]  # fmt: skip
    open_event_store(store).save(
        Event(
            id="ev-bench",
            title="防汛Ⅳ级应急响应通告",
            published=now - timedelta(minutes=40),
            accounts=accounts,
            created_at=now,
        )
    )
    for d in range(1, now.day + 1):
        set_duty(store, now.date().replace(day=d), "bench", "带班领导", by="bench")
    store.refresh()


def main(targets: int, findings: int, runs: int) -> dict[str, Any]:
    now = datetime.now(BEIJING)
    store = Store(
        ElasticsearchConfig(
            url=ensure_elasticsearch(), index_prefix=f"govpatrol-bench-{uuid.uuid4().hex[:8]}"
        )
    )
    store.ensure_indices()
    try:
        began = time.monotonic()
        _fill(store, targets, findings, now)
        UserStore(store).add("bench", "admin", "bench-password-1")
        print(f"filled {findings} findings over {targets} targets in {time.monotonic() - began:.1f} s")
        config = Config()
        config.elasticsearch = store.cfg
        times: dict[str, dict[str, float]] = {}
        with running_desk(config) as base, httpx.Client(base_url=base, timeout=60) as client:
            login = client.get("/login").text
            csrf = login.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            client.post("/login", data={"csrf": csrf, "username": "bench", "password": "bench-password-1"})
            for page in PAGES:
                samples = []
                for _ in range(runs + 1):
                    t0 = time.perf_counter()
                    resp = client.get(page)
                    samples.append((time.perf_counter() - t0) * 1000)
                    if resp.status_code == 404:
                        break
                    if resp.status_code != 200:
                        raise RuntimeError(f"{page}: HTTP {resp.status_code}")
                warm = samples[1:]
                if not warm:
                    print(f"{page:40} not served by this build")
                    continue
                times[page] = {
                    "median_ms": round(statistics.median(warm), 1),
                    "max_ms": round(max(warm), 1),
                    "kb": round(len(resp.content) / 1024, 1),
                }
                verdict = "ok" if times[page]["median_ms"] < LIMIT_MS else f"OVER {LIMIT_MS} ms"
                print(
                    f"{page:40} median {times[page]['median_ms']:7.1f} ms  max {times[page]['max_ms']:7.1f} ms  "
                    f"{times[page]['kb']:7.1f} KB  {verdict}"
                )
    finally:
        store.delete_indices()
    result = {
        "bench": "desk",
        "machine": {"nproc": os.cpu_count(), "load_avg_at_start": [round(x, 2) for x in os.getloadavg()]},
        "targets": targets,
        "findings": findings,
        "runs": runs,
        "limit_ms": LIMIT_MS,
        "pages": times,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "desk-latest.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return result
