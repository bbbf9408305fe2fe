"""What every simulated platform shares: accounts with planted cases, requests, responses, a server.

A platform ``App`` renders the accounts it was given in the platform's real shapes (paths, JSON
fields, markers) for each case it supports; :mod:`simweb.accounts` decides the cases and computes
the ground truth, so what a response shows and what the truth says come from the same records.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)

# Every case an account can be planted with, and the state a correct crawler must report.
CASE_STATES: dict[str, str] = {
    "active": "latest",  # posted within the last days
    "warning": "latest",  # newest post 9 days ago: an early warning, not a zombie
    "zombie": "latest",  # newest post 20 days ago: ACCOUNT-VETO-NO-UPDATE
    "dormant": "latest",  # newest post over a year ago: long-dormant 僵尸
    "pinned_old": "latest",  # an old pinned post above new ones: not a zombie
    "pinned_new": "latest",  # a pinned post newer than the rest: it counts by its own date
    "relative": "latest",  # dates shown as "3天前" / "昨天 12:30" / "5小时前"
    "no_posts": "no_posts",  # exists, has never posted
    "deleted": "gone",  # does not exist / 已注销
    "banned": "gone",  # 已被封禁 / 屏蔽
    "private": "private",  # owner hid the posts
    "captcha": "unverified",  # a captcha / 安全验证 page
    "login_wall": "unverified",  # redirect to a passport/login page
    "http412": "unverified",  # anti-bot HTTP 412
    "http432": "unverified",  # anti-bot HTTP 432 (Weibo)
    "throttled": "unverified",  # rate limited (HTTP 429, or the platform's own code)
    "empty_body": "unverified",  # HTTP 200, empty body
    "malformed": "unverified",  # HTTP 200, broken JSON
    "no_public_list": "unverified",  # WeChat without album/article URLs or credentials
}


@dataclass
class SimPost:
    id: str
    title: str
    date: datetime  # whole minutes, Beijing time
    pinned: bool = False
    text: str = ""  # the post's text where the platform shows more than a title (HTML on Weibo)


@dataclass
class SimAccount:
    target_id: str
    platform: str
    case: str
    account_id: str  # the platform's id (uid, sec_uid, mid, app_id, suid, ...): set by the App
    name: str  # display name, e.g. "苏州发布"
    owner: str
    region: str
    posts: list[SimPost] = field(default_factory=list)  # newest first, pinned ones first of all
    profile_url: str = ""  # the real-host URL for the registry: set by the App
    extra: dict[str, Any] = field(default_factory=dict)  # platform-specific (uk, album id, ...)
    planted: list[dict[str, Any]] = field(default_factory=list)  # content watch: expressions in its posts


@dataclass
class Req:
    method: str
    path: str  # without the query
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    @property
    def cookies(self) -> dict[str, str]:
        pairs = (c.strip().split("=", 1) for c in self.headers.get("cookie", "").split(";") if "=" in c)
        return {k: v for k, v in pairs}

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace")))


@dataclass
class Resp:
    status: int = 200
    body: str | bytes = ""
    content_type: str = "application/json"
    charset: str = "utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, **kw: Any) -> Resp:
        return cls(status=status, body=json.dumps(data, ensure_ascii=False), **kw)

    @classmethod
    def html(cls, text: str, status: int = 200, **kw: Any) -> Resp:
        return cls(status=status, body=text, content_type="text/html", **kw)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Resp:
        return cls(status=status, body="", content_type="text/html", headers={"Location": location})


NOT_FOUND = Resp(status=404, body="<html><body>404 Not Found</body></html>", content_type="text/html")


class PlatformApp:
    """Base of every simulated platform. Subclasses set KEY and CASES and implement the three methods."""

    KEY: str = ""
    CASES: tuple[str, ...] = ()  # the cases this platform can show (keys of CASE_STATES)

    def __init__(self, accounts: list[SimAccount], as_of: datetime) -> None:
        self.accounts = accounts
        self.as_of = as_of
        self.origin = ""  # "http://127.0.0.1:PORT", set when the server starts
        for n, account in enumerate(accounts):
            account.account_id = self.account_id_for(account, n)
            account.profile_url = self.profile_url(account)

    def account_id_for(self, account: SimAccount, n: int) -> str:
        """A realistic id for the n-th account (uid digits, sec_uid, mid, ...)."""
        raise NotImplementedError

    def profile_url(self, account: SimAccount) -> str:
        """The profile URL on the platform's REAL host, as an office would list it in the registry."""
        raise NotImplementedError

    def handle(self, req: Req) -> Resp:
        """Answer one request (paths and query exactly as the real platform's)."""
        raise NotImplementedError

    def by_id(self, account_id: str) -> SimAccount | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        req = Req(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            resp = self.server.app.handle(req)
        except Exception:  # a bug in a simulated platform must show, not hang the crawler
            log.exception("simulated %s failed on %s", self.server.app.KEY, self.path)
            resp = Resp(status=500, body="internal error", content_type="text/plain")
        data = resp.body.encode(resp.charset) if isinstance(resp.body, str) else resp.body
        self.send_response(resp.status)
        ctype = f"{resp.content_type}; charset={resp.charset}" if resp.charset else resp.content_type
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s %s", self.server.app.KEY, format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: PlatformApp) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection error from %s", client_address)  # crawlers drop connections; not news


class PlatformServer:
    """One platform's local server (its own port, like a real platform has its own hosts)."""

    def __init__(self, app: PlatformApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> PlatformServer:
        self._server = _Server((self.host, self.port), self.app)
        self.port = self._server.server_address[1]
        self.app.origin = self.origin
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"sim-{self.app.KEY}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
