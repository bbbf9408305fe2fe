"""The simulated government web: virtual hosts, traps that behave as planted, and exact ground truth."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import lxml.html
import pytest

from simweb.content import format_date
from simweb.server import SimulatedWeb
from simweb.sites import DNS_FAIL_HOST, PROFILES
from simweb.world import build_world

AS_OF = datetime.fromisoformat("2024-10-01T10:00:00+08:00")


@pytest.fixture(scope="module")
def web() -> Iterator[SimulatedWeb]:
    with SimulatedWeb(build_world(AS_OF)) as served:
        yield served


@pytest.fixture(scope="module")
def truth(web: SimulatedWeb) -> dict:
    return web.world.truth()


def fetch(
    web: SimulatedWeb, host: str, path: str = "/", method: str = "GET", timeout: float = 10
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request to the server with a given Host header, no redirects followed."""
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=timeout)
    try:
        conn.request(method, path, headers={"Host": host})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def text_of(body: bytes) -> str:
    """Decode as the page's own <meta charset> says (the header may lie)."""
    return body.decode("gb18030" if b'charset="gb' in body[:200] else "utf-8", errors="replace")


def site_of(truth: dict, profile: str) -> tuple[str, dict]:
    return next((sid, s) for sid, s in truth["sites"].items() if profile in s["profiles"])


# ---------------------------------------------------------------- hosting


def test_server_listens_on_an_ephemeral_port_and_routes_by_host_header(web: SimulatedWeb) -> None:
    assert web.port > 0
    status, _, suzhou = fetch(web, "www.suzhou.gov.cn")
    _, _, wuzhong = fetch(web, "www.wuzhong.gov.cn:8080")  # the port in the Host header is ignored
    assert status == 200
    assert '<meta name="SiteName" content="苏州市人民政府">' in suzhou.decode()
    assert '<meta name="SiteName" content="苏州市吴中区人民政府">' in wuzhong.decode()


def test_unknown_host_and_unknown_path_answer_404(web: SimulatedWeb) -> None:
    assert fetch(web, "www.not-simulated.gov.cn")[0] == 404
    assert fetch(web, "www.suzhou.gov.cn", "/no/such/page.html")[0] == 404


def test_head_has_the_get_status_and_length_but_no_body(web: SimulatedWeb) -> None:
    get_status, get_headers, body = fetch(web, "www.suzhou.gov.cn")
    head_status, head_headers, head_body = fetch(web, "www.suzhou.gov.cn", method="HEAD")
    assert (head_status, head_body) == (get_status, b"")
    assert int(head_headers["Content-Length"]) == len(body) == int(get_headers["Content-Length"])
    assert fetch(web, "www.suzhou.gov.cn", "/missing.html", method="HEAD")[0] == 404


def test_a_link_refusing_head_answers_get(web: SimulatedWeb, truth: dict) -> None:
    _, site = site_of(truth, "head_405")
    (url,) = site["not_dead_links"]
    parts = urlsplit(url)
    assert fetch(web, parts.hostname, parts.path, method="HEAD")[0] == 405
    assert fetch(web, parts.hostname, parts.path)[0] == 200


def test_gbk_page_is_labelled_gbk_and_decodes_as_gb18030(web: SimulatedWeb, truth: dict) -> None:
    _, site = site_of(truth, "gbk")
    status, headers, body = fetch(web, site["host"])
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=gbk"
    assert site["name"] in body.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_mislabelled_gbk_pages_say_utf8_or_nothing_in_the_header(web: SimulatedWeb, truth: dict) -> None:
    _, site = site_of(truth, "gbk_mislabelled")
    _, home_headers, home = fetch(web, site["host"])
    column_path = urlsplit(site["columns"][0]["url"]).path
    _, column_headers, column = fetch(web, site["host"], column_path)
    assert home_headers["Content-Type"] == "text/html"
    assert column_headers["Content-Type"] == "text/html; charset=utf-8"
    for body in (home, column):
        text = body.decode("gb18030")
        assert '<meta charset="gb2312">' in text
        assert site["name"] in text


