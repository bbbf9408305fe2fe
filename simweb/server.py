"""Serve a simulated world: one threaded HTTP server, virtual hosts chosen by the Host header.

Every simulated hostname resolves (through the crawler's config) to 127.0.0.1 and reaches this one
server; the refused-connection hosts use a second port on which nothing listens. Handlers run in
daemon threads, so a slow host never blocks the others, and the slow wait is interruptible so that
``stop()`` returns promptly.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from simweb.accounts import AccountWorld
from simweb.model import Response, Route
from simweb.world import World, host_of

log = logging.getLogger(__name__)

_NOT_FOUND = Response(
    status=404,
    body='<!DOCTYPE html><html><head><meta charset="utf-8"><title>404 Not Found</title></head>'
    "<body><h1>404 Not Found</h1></body></html>",
)


def free_closed_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on: bind to get one from the OS, then close it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], web: SimulatedWeb) -> None:
        self.web = web
        self.stopping = threading.Event()
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        self.inflight: dict[str, int] = {}  # host -> requests being answered now
        self.peak: dict[str, int] = {}  # host -> most requests answered at once (politeness checks)
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer (timeouts, HEAD-then-close) are normal here, not errors."""
        log.debug("connection from %s ended early", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Wake handler threads blocked on keep-alive connections."""
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SimWeb/1.0"
    sys_version = ""
    timeout = 60
    server: _Server

    def do_GET(self) -> None:
        self._counted(head=False)

    def do_HEAD(self) -> None:
        self._counted(head=True)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._counted(head=False)

    def _counted(self, head: bool) -> None:
        """Answer, counting the requests in flight per host (tests check politeness with it)."""
        server, host = self.server, host_of(self.headers.get("Host", ""))
        with server.sockets_lock:
            server.inflight[host] = now = server.inflight.get(host, 0) + 1
            server.peak[host] = max(server.peak.get(host, 0), now)
        try:
            self._answer(head)
        finally:
            with server.sockets_lock:
                server.inflight[host] -= 1

    def _answer(self, head: bool) -> None:
        world = self.server.web.world
        host = host_of(self.headers.get("Host", ""))
        response = world.lookup(host, self.path) or _NOT_FOUND
        if response.writer is not None:
            self.close_connection = True
            response.writer(self)
            return
        if response.delay and self.server.stopping.wait(response.delay):
            self.close_connection = True
            return
        status = response.head_status if head and response.head_status else response.status
        body = response.body
        if isinstance(body, str):
            body = world.fill(body).encode(response.encoding, errors="xmlcharrefreplace")
        if head and response.head_status:
            body = b""
        ctype = response.content_type
        if response.charset:
            ctype = f"{ctype}; charset={response.charset}"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers.items():
            self.send_header(name, world.fill(value))
        if status == 405:
            self.send_header("Allow", "GET, POST")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        log.debug("%s %s", self.headers.get("Host", "") if hasattr(self, "headers") else "", format % args)


def serve_in_thread(server: _Server, name: str) -> threading.Thread:
    """Serve ``server`` from a daemon thread (stop it with :func:`stop_server`)."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=name, daemon=True
    )
    thread.start()
    return thread


def stop_server(server: _Server | None, thread: threading.Thread | None) -> None:
    """Stop serving: wake slow handlers, close open connections and the socket, join the thread."""
    if server is None:
        return
    server.stopping.set()
    server.shutdown()
    server.close_connections()
    server.server_close()
    if thread:
        thread.join(timeout=5)


