"""The demo's duty desk: the desk over the demo's indices, with a first admin login printed once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from crawlers.config import load_config
from crawlers.dates import BEIJING
from govpatrol.roster import set_duty
from govpatrol.users import UserStore, generate_password
from govpatrol.web.app import create_app, serve
from pipelines.store import Store

DEMO_USER = "demo-admin"


def first_login(store: Store) -> str:
    """A fresh password for the demo's admin (created on the first run), on duty today."""
    users = UserStore(store)
    password = generate_password()
    if users.get(DEMO_USER) is None:
        users.add(DEMO_USER, "admin", password, "演示管理员")
    else:
        users.passwd(DEMO_USER, password)
    set_duty(store, datetime.now(BEIJING).date(), DEMO_USER, "", by=DEMO_USER)
    return password


def serve_demo_desk(config_path: Path, port: int) -> None:
    """Serve the desk on loopback until Ctrl-C, after printing its address and the first login."""
    config = load_config(config_path)
    app = create_app(config)
    password = first_login(Store(config.elasticsearch))
    print(
        f"duty desk (值班台): http://127.0.0.1:{port}/  sign in as {DEMO_USER} with password {password} "
        "(shown once; Ctrl-C stops the desk)",
        flush=True,
    )
    serve(app, "127.0.0.1", port)
