"""The SSRF guard covers Chromium: every connection a rendered page makes passes the same guard.

A loopback canary listens on one port at 127.0.0.1, 127.0.0.2 and [::1] and records every
connection. A simulated site (allowed by name and port only) serves a homepage whose own script
tries every way into the canary the crawler's guard refuses: its own ``fetch('/go')`` answered 302
to 127.0.0.2, ``fetch('http://localhost:PORT/')``, a redirect to localhost, each odd spelling of a
loopback address (decimal, octal, hex, short, IPv4-mapped, NAT64, 6to4, IPv4-compatible, 0.0.0.0),
a name mapped to 127.0.0.1 by ``[network] resolve``, the site's own server by address, https,
WebSockets, a script and a stylesheet, an iframe that redirects. The page reports each outcome back
to the site (``/report?u=...&r=ok|err``), so the test sees that the script ran and that every attempt
failed as a network error, while the canary saw nothing. The same page rendered by the account
spider (a platform page whose script does the same) proves its browser capture is covered too.

Controls: allowing the canary's exact ``127.0.0.2:PORT`` lets the same page reach it (so the canary
and the page would show a leak), and only there.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from simweb.model import Response
from simweb.platforms.base import PlatformApp, PlatformServer, Req, Resp
from tests.integration.test_ssrf_guard import LoggedWeb
from tests.jsonl_runs import crawl_to_jsonl, of_type

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
SITE = "www.render-guard.gov.cn"
ALIAS = "intranet-alias.gov.cn"  # [network] resolve maps it to 127.0.0.1: loopback by another name


class Canary:
    """Listeners on 127.0.0.1, 127.0.0.2 and [::1] at one port; ``seen`` lists every connection."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.socks: list[socket.socket] = []
        for _ in range(20):  # a port free on all three addresses
            with contextlib.suppress(OSError):
                self._bind_all()
                break
        else:  # pragma: no cover
            raise RuntimeError("no port free on 127.0.0.1, 127.0.0.2 and ::1")

    def _bind_all(self) -> None:
        self.close()
        first = self._listen("127.0.0.1", 0, socket.AF_INET)
        self.port = first.getsockname()[1]
        self._listen("127.0.0.2", self.port, socket.AF_INET)
        self._listen("::1", self.port, socket.AF_INET6)

    def _listen(self, host: str, port: int, family: int) -> socket.socket:
        sock = socket.socket(family, socket.SOCK_STREAM)
        self.socks.append(sock)
        sock.bind((host, port))
        sock.listen(64)
        return sock

    def start(self) -> Canary:
        for sock in self.socks:
            threading.Thread(target=self._accept, args=(sock,), daemon=True).start()
        return self

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, peer = sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(1)
                with contextlib.suppress(OSError):
                    first = conn.recv(200).decode("latin-1").split("\r\n", 1)[0]
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\ncanary")
                self.seen.append((sock.getsockname()[0], first))

    def close(self) -> None:
        for sock in self.socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.socks = []


def attempts(canary: int, site_port: int) -> dict[str, str]:
    """Name -> URL the page's script fetches; every one must fail."""
    c = canary
    return {
        "redirect-to-127.0.0.2": "/go",
        "redirect-to-localhost": "/to-localhost",
        "localhost": f"http://localhost:{c}/",
        "127.0.0.2": f"http://127.0.0.2:{c}/",
        "127.0.0.1-other-port": f"http://127.0.0.1:{c}/",
        "site-server-by-address": f"http://127.0.0.1:{site_port}/api/ok",
        "decimal": f"http://2130706433:{c}/",
        "octal": f"http://0177.0.0.1:{c}/",
        "hex": f"http://0x7f.1:{c}/",
        "short": f"http://127.1:{c}/",
        "ipv6-loopback": f"http://[::1]:{c}/",
        "ipv4-mapped": f"http://[::ffff:127.0.0.1]:{c}/",
        "nat64": f"http://[64:ff9b::7f00:1]:{c}/",
        "6to4": f"http://[2002:7f00:1::]:{c}/",
        "ipv4-compatible": f"http://[::127.0.0.1]:{c}/",
        "unspecified": f"http://0.0.0.0:{c}/",
        "resolve-alias": f"http://{ALIAS}:{c}/",
        "https-loopback": f"https://127.0.0.2:{c}/",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "private": "http://10.1.2.3/",
    }


