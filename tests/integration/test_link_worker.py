"""Link checks in a child process (``[crawl] link_workers = 2``) against the simulated web.

The child runs the same engine on its own event loop, so every answer must be the in-process
engine's: statuses, HEAD/GET fallbacks, soft-404 signals, failure classes and the SSRF guard's veto.
A child that dies loses nothing: it is started again and what it had in flight is asked again; a
check in flight at two deaths is answered as a failure that says why.
"""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime

import pytest

from crawlers.config import Config
from crawlers.guard import policy_for
from crawlers.pagewords import load_page_words
from simweb.model import Response
from simweb.server import SimulatedWeb
from simweb.world import build_world
from spiders.linkcheck import LinkResult, read_page, read_signals
from spiders.linkengine import EngineSettings, LinkEngine
from spiders.linkframes import ChildSetup
from spiders.linkworker import LinkWorker
from tests.jsonl_runs import crawl_to_jsonl, link_state, of_type

HOST = "worker.example.gov.cn"
PRIVATE = "private.example.gov.cn"
AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
PAGE = '<html><head><meta charset="utf-8"><title>通知公告</title></head><body><p>正文内容</p></body></html>'
SOFT404 = (
    '<html><head><meta charset="utf-8"><title>页面不存在</title></head>'
    "<body><h1>抱歉，您访问的页面不存在或已被删除</h1></body></html>"
)
ROUTES = {
    "/ok.html": Response(body=PAGE),
    "/nohead.html": Response(body=PAGE, head_status=405),
    "/soft404.html": Response(body=SOFT404),
    "/gone.html": Response(status=404, body="not here"),
    "/moved": Response(status=301, headers={"Location": "/ok.html"}),
    "/loop-a": Response(status=302, headers={"Location": "/loop-b"}),
    "/loop-b": Response(status=302, headers={"Location": "/loop-a"}),
    "/file.pdf": Response(body=b"%PDF-1.4 ...", content_type="application/pdf", charset=None),
}


@pytest.fixture(scope="module")
def web():
    web = SimulatedWeb(build_world(AS_OF)).start()
    for path, response in ROUTES.items():
        web.world.set_route(HOST, path, response)
    yield web
    web.stop()


def _setup(web: SimulatedWeb) -> ChildSetup:
    """The real guard of a config that allows the simulated host on its port and nothing private."""
    config = Config.model_validate(
        {
            "network": {
                "offline": True,
                "allow_hosts": [f"{HOST}:{web.port}", f"127.0.0.1:{web.closed_port}"],
                "resolve": {HOST: "127.0.0.1", PRIVATE: "10.1.2.3"},
            }
        }
    )
    settings = EngineSettings(
        concurrency=8,
        per_host=2,
        timeout=5,
        resolve=dict(config.network.resolve),
        offline=True,
        keep_html=True,
    )
    return ChildSetup(settings, policy_for(config), load_page_words(), AS_OF.tzinfo or UTC)


def _asks(web: SimulatedWeb) -> list[tuple[str, str, bool]]:
    """(url, first method, in-site) of every case, in-site pages GET first as the spider asks them."""
    url = f"http://{HOST}:{web.port}"
    asks = [(f"{url}{path}", "HEAD", False) for path in ROUTES]
    asks += [(f"{url}/ok.html", "GET", True), (f"{url}/soft404.html", "GET", True)]
    asks += [(f"http://{PRIVATE}:{web.port}/", "HEAD", False)]  # the guard's veto
    asks += [(f"http://nowhere.example.gov.cn:{web.port}/", "HEAD", False)]  # not in the offline map
    asks += [(f"http://{HOST}:{web.closed_port}/", "HEAD", False)]  # refused
    return asks


def _facts(result: LinkResult) -> tuple:
    """What a LinkCheck records of a result, but when it was checked and how long it took."""
    detail = result.error_detail if result.error == "blocked" else ""
    return (result.method, result.status, result.error, detail, result.final_url, result.signals, result.html)


async def _in_process(setup: ChildSetup, asks: list[tuple[str, str, bool]]) -> dict:
    engine = LinkEngine(
        setup.settings,
        signals=lambda html: read_signals(html, setup.words),
        now=lambda: datetime.now(setup.tz),
        guard=setup.guard,
        reader=read_page,
    )
    try:
        found = await asyncio.gather(*(engine.check(u, first=f, internal=i) for u, f, i in asks))
    finally:
        await engine.close()
    return {(u, f): _facts(r) for (u, f, _i), r in zip(asks, found, strict=True)}


async def _in_child(worker: LinkWorker, asks: list[tuple[str, str, bool]], *, kills: int = 0) -> dict:
    """Every check through ``worker``; ``kills``: SIGKILL that many children while checks are in flight."""
    checks = [asyncio.ensure_future(worker.check(u, first=f, internal=i)) for u, f, i in asks]
    killed: set[int] = set()
    while len(killed) < kills:
        pid = worker.pid
        if pid is not None and pid not in killed and worker.in_flight:
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        await asyncio.sleep(0.005)
    found = await asyncio.gather(*checks)
    return {(u, f): _facts(r) for (u, f, _i), r in zip(asks, found, strict=True)} | {"_raw": found}


