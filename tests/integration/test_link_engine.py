"""The asyncio link-check engine against the simulated web: the Scrapy path's answers, faster.

Every case is a real HTTP exchange with the simulated server: HEAD refused then GET, a soft-404
read from the body, a redirect loop, a body far over the read cap, a gzip bomb, a name missing from
the offline map, a refused port, and the SSRF guard's veto before any connection.
"""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime

import pytest

from crawlers.pagewords import load_page_words
from simweb.model import Response
from simweb.server import SimulatedWeb
from simweb.world import build_world
from spiders.linkcheck import read_signals
from spiders.linkengine import EngineSettings, LinkEngine

HOST = "links.example.gov.cn"
AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
PAGE = '<html><head><meta charset="utf-8"><title>通知公告</title></head><body><p>正文内容</p></body></html>'
SOFT404 = (
    '<html><head><meta charset="utf-8"><title>页面不存在</title></head>'
    "<body><h1>抱歉，您访问的页面不存在或已被删除</h1></body></html>"
)


class Guard:
    """Refuses one address, as the SSRF guard would."""

    class BlockedAddress(OSError):
        pass

    def check(self, host: str, ip: str, port: int | None = None) -> None:
        if ip == "10.1.2.3":
            raise self.BlockedAddress(f"refused: {host} resolves to {ip} (private address)")


@pytest.fixture(scope="module")
def web():
    web = SimulatedWeb(build_world(AS_OF)).start()
    routes = {
        "/ok.html": Response(body=PAGE),
        "/nohead.html": Response(body=PAGE, head_status=405),
        "/soft404.html": Response(body=SOFT404),
        "/gone.html": Response(status=404, body="not here"),
        "/loop-a": Response(status=302, headers={"Location": "/loop-b"}),
        "/loop-b": Response(status=302, headers={"Location": "/loop-a"}),
        "/huge.html": Response(body=PAGE.encode() + b" " * (5 * 1024 * 1024)),
        "/bomb.html": Response(
            body=gzip.compress(b"<html>" + b"A" * (64 * 1024 * 1024)),
            headers={"Content-Encoding": "gzip"},
        ),
        "/file.pdf": Response(body=b"%PDF-1.4 ...", content_type="application/pdf", charset=None),
    }
    for path, response in routes.items():
        web.world.set_route(HOST, path, response)
    yield web
    web.stop()


def _check(web: SimulatedWeb, urls: list[tuple[str, str, bool]], guard: Guard | None = None):
    words = load_page_words()

    async def run():
        engine = LinkEngine(
            EngineSettings(
                concurrency=8,
                per_host=4,
                timeout=5,
                get_maxsize=1024 * 1024,
                resolve={HOST: "127.0.0.1", "private.example.gov.cn": "10.1.2.3"},
                offline=True,
            ),
            signals=lambda html: read_signals(html, words),
            now=lambda: datetime.now(UTC),
            guard=guard,
        )
        try:
            results = await asyncio.gather(
                *(engine.check(url, first=first, internal=internal) for url, first, internal in urls)
            )
        finally:
            await engine.close()
        return {r.url: r for r in results}, engine.requests

    return asyncio.run(run())


def _url(web: SimulatedWeb, path: str) -> str:
    return f"http://{HOST}:{web.port}{path}"


def test_a_live_page_answers_200_to_head(web):
    results, _ = _check(web, [(_url(web, "/ok.html"), "HEAD", False)])
    result = results[_url(web, "/ok.html")]
    assert (result.method, result.status, result.error, result.signals) == ("HEAD", 200, None, None)
    assert result.elapsed_ms is not None


def test_a_server_refusing_head_is_asked_again_with_get(web):
    url = _url(web, "/nohead.html")
    results, requests = _check(web, [(url, "HEAD", False)])
    assert (results[url].method, results[url].status) == ("GET", 200)
    assert requests == 2


def test_an_in_site_page_is_read_so_a_soft_404_is_caught(web):
    url, ok = _url(web, "/soft404.html"), _url(web, "/ok.html")
    results, _ = _check(web, [(url, "HEAD", True), (ok, "GET", True)])
    soft = results[url].signals
    assert (results[url].method, results[url].status) == ("GET", 200)
    assert soft is not None  # read: the page says a not-found stem; judged a soft-404 by the rule
    assert soft.text_chars < 400
    assert "页面不存在" in soft.text_excerpt
    assert results[ok].signals is None  # a page saying no not-found stem is not even parsed


def test_http_errors_redirect_loops_and_offline_misses_have_their_classes(web):
    gone, loop = _url(web, "/gone.html"), _url(web, "/loop-a")
    missing = f"http://nowhere.example.gov.cn:{web.port}/"
    refused = f"http://{HOST}:{web.closed_port}/"
    results, _ = _check(
        web,
        [(gone, "HEAD", False), (loop, "HEAD", False), (missing, "HEAD", False), (refused, "HEAD", False)],
    )
    assert results[gone].status == 404
    assert results[loop].error == "redirect_loop"
    assert results[missing].error == "dns"
    assert results[refused].error == "refused"


def test_bodies_are_read_only_up_to_the_cap_and_bombs_never_inflate_past_it(web):
    huge, bomb, pdf = _url(web, "/huge.html"), _url(web, "/bomb.html"), _url(web, "/file.pdf")
    results, _ = _check(web, [(huge, "GET", True), (bomb, "GET", True), (pdf, "HEAD", True)])
    assert (results[huge].status, results[huge].error) == (200, None)
    assert (results[bomb].status, results[bomb].error) == (200, None)
    assert (results[pdf].method, results[pdf].status) == ("HEAD", 200)  # not html: never read


def test_the_guard_refuses_before_any_connection(web):
    url = f"http://private.example.gov.cn:{web.port}/"
    results, _ = _check(web, [(url, "HEAD", False)], guard=Guard())
    assert results[url].error == "blocked"
    assert "10.1.2.3" in results[url].error_detail
