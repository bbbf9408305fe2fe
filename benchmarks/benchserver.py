"""The benchmark web's server: one asyncio process, raw HTTP/1.1 protocol, keep-alive, virtual hosts.

Run as ``python -m benchmarks.benchserver --sites N ...``; it prints one JSON line (its ports) when
it listens and serves until killed. A raw protocol instead of a framework keeps the server's cost per
response small, so at 0 ms the checkers, not the server, are what is measured. Latency is a timer
per response (``call_later``), never a blocking sleep. Requests in proxy form
(``GET http://host/path``) are answered by the host they name: lychee and LinkChecker reach the
virtual hosts through ``http_proxy`` pointing here, as govpatrol does through ``[network] resolve``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import socket
import sys
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

from benchmarks.benchweb import (
    ARTICLE_HTML,
    EXTERNAL_HOSTS,
    NOT_FOUND_HTML,
    SOFT404_HTML,
    TITLES,
    BenchSpec,
    BenchWorld,
    column_html,
    homepage_html,
)
from simweb.platforms.base import PlatformApp, Req

# (status, content type, body, extra headers)
Answer = tuple[int, str, bytes, dict[str, str]]
Handler = Callable[[str, str, str, dict[str, str], bytes], Answer]

_REASONS = {200: "OK", 302: "Found", 404: "Not Found", 412: "Precondition Failed", 500: "Server Error"}
_SITE_HOST = re.compile(r"^s(\d{4})\.")
_COLUMN = re.compile(r"^/lm(\d{2})/(?:index\.html)?$")
_HTML = "text/html; charset=utf-8"
_BINARY = {"pdf": "application/pdf", "jpg": "image/jpeg", "doc": "application/msword"}
#: requests answered by this process, by method (read at http://benchweb.stats/ through any port)
COUNTS: dict[str, int] = {}
#: requests each simulated platform answered, its throttle answers and profile pages served
#: (http://benchweb.stats/platforms, a read not counted in COUNTS)
PLATFORM_COUNTS: dict[str, dict[str, int]] = {}
STATS_HOST = "benchweb.stats"
_BLOB = bytes(range(256)) * 8  # 2 KB attachment / image body


class HttpProtocol(asyncio.Protocol):
    """One connection: requests answered in order (clients here never pipeline), keep-alive."""

    def __init__(self, handler: Handler, latency: float) -> None:
        self.handler = handler
        self.latency = latency
        self.buf = b""
        self.busy = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self._next()

    def _next(self) -> None:
        if self.busy or self.transport is None:
            return
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        lines = self.buf[:end].decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            self.transport.close()
            return
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if len(self.buf) < end + 4 + length:
            return
        body, self.buf = self.buf[end + 4 : end + 4 + length], self.buf[end + 4 + length :]
        host = headers.get("host", "")
        if target.startswith(("http://", "https://")):  # proxy form
            parts = urlsplit(target)
            host, target = parts.netloc, parts.path + ("?" + parts.query if parts.query else "")
        if host.startswith(STATS_HOST) and target == "/platforms":
            self._answer(200, "application/json", json.dumps(PLATFORM_COUNTS).encode(), {}, headers, version)
            return
        COUNTS[method] = COUNTS.get(method, 0) + 1
        extra: dict[str, str]
        try:
            if host.startswith(STATS_HOST):
                status, ctype, payload, extra = 200, "application/json", json.dumps(COUNTS).encode(), {}
            else:
                status, ctype, payload, extra = self.handler(
                    method, host.split(":")[0].lower(), target, headers, body
                )
        except Exception as exc:  # a bug here must show as a 500, not hang the client
            status, ctype, payload, extra = 500, "text/plain", repr(exc).encode(), {}
        self._answer(status, ctype, payload, extra, headers, version, method)

    def _answer(
        self,
        status: int,
        ctype: str,
        payload: bytes,
        extra: dict[str, str],
        headers: dict[str, str],
        version: str,
        method: str = "GET",
    ) -> None:
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", f"Content-Type: {ctype}"]
        head += [f"Content-Length: {len(payload)}", "Server: benchweb", "LinkChecker: benchweb"]
        head += [f"{k}: {v}" for k, v in extra.items()]
        if close:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (b"" if method == "HEAD" else payload)
        self.busy = True
        if self.latency:
            asyncio.get_running_loop().call_later(self.latency, self._send, data, close)
        else:
            self._send(data, close)

    def _send(self, data: bytes, close: bool) -> None:
        self.busy = False
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(data)
        if close:
            self.transport.close()
        else:
            self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def web_handler(world: BenchWorld) -> Handler:
    """Answers for the government sites and the external hosts of one world."""
    dead = world.dead_paths
    externals = set(EXTERNAL_HOSTS)
    article = {t: ARTICLE_HTML.format(title=t).encode() for t in TITLES}
    soft404, not_found = SOFT404_HTML.encode(), NOT_FOUND_HTML.encode()
    missing: Answer = (404, _HTML, not_found, {})

    def handle(method: str, host: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        path = target.split("?", 1)[0]
        site_m = _SITE_HOST.match(host)
        site = int(site_m.group(1)) if site_m and host.endswith(world.spec.domain) else -1
        if site >= world.spec.sites or (site < 0 and host not in externals):
            return missing
        state = dead.get((host, path), "")
        if state == "404":
            return missing
        if state == "soft404":
            return 200, _HTML, soft404, {}
        if site >= 0:
            if path in ("/", "/index.html"):
                return 200, _HTML, homepage_html(world, site).encode(), {}
            col = _COLUMN.match(path)
            if col:
                n = int(col.group(1))
                return (
                    (200, _HTML, column_html(world, site, n).encode(), {})
                    if n < world.spec.pages
                    else missing
                )
            if path.startswith(("/uploads/", "/images/")):
                ext = path.rsplit(".", 1)[-1]
                return 200, _BINARY.get(ext, "application/octet-stream"), _BLOB, {}
            if "/202409/t" not in path:
                return missing
        elif path != "/" and not path.startswith("/art/"):
            return missing
        return 200, _HTML, article[TITLES[len(path) % len(TITLES)]], {}

    return handle


def platform_handler(app: PlatformApp) -> Handler:
    """Answers of one simulated platform (simweb's app: the real paths and JSON shapes), its rate
    limit included when one is set (``PlatformApp.limit_rate``)."""
    counts = PLATFORM_COUNTS.setdefault(app.KEY, {"requests": 0, "throttled": 0})

    def handle(method: str, host: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(target)
        req = Req(method, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)), headers, body)
        before = getattr(app, "throttle_answers", 0)
        resp = app.answer(req)
        counts["requests"] += 1
        counts["throttled"] += getattr(app, "throttle_answers", 0) - before
        # profile pages served so far (the signed apps count them): each is a Chromium page load
        counts["profile_pages"] = int(getattr(app, "served", {}).get("profile", 0))
        data = resp.body.encode(resp.charset) if isinstance(resp.body, str) else resp.body
        ctype = f"{resp.content_type}; charset={resp.charset}" if resp.charset else resp.content_type
        return resp.status, ctype, data, dict(resp.headers)

    return handle


def protocol_factory(handler: Handler, latency: float) -> Callable[[], HttpProtocol]:
    return lambda: HttpProtocol(handler, latency)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def serve(spec: BenchSpec, limit_per_minute: int = 0) -> None:
    loop = asyncio.get_running_loop()
    latency = spec.latency_ms / 1000
    holder: dict[str, Handler] = {}
    server = await loop.create_server(
        lambda: HttpProtocol(holder["web"], latency), "127.0.0.1", 0, backlog=2048
    )
    port = server.sockets[0].getsockname()[1]
    world = BenchWorld(spec, port, closed_port())
    holder["web"] = web_handler(world)
    platforms: dict[str, int] = {}
    if spec.accounts:
        from benchmarks.benchaccounts import build_apps

        for key, app in build_apps(spec.accounts, spec.seed, limited=limit_per_minute > 0).items():
            if limit_per_minute:
                app.limit_rate(limit_per_minute, 60.0)
            handler = platform_handler(app)
            psrv = await loop.create_server(protocol_factory(handler, latency), "127.0.0.1", 0, backlog=1024)
            platforms[key] = psrv.sockets[0].getsockname()[1]
            app.origin = f"http://127.0.0.1:{platforms[key]}"
    print(json.dumps({"port": port, "refused_port": world.refused_port, "platforms": platforms}), flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.benchserver")
    p.add_argument("--sites", type=int, required=True)
    p.add_argument("--pages", type=int, required=True)
    p.add_argument("--links", type=int, required=True)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--latency-ms", type=int, default=0)
    p.add_argument("--dead-share", type=float, default=0.04)
    p.add_argument("--accounts", type=int, default=0)
    p.add_argument(
        "--limit-per-minute", type=int, default=0, help="every platform throttles above N a minute"
    )
    a = p.parse_args(argv)
    spec = BenchSpec(a.sites, a.pages, a.links, a.seed, a.latency_ms, a.dead_share, a.accounts)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(spec, a.limit_per_minute))
    return 0


if __name__ == "__main__":
    sys.exit(main())
