"""The duty desk in a real browser for the tests: the app under uvicorn in a thread, headless
Chromium (Debian's, through Playwright) signed in as a user, and page screenshots kept as artifacts
under ``artifacts/desk/`` (git-ignored) for a person to look at after the run."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from crawlers.browser import CHROMIUM_ARGS
from crawlers.config import Config
from govpatrol.services import chromium_path
from govpatrol.web.app import create_app

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "desk"
START_TIMEOUT_S = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_desk(config: Config) -> Iterator[str]:
    """The desk over ``config`` on a free loopback port; yields its base URL."""
    app = create_app(config, secret_key="desk-test-secret")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="desk", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:  # uvicorn sets it once the socket listens
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the desk did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright ``Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if re.search(r"/login", page.url):
        raise AssertionError(f"sign-in as {username} failed: {page.inner_text('main')}")


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
