"""The duty desk's guards, over HTTP against the real Elasticsearch: every page wants a login, every
form its CSRF token, logins are rate-limited, passwords are argon2 hashes, every page carries a CSP
that forbids script, and a non-loopback address needs TLS or --insecure."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from crawlers.config import Config, ElasticsearchConfig
from crawlers.dates import BEIJING
from govpatrol.cli import main
from govpatrol.cli.web import check_binding
from govpatrol.demodesk import DEMO_USER, first_login
from govpatrol.roster import month_roster, on_duty
from govpatrol.users import UserStore
from govpatrol.web.app import create_app
from pipelines.store import Store

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def desk_store(es_url: str) -> Iterator[Store]:
    """One index prefix for the module (creating indices is the slow part on a busy node)."""
    store = Store(ElasticsearchConfig(url=es_url, index_prefix=f"govpatrol-test-{uuid.uuid4().hex[:8]}"))
    store.ensure_indices()
    users = UserStore(store)
    users.add("duty1", "duty", PASSWORD, "值守员甲")
    users.add("insp1", "inspector", PASSWORD)
    users.add("admin1", "admin", PASSWORD)
    yield store
    store.delete_indices()


@pytest.fixture
def desk(desk_store: Store) -> Iterator[tuple[TestClient, UserStore]]:
    """A fresh desk (its own login limiter) over the module's store."""
    config = Config()
    config.elasticsearch = desk_store.cfg
    app = create_app(config, secret_key="test-secret")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client, UserStore(desk_store)