class SimulatedWeb:
    """The simulated web served in a background thread; use as a context manager."""

    def __init__(
        self, world: World, host: str = "127.0.0.1", port: int = 0, accounts: AccountWorld | None = None
    ) -> None:
        self.world = world
        self.accounts = accounts  # simulated platforms, each on its own port
        self.host = host
        self.tls_ports: list[int] = []  # ports of TLS servers serving this world (simweb.hostile)
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.closed_port = 0

    def start(self) -> SimulatedWeb:
        self._server = _Server((self.host, self._requested_port), self)
        self.port = self._server.server_address[1]
        self.closed_port = free_closed_port(self.host)
        self.world.port, self.world.closed_port = self.port, self.closed_port
        self._thread = serve_in_thread(self._server, "simweb")
        log.info("simulated web on %s:%d (refused port %d)", self.host, self.port, self.closed_port)
        if self.accounts is not None:
            self.accounts.start()
        return self

    def stop(self) -> None:
        if self.accounts is not None:
            self.accounts.stop()
        server, self._server = self._server, None
        stop_server(server, self._thread)

    def __enter__(self) -> SimulatedWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def peak_per_host(self, reset: bool = False) -> dict[str, int]:
        """Host -> the most requests this server answered for it at the same time (since a reset)."""
        assert self._server is not None
        with self._server.sockets_lock:
            peak = dict(self._server.peak)
            if reset:
                self._server.peak.clear()
            return peak

    # ---------------------------------------------------------------- addresses and files
    def url(self, host: str, path: str = "/") -> str:
        return self.world.url(host, path)

    def resolve_map(self) -> dict[str, str]:
        """hostname -> 127.0.0.1 for every simulated host (the DNS-failure host is left out on purpose)."""
        return dict.fromkeys(self.world.hosts(), self.host)

    def write_targets_csv(self, path: str | Path) -> Path:
        """The targets registry: one row per site, columns as DESIGN.md's targets file."""
        out = Path(path)
        with out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(
                [
                    "id",
                    "kind",
                    "name",
                    "owner",
                    "region",
                    "url",
                    "platform",
                    "account_id",
                    "site_code",
                    "account_type",
                ]
            )
            for site in self.world.sites.values():
                url = self.url(site.host, "/")
                writer.writerow(
                    [site.id, "site", site.name, site.owner, site.region, url, "", "", site.site_code, ""]
                )
            for account in self.accounts.accounts if self.accounts else []:
                writer.writerow(
                    [
                        account.target_id,
                        "account",
                        account.name,
                        account.owner,
                        account.region,
                        account.profile_url,
                        account.platform,
                        account.account_id,
                        "",
                        account.extra.get("account_type", ""),
                    ]
                )
        return out

    def allow_hosts(self) -> list[str]:
        """The SSRF guard's allow list for this world: each simulated name with its own port (the
        served port, or the refused one, and any TLS server's), so nothing else on loopback is opened."""
        entries = []
        for host in self.world.hosts():
            for port in (urlsplit(self.url(host)).port, *self.tls_ports):
                entries.append(f"{host}:{port}")
        return entries

    def write_config(self, path: str | Path, *, es_url: str = "", index_prefix: str = "govpatrol") -> Path:
        """A govpatrol TOML config that reaches the simulated web (and nothing else)."""
        resolve = ", ".join(f"{json.dumps(h)} = {json.dumps(ip)}" for h, ip in self.resolve_map().items())
        allow = ", ".join(json.dumps(entry) for entry in self.allow_hosts())
        text = (
            "# Written by simweb: the simulated government web.\n"
            "[elasticsearch]\n"
            f"url = {json.dumps(es_url)}\n"
            f"index_prefix = {json.dumps(index_prefix)}\n\n"
            "[network]\n"
            f"allow_hosts = [{allow}]\n"
            "offline = true\n"
            f"resolve = {{ {resolve} }}\n"
        )
        for key, origin in (self.accounts.origins() if self.accounts else {}).items():
            text += f"\n[platforms.{key}]\norigin = {json.dumps(origin)}\n"
            app = self.accounts.apps[key] if self.accounts else None
            if app is not None and hasattr(app, "credentials"):  # the office's own back-office login
                creds = ", ".join(f"{k} = {json.dumps(v)}" for k, v in app.credentials().items())
                text += f"credentials = {{ {creds} }}\n"
        out = Path(path)
        out.write_text(text, encoding="utf-8")
        return out

    def write_truth(self, path: str | Path, indicators: str | Path | None = None) -> Path:
        """truth.json, written atomically (a reader polling for the file never sees half of it)."""
        out = Path(path)
        partial = out.with_name(out.name + ".partial")
        partial.write_text(json.dumps(self.truth(indicators), ensure_ascii=False, indent=1), encoding="utf-8")
        partial.replace(out)
        return out

    def truth(self, indicators: str | Path | None = None) -> dict[str, Any]:
        """Sites' truth plus, when platforms are simulated, ``accounts``: target id -> expected state."""
        truth = self.world.truth(indicators)
        if self.accounts is not None:
            truth["accounts"] = self.accounts.truth(str(indicators) if indicators else None)
            if self.accounts.reposts is not None:  # a planted 重大事件 (simweb.reposts)
                truth["reposts"] = self.accounts.reposts.truth()
        return truth

    def set_route(self, host: str, path: str, route: Route | str | bytes | None) -> None:
        self.world.set_route(host, path, route)

    def fix_site(self, target_id: str) -> None:
        self.world.fix_site(target_id)