def test_slow_host_outlasts_a_short_client_timeout_while_others_answer(
    web: SimulatedWeb, truth: dict
) -> None:
    _, slow = site_of(truth, "slow")
    timeouts: list[Exception] = []

    def slow_request() -> None:
        try:
            fetch(web, slow["host"], timeout=2)
        except TimeoutError as exc:
            timeouts.append(exc)

    started = time.monotonic()
    pending = threading.Thread(target=slow_request)
    pending.start()
    status = fetch(web, "www.suzhou.gov.cn", timeout=5)[0]
    fast_elapsed = time.monotonic() - started
    pending.join()
    assert status == 200
    assert fast_elapsed < 1.5  # answered while the slow handler was waiting
    assert len(timeouts) == 1
    assert 2 <= time.monotonic() - started < 10
    assert slow["reachable"] is False


def test_refused_site_and_link_use_a_port_nothing_listens_on(web: SimulatedWeb, truth: dict) -> None:
    _, refused = site_of(truth, "refused")
    assert urlsplit(refused["url"]).port == web.closed_port != web.port
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", web.closed_port), timeout=2)
    assert refused["reachable"] is False
    assert refused["host"] in web.resolve_map()


def test_js_column_is_empty_in_static_html_and_full_in_its_json(web: SimulatedWeb, truth: dict) -> None:
    _, site = site_of(truth, "js_list")
    (column,) = [c for c in site["columns"] if c["js"]]
    _, _, page = fetch(web, site["host"], urlsplit(column["url"]).path)
    doc = lxml.html.fromstring(page)
    assert doc.xpath('//ul[@id="list"]')
    assert not doc.xpath('//ul[@id="list"]/li')
    assert "/api/list.json" in page.decode()
    status, headers, body = fetch(web, site["host"], "/api/list.json?columnid=1")
    data = json.loads(body)["data"]
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert len(data) >= 8
    newest = max(datetime.fromisoformat(d["pubDate"] + "T00:00:00+08:00") for d in data)
    assert newest.isoformat() == column["latest"]
    assert (AS_OF - newest).days <= 3


def test_redirect_chain_ends_on_the_homepage(web: SimulatedWeb, truth: dict) -> None:
    _, site = site_of(truth, "redirect_chain")
    first = fetch(web, site["host"], "/")
    second = fetch(web, site["host"], first[1]["Location"])
    final = fetch(web, site["host"], second[1]["Location"])
    assert (first[0], second[0], final[0]) == (301, 302, 200)
    assert site["home_final_url"].endswith(second[1]["Location"])
    assert site["healthy"] is True


def test_site_search_finds_a_recent_title_and_pages_carry_the_zhaocuo_widget(web: SimulatedWeb) -> None:
    site = web.world.sites["S001"]
    newest = max((i for c in site.columns for i in c.items), key=lambda i: i.date)
    status, _, body = fetch(web, site.host, "/search.html?q=" + quote(newest.title))
    assert status == 200
    assert newest.path in body.decode()
    assert "未找到相关信息" in fetch(web, site.host, "/search.html?q=" + quote("不存在的标题"))[2].decode()
    home = fetch(web, site.host)[2].decode()
    assert '<form class="search" action="/search.html"' in home
    assert "id=\"_jiucuo_\" sitecode='3205000001'" in home
    assert fetch(web, "zfwzgl.www.gov.cn", "/exposure/jiucuo.js")[0] == 200


def test_stop_returns_promptly_with_a_slow_request_pending() -> None:
    served = SimulatedWeb(build_world(AS_OF)).start()
    slow_host = next(s.host for s in served.world.sites.values() if s.home_delay)
    pending = threading.Thread(target=lambda: _swallow(served, slow_host), daemon=True)
    pending.start()
    deadline = time.monotonic() + 5
    while served._server and not served._server.open_sockets and time.monotonic() < deadline:
        time.sleep(0.01)  # poll until the slow request is being handled
    started = time.monotonic()
    served.stop()
    assert time.monotonic() - started < 3
    pending.join(timeout=3)
    assert not pending.is_alive()