def hostile_page(canary: int, site_port: int, report: str = "/report") -> str:
    """A page whose script tries every attempt and reports each outcome to ``report``."""
    calls = "".join(f"go({name!r}, {url!r});" for name, url in attempts(canary, site_port).items())
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>某市人民政府</title>'
        f'<link rel="stylesheet" href="http://[::1]:{canary}/style.css"></head><body>'
        '<ul class="list" id="news"></ul>'
        f'<iframe src="/to-localhost"></iframe><script src="http://127.0.0.2:{canary}/x.js"></script>'
        "<script>"
        f"function tell(n, r) {{ fetch('{report}?u=' + encodeURIComponent(n) + '&r=' + r); }}"
        "function go(n, u) { fetch(u, {mode: 'no-cors'}).then(function () { tell(n, 'ok'); }, function () { tell(n, 'err'); }); }"
        "function ws(n, u) { try { var s = new WebSocket(u); s.onopen = function () { tell(n, 'ok'); };"
        " s.onerror = function () { tell(n, 'err'); }; } catch (e) { tell(n, 'err'); } }"
        f"go('allowed', '/api/ok'); {calls}"
        f"ws('ws-localhost', 'ws://localhost:{canary}/'); ws('ws-127.0.0.2', 'ws://127.0.0.2:{canary}/');"
        "</script></body></html>"
    )


def outcomes(paths: list[str], report: str = "/report") -> dict[str, str]:
    """name -> 'ok' / 'err' as the page reported them."""
    found = {}
    for path in paths:
        parts = urlsplit(path)
        if parts.path == report:
            query = parse_qs(parts.query)
            found[query["u"][0]] = query["r"][0]
    return found


@pytest.fixture
def canary() -> Iterator[Canary]:
    c = Canary().start()
    yield c
    c.close()


def _site(tmp: Path, canary: Canary, allow_extra: list[str]) -> tuple[LoggedWeb, Path, Path]:
    logged = LoggedWeb()
    web, port = logged.web, logged.port
    web.set_route(SITE, "/", hostile_page(canary.port, port))
    web.set_route(SITE, "/api/ok", Response(body='{"ok": 1}', content_type="application/json"))
    web.set_route(SITE, "/go", Response(status=302, headers={"Location": f"http://127.0.0.2:{canary.port}/"}))
    web.set_route(
        SITE, "/to-localhost", Response(status=302, headers={"Location": f"http://localhost:{canary.port}/"})
    )
    targets = tmp / "targets.csv"
    targets.write_text(
        "id,kind,name,owner,region,url,platform,account_id,site_code\n"
        f"S1,site,某市人民政府,某市人民政府办公室,江苏省,http://{SITE}:{port}/,,,3200000001\n",
        encoding="utf-8",
    )
    allow = ", ".join(f'"{a}"' for a in [f"{SITE}:{port}", *allow_extra])
    config = tmp / "config.toml"
    config.write_text(
        '[elasticsearch]\nurl = ""\n\n'
        f"[network]\nallow_hosts = [{allow}]\noffline = true\n"
        f'resolve = {{ "{SITE}" = "127.0.0.1", "{ALIAS}" = "127.0.0.1" }}\n\n'
        "[crawl]\nlink_timeout = 5\nhomepage_timeout = 10\npage_timeout = 10\nmax_links = 5\n",
        encoding="utf-8",
    )
    return logged, targets, config