def _csrf(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def login(client: TestClient, username: str = "duty1", password: str = PASSWORD) -> int:
    resp = client.post(
        "/login",
        data={"csrf": _csrf(client), "username": username, "password": password, "next": "/"},
        follow_redirects=False,
    )
    return resp.status_code


def test_every_page_redirects_to_login_without_a_session(desk: tuple[TestClient, UserStore]) -> None:
    client, _ = desk
    pages = [
        r.path.replace("{finding_id}", "x").replace("{event_id}", "x").replace("{which}", "screenshot")
        for r in client.app.routes  # type: ignore[attr-defined]
        if isinstance(r, Route) and "GET" in (r.methods or ()) and r.path not in ("/login", "/desk.css")
    ]
    assert "/" in pages
    assert "/findings" in pages
    assert "/log.xlsx" in pages
    for page in pages:
        resp = client.get(page, follow_redirects=False)
        assert resp.status_code == 303, page
        assert resp.headers["location"].startswith("/login?next="), page


def test_every_form_is_refused_without_its_csrf_token(desk: tuple[TestClient, UserStore]) -> None:
    client, _ = desk
    assert login(client, "admin1") == 303
    posts = [
        r.path.replace("{finding_id}", "x")
        for r in client.app.routes
        if isinstance(r, Route) and "POST" in (r.methods or ())
    ]  # type: ignore[attr-defined]
    assert "/login" in posts
    assert "/roster" in posts
    for path in posts:
        resp = client.post(path, data={"day": "2026-01-01", "note": "x"}, follow_redirects=False)
        assert resp.status_code == 403, path
        assert "CSRF" in resp.text
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_login_logout_and_wrong_passwords_are_rate_limited(desk: tuple[TestClient, UserStore]) -> None:
    client, _ = desk
    assert login(client, password="wrong-password-1") == 401
    assert login(client) == 303
    page = client.get("/")
    assert page.status_code == 200
    assert "值守员甲" in page.text
    assert "今日值守" in page.text
    assert 'id="all-quiet"' in page.text  # nothing down, nothing new, nothing waiting: said plainly
    cookie = page.request.headers.get("cookie", "")
    assert "govpatrol_desk=" in cookie
    client.post("/logout", data={"csrf": _csrf(client, "/")}, follow_redirects=False)
    assert client.get("/", follow_redirects=False).status_code == 303
    codes = [login(client, password=f"wrong-password-{i}") for i in range(5)]
    assert codes == [401] * 4 + [429]
    assert login(client) == 429  # even the right password waits out the window


def test_session_cookie_is_httponly_and_samesite(desk: tuple[TestClient, UserStore]) -> None:
    client, _ = desk
    resp = client.post(
        "/login",
        data={"csrf": _csrf(client), "username": "duty1", "password": PASSWORD},
        follow_redirects=False,
    )
    cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_pages_forbid_script_and_roles_gate_the_roster(desk: tuple[TestClient, UserStore]) -> None:
    client, _ = desk
    assert login(client, "insp1") == 303
    for page in ("/", "/findings", "/log", "/roster"):
        resp = client.get(page)
        assert resp.status_code == 200, page
        csp = resp.headers["content-security-policy"]
        assert "default-src 'none'" in csp, page
        assert "script-src" not in csp, page
        assert "<script" not in resp.text
    csrf = _csrf(client, "/roster")
    resp = client.post("/roster", data={"csrf": csrf, "day": "2026-01-01", "officer": "duty1"})
    assert resp.status_code == 403  # an inspector cannot edit the roster


def test_passwords_are_stored_as_argon2_hashes(desk: tuple[TestClient, UserStore], desk_store: Store) -> None:
    doc = desk_store.es.get(index=desk_store.index_name("users"), id="duty1")["_source"]
    assert doc["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in str(doc)
    _, users = desk
    assert users.authenticate("duty1", PASSWORD) is not None
    assert users.authenticate("duty1", "not-the-password") is None
    assert users.authenticate("nobody", PASSWORD) is None


def test_users_cli_add_passwd_list(
    desk_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "desk.toml"
    cfg.write_text(
        f'[elasticsearch]\nurl = "{desk_store.cfg.url}"\nindex_prefix = "{desk_store.prefix}"\n',
        encoding="utf-8",
    )
    base = ["users", "--config", str(cfg)]
    assert main([*base, "add", "--role", "值守人员", "--name", "王五", "--generate", "wang"]) == 0
    printed = capsys.readouterr().out
    password = re.search(r"password: (\S+)", printed)
    assert password
    assert "shown once" in printed
    users = UserStore(desk_store)
    assert users.authenticate("wang", password.group(1)) is not None
    assert main([*base, "add", "--role", "duty", "--generate", "wang"]) == 2  # exists
    assert "already exists" in capsys.readouterr().err
    assert main([*base, "add", "--role", "boss", "--generate", "zhao"]) == 2
    assert "unknown role" in capsys.readouterr().err
    assert main([*base, "passwd", "--generate", "wang"]) == 0
    new = re.search(r"password: (\S+)", capsys.readouterr().out)
    assert new
    assert users.authenticate("wang", password.group(1)) is None
    assert users.authenticate("wang", new.group(1)) is not None
    assert main([*base, "list"]) == 0
    assert "wang\tduty (值守人员)\t王五" in capsys.readouterr().out


def test_a_non_loopback_address_needs_tls_or_insecure(tmp_path: Path) -> None:
    assert check_binding("127.0.0.1", None, None, False) is None
    assert check_binding("::1", None, None, False) is None
    refused = check_binding("0.0.0.0", None, None, False)
    assert refused
    assert "TLS" in refused
    assert "--insecure" in refused
    assert check_binding("0.0.0.0", None, None, True) is None
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x")
    key.write_text("x")
    assert check_binding("10.0.0.5", str(cert), str(key), False) is None
    assert check_binding("10.0.0.5", str(cert), None, False) == "--cert and --key go together"
    assert main(["web", "--host", "0.0.0.0", "--port", "1"]) == 2


def test_the_demo_prints_a_first_login_that_works_and_puts_its_admin_on_duty(desk_store: Store) -> None:
    first = first_login(desk_store)
    users = UserStore(desk_store)
    admin = users.authenticate(DEMO_USER, first)
    assert admin is not None
    assert admin.role == "admin"
    again = first_login(desk_store)  # a second demo run: a new password, the old one no longer works
    assert again != first
    assert users.authenticate(DEMO_USER, first) is None
    today = datetime.now(BEIJING)
    assert on_duty(month_roster(desk_store, today.strftime("%Y-%m")), today).officer == DEMO_USER  # type: ignore[union-attr]


def test_govpatrol_web_serves_the_login_page_on_loopback(desk_store: Store, tmp_path: Path) -> None:
    cfg = tmp_path / "desk.toml"
    cfg.write_text(
        f'[elasticsearch]\nurl = "{desk_store.cfg.url}"\nindex_prefix = "{desk_store.prefix}"\n',
        encoding="utf-8",
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    govpatrol = Path(sys.executable).with_name("govpatrol")
    proc = subprocess.Popen(
        [str(govpatrol), "web", "--config", str(cfg), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"duty desk: http://127.0.0.1:{port}/"
        for _ in range(100):  # the address is printed just before uvicorn binds
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert resp.status_code == 200
        assert "登录值班台" in resp.text
        assert "default-src 'none'" in resp.headers["content-security-policy"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_govpatrol_web_says_when_elasticsearch_does_not_answer(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # nothing listens here once the socket is closed
    assert main(["web", "--es", f"http://127.0.0.1:{closed}", "--port", "1"]) == 1
    assert f"127.0.0.1:{closed}" in capsys.readouterr().err