def _swallow(web: SimulatedWeb, host: str) -> None:
    with contextlib.suppress(OSError, http.client.HTTPException):
        fetch(web, host, timeout=30)


# ---------------------------------------------------------------- ground truth


def test_truth_covers_thirty_sites_four_cms_and_every_profile(web: SimulatedWeb, truth: dict) -> None:
    sites = truth["sites"]
    assert len(sites) >= 30
    assert {s["cms"] for s in sites.values()} == {"trs", "hanweb", "govcn", "handmade"}
    planted = {p for s in sites.values() for p in s["profiles"]}
    assert set(PROFILES) <= planted
    assert sum(1 for s in sites.values() if s["profiles"] == ["healthy"]) >= 4
    json.dumps(truth)  # serialisable
    assert all(f":{web.port}/" in s["url"] or f":{web.closed_port}/" in s["url"] for s in sites.values())
    for s in sites.values():
        if s["reachable"]:  # the site checks' sites keep the core columns only (profile "compact")
            assert (4 if "compact" in s["profiles"] else 6) <= len(s["columns"]) <= 14, s["host"]


def test_expectations_follow_the_planted_profiles(truth: dict) -> None:
    def expect(profile: str) -> dict:
        return site_of(truth, profile)[1]["expect"]

    def column_stale(profile: str) -> dict:
        return site_of(truth, profile)[1]["expect_column_stale"]

    assert expect("home_stale")["SITE-VETO-HOME-STALE"] == "violation"
    assert expect("home_warning")["SITE-VETO-HOME-STALE"] == "warning"
    assert column_stale("columns_stale_a") == {"a": "violation"}
    assert column_stale("columns_stale_a_warning") == {"a": "warning"}
    assert column_stale("columns_long_idle_b") == {"b": "violation"}
    assert column_stale("columns_empty_c") == {"c": "violation"}
    assert column_stale("columns_empty_c_warning") == {"c": "warning"}
    assert expect("policy_stale") == {"SITE-DED-POLICY-STALE": "violation"}
    for profile in ("footer_wrong_code", "footer_missing_icp"):
        assert expect(profile) == {"SITE-REQ-FOOTER-MARKS": "violation"}
    assert expect("footer_missing_code") == {
        "SITE-REQ-FOOTER-MARKS": "violation",
        "SITE-REQ-META": "violation",
    }
    assert expect("non_gov_domain") == {"SITE-REQ-DOMAIN": "violation"}
    assert expect("dead_links") == {"SITE-DED-DEAD-LINK-HOME": "violation", "SITE-DED-DEAD-LINK": "violation"}
    for sid, site in truth["sites"].items():
        if site["profiles"] == ["healthy"] or "nav_only" in site["profiles"] or "js_list" in site["profiles"]:
            assert site["expect"] == {}, sid
            assert site["healthy"], sid


def test_thresholds_come_from_the_indicator_data(tmp_path: Path) -> None:
    override = tmp_path / "mine.toml"
    override.write_text(
        '["SITE-VETO-HOME-STALE"]\nmax_idle_days = 30\nwarn_idle_days = 15\n', encoding="utf-8"
    )
    world = build_world(AS_OF)
    stale = next(s for s in world.sites.values() if "home_stale" in s.profiles)
    assert world.truth()["sites"][stale.id]["expect"]["SITE-VETO-HOME-STALE"] == "violation"
    assert world.truth(override)["sites"][stale.id]["expect"]["SITE-VETO-HOME-STALE"] == "warning"


def test_home_latest_is_written_on_the_homepage(web: SimulatedWeb, truth: dict) -> None:
    for sid, site in truth["sites"].items():
        if not site["reachable"] or site["navigation_only"]:
            continue
        _, _, body = fetch(web, site["host"], urlsplit(site["home_final_url"]).path)
        text = text_of(body)
        latest = datetime.fromisoformat(site["home_latest"])
        shown = {format_date(latest, f) for f in ("iso", "cn", "slash", "dot", "datetime", "md")}
        assert any(s in text for s in shown), sid