def _render(tmp: Path, canary: Canary, allow_extra: list[str]) -> tuple[dict[str, str], list, dict]:
    logged, targets, config = _site(tmp, canary, allow_extra)
    try:
        run = crawl_to_jsonl(targets, config, AS_OF, "patrol", tmp / "crawl.jsonl", timeout=180)
    finally:
        logged.web.stop()
    (home,) = of_type(run.records, "PageObservation", role="homepage")
    paths = [path for host, path in logged.seen if host == SITE]
    assert all(host == SITE for host, _ in logged.seen), logged.seen  # never the server by address
    return outcomes(paths), paths, home


def test_nothing_a_rendered_page_does_reaches_a_loopback_canary(tmp_path, canary):
    reported, paths, home = _render(tmp_path, canary, [])
    assert home["rendered"] is True
    assert reported.pop("allowed") == "ok"  # the script ran, and an allowed request goes through
    expected = {*attempts(canary.port, 0), "ws-localhost", "ws-127.0.0.2"}
    assert set(reported) == expected, expected - set(reported)
    assert {name for name, outcome in reported.items() if outcome != "err"} == set()
    assert "/go" in paths  # the redirecting hop was served; where it pointed never was
    assert canary.seen == []


def test_the_canary_would_see_a_leak_allowing_its_exact_address_and_port_opens_only_that(tmp_path, canary):
    reported, _, _ = _render(tmp_path, canary, [f"127.0.0.2:{canary.port}"])
    reached = {name for name, outcome in reported.items() if outcome == "ok"}
    # 127.0.0.2 spelled as itself, and the site's own redirect to it: nothing by another name or port
    assert reached == {"allowed", "127.0.0.2", "redirect-to-127.0.0.2"}
    assert {address for address, _ in canary.seen} == {"127.0.0.2"}


class HostilePlatform(PlatformApp):
    """A stand-in for douyin whose profile page runs the hostile script (reporting to the origin)."""

    KEY = "douyin"

    def __init__(self, canary: int) -> None:
        super().__init__([], AS_OF)
        self.canary = canary
        self.paths: list[str] = []

    def handle(self, req: Req) -> Resp:
        query = "&".join(f"{k}={v}" for k, v in req.query.items())
        self.paths.append(f"{req.path}?{query}" if query else req.path)
        if req.path == "/go":
            return Resp.redirect(f"http://127.0.0.2:{self.canary}/")
        if req.path == "/to-localhost":
            return Resp.redirect(f"http://localhost:{self.canary}/")
        if req.path == "/api/ok":
            return Resp.json({"ok": 1})
        if req.path == "/report":
            return Resp.json({})
        return Resp.html(hostile_page(self.canary, 9))


def test_the_account_spiders_browser_capture_is_guarded_too(tmp_path, canary):
    app = HostilePlatform(canary.port)
    server = PlatformServer(app).start()
    targets = tmp_path / "targets.csv"
    targets.write_text(
        "id,kind,name,owner,region,url,platform,account_id,site_code\n"
        "A1,account,某市发布,某市委宣传部,江苏省,https://www.douyin.com/user/MS4wLjABAAAAhostile,douyin,,\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.toml"
    config.write_text(
        '[elasticsearch]\nurl = ""\n\n'
        f'[network]\noffline = true\nresolve = {{ "{ALIAS}" = "127.0.0.1" }}\n\n'
        f'[platforms.douyin]\norigin = "{server.origin}"\n',
        encoding="utf-8",
    )
    try:
        run = crawl_to_jsonl(targets, config, AS_OF, "patrol", tmp_path / "crawl.jsonl", timeout=180)
    finally:
        server.stop()
    assert of_type(run.records, "stats")[0]["browser_fetches"] >= 1
    reported = outcomes(app.paths)
    assert reported.pop("allowed") == "ok"  # the platform's own requests still reach its origin
    assert reported, "the page's script never ran"
    assert {name for name, outcome in reported.items() if outcome != "err"} == set()
    assert canary.seen == []


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-v"]))