def test_the_child_process_answers_as_the_in_process_engine_does(web):
    setup, asks = _setup(web), _asks(web)

    async def run():
        worker = LinkWorker(setup)
        try:
            return await _in_process(setup, asks), await _in_child(worker, asks), worker
        finally:
            await worker.close()

    alone, child, worker = asyncio.run(run())
    child.pop("_raw")
    assert child == alone
    url = f"http://{HOST}:{web.port}"
    assert alone[(f"{url}/soft404.html", "GET")][5] is not None  # the soft-404 signals came back
    assert alone[(f"http://{PRIVATE}:{web.port}/", "HEAD")][2] == "blocked"
    assert alone[(f"{url}/loop-a", "HEAD")][2] == "redirect_loop"
    assert alone[(f"{url}/nohead.html", "HEAD")][:2] == ("GET", 200)
    assert worker.requests > len(asks)  # fallbacks and redirects counted from the child
    assert worker.restarts == 0


def test_a_killed_child_is_replaced_and_its_checks_are_asked_again(web):
    setup, asks = _setup(web), _asks(web)

    async def run():
        worker = LinkWorker(setup)
        try:
            return await _in_process(setup, asks), await _in_child(worker, asks, kills=1), worker
        finally:
            await worker.close()

    alone, child, worker = asyncio.run(run())
    child.pop("_raw")
    assert worker.restarts == 1
    assert child == alone  # nothing lost, nothing changed


def test_a_check_in_flight_at_two_deaths_is_a_failure_with_its_reason(web):
    setup, asks = _setup(web), _asks(web)

    async def run():
        worker = LinkWorker(setup)
        try:
            found = await _in_child(worker, asks, kills=2)
            after = await worker.check(f"http://{HOST}:{web.port}/ok.html")  # a third child answers
            return found, after, worker
        finally:
            await worker.close()

    child, after, worker = asyncio.run(run())
    results = child.pop("_raw")
    assert worker.restarts == 2
    assert len(results) == len(asks)  # every check answered
    failed = [r for r in results if r.error == "other" and "died twice" in r.error_detail]
    answered = [r for r in results if "died" not in r.error_detail]
    assert failed  # the second child was killed with the first one's checks in flight
    assert len(failed) + len(answered) == len(asks)
    assert (after.status, after.error) == (200, None)


SITES = ("S001", "S018", "S019")  # healthy; dead links, soft-404s and a HEAD-refusing server; a redirect loop
UNTIMED = ("checked_at", "elapsed_ms")


def _site_checks(items: list[dict]) -> dict[tuple[str, str], dict]:
    return {(c["target_id"], c["url"]): c for c in of_type(items, "LinkCheck")}


def _facts_of(checks: dict[tuple[str, str], dict]) -> dict[tuple[str, str], dict]:
    """The recorded facts, but when and how fast (and the pages' order, which is arrival order)."""
    return {
        key: {k: v for k, v in c.items() if k not in UNTIMED} | {"found_on": sorted(c["found_on"])}
        for key, c in checks.items()
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> dict:
    """The same three simulated sites crawled with link checks in-process and in a child process."""
    tmp = tmp_path_factory.mktemp("linkworkers")
    web = SimulatedWeb(build_world(AS_OF)).start()
    try:
        everything = web.write_targets_csv(tmp / "all.csv").read_text(encoding="utf-8").splitlines()
        targets = tmp / "targets.csv"
        targets.write_text(
            "\n".join([everything[0], *(r for r in everything if r.split(",")[0] in SITES)]) + "\n"
        )
        base = web.write_config(tmp / "base.toml").read_text(encoding="utf-8")
        runs = {}
        for workers in (1, 2):
            config = tmp / f"config-{workers}.toml"
            config.write_text(base + f"\n[crawl]\nlink_workers = {workers}\n", encoding="utf-8")
            runs[workers] = crawl_to_jsonl(targets, config, AS_OF, "full", tmp / f"{workers}.jsonl").records
        truth = {sid: site for sid, site in web.world.truth()["sites"].items() if sid in SITES}
        return {"runs": runs, "truth": truth}
    finally:
        web.stop()


def test_a_sweep_with_a_link_child_records_the_same_link_facts(crawled):
    alone, child = _facts_of(_site_checks(crawled["runs"][1])), _facts_of(_site_checks(crawled["runs"][2]))
    assert {t for t, _u in alone} == set(SITES)
    differ = {
        key: (alone.get(key), child.get(key))
        for key in alone.keys() | child.keys()
        if alone.get(key) != child.get(key)
    }
    assert differ == {}


def test_a_sweep_with_a_link_child_finds_every_planted_dead_link(crawled):
    checks = _site_checks(crawled["runs"][2])
    for site_id, truth in crawled["truth"].items():
        for planted in truth["dead_links"]:
            assert link_state(checks[(site_id, planted["url"])]).dead, planted
        for url in truth["not_dead_links"]:
            if (site_id, url) in checks:
                assert not link_state(checks[(site_id, url)]).dead, url