def _links(page_url: str, body: bytes) -> set[str]:
    doc = lxml.html.fromstring(body)
    found = set()
    for ref in doc.xpath("//a/@href | //img/@src | //link/@href | //script/@src"):
        url = urljoin(page_url, ref)
        if url.startswith("http"):
            found.add(url.split("#")[0])
    return found


def _check(web: SimulatedWeb, url: str, hops: int = 0) -> str:
    """'' when the link works, else why it is dead (the same words the truth uses)."""
    parts = urlsplit(url)
    if parts.hostname not in web.resolve_map():
        return "dns"
    if parts.port == web.closed_port:
        return "refused"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    status, headers, body = fetch(web, parts.hostname, path)
    if status in (301, 302):
        return "loop" if hops >= 10 else _check(web, urljoin(url, headers["Location"]), hops + 1)
    if status >= 400:
        return str(status)
    return "soft404" if "您访问的页面不存在" in text_of(body) else ""


def test_dead_links_in_truth_are_exactly_the_links_that_fail(web: SimulatedWeb, truth: dict) -> None:
    """Crawl every homepage and column page, check every link: failures == the planted dead links."""
    expected: set[tuple[str, str, bool, str]] = set()
    found: dict[str, dict[str, bool]] = {}  # site -> link -> on_homepage
    for sid, site in truth["sites"].items():
        if not site["reachable"]:
            continue
        expected |= {(sid, d["url"], d["on_homepage"], d["why"]) for d in site["dead_links"]}
        links: dict[str, bool] = {}
        home = site["home_final_url"]
        for url in _links(home, fetch(web, site["host"], urlsplit(home).path)[2]):
            links[url] = True
        for column in site["columns"]:
            for url in _links(column["url"], fetch(web, site["host"], urlsplit(column["url"]).path)[2]):
                links.setdefault(url, False)
        found[sid] = links
    jobs = [(sid, url, on_home) for sid, links in found.items() for url, on_home in links.items()]
    with ThreadPoolExecutor(16) as pool:
        verdicts = list(pool.map(lambda job: _check(web, job[1]), jobs))
    dead = {(sid, url, on_home, why) for (sid, url, on_home), why in zip(jobs, verdicts, strict=True) if why}
    assert len(jobs) > 3000
    assert dead == expected
    assert any(urlsplit(d[1]).hostname == DNS_FAIL_HOST for d in dead)


def test_truth_columns_are_served_with_meta_and_match_emptiness(web: SimulatedWeb, truth: dict) -> None:
    for sid, site in truth["sites"].items():
        if not site["reachable"]:
            continue
        for column in site["columns"]:
            status, _, body = fetch(web, site["host"], urlsplit(column["url"]).path)
            text = text_of(body)
            assert status == 200, column["url"]
            assert f'<meta name="ColumnName" content="{column["shown"]}">' in text
            has_date_hint = any(ch.isdigit() for ch in text.split('class="main"')[1].split("footer")[0])
            assert has_date_hint or column["empty"] or column["js"], (sid, column["name"])


def test_fix_site_and_set_route_change_what_is_served() -> None:
    with SimulatedWeb(build_world(AS_OF)) as served:
        stale = next(s for s in served.world.sites.values() if "home_stale" in s.profiles)
        assert served.world.truth()["sites"][stale.id]["healthy"] is False
        served.fix_site(stale.id)
        fixed = served.world.truth()["sites"][stale.id]
        assert fixed["healthy"] is True
        assert fixed["expect"] == {}
        served.set_route(stale.host, "/notice.html", "<html><body>公告</body></html>")
        assert fetch(served, stale.host, "/notice.html")[2].decode() == "<html><body>公告</body></html>"
        served.set_route(stale.host, "/notice.html", None)
        assert fetch(served, stale.host, "/notice.html")[0] == 404
