"""The desk as one Starlette app: pages, guards, error pages, and the server that runs it.

:func:`create_app` takes the loaded :class:`~crawlers.config.Config` (the same Elasticsearch as the
CLI) and a session secret; :func:`serve` runs it under uvicorn, with TLS when given a certificate.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from crawlers.config import Config
from govpatrol.users import UserStore
from govpatrol.web import auth, baselines, dutylog, events, findings, review, snapshot, today
from govpatrol.web.desk import TEMPLATES, Desk, desk_of
from govpatrol.web.security import SecurityHeaders
from pipelines.store import Store, StoreUnavailable

SESSION_COOKIE = "govpatrol_desk"
SESSION_HOURS = 12  # one duty shift


def stylesheet(request: Request) -> Response:
    return PlainTextResponse((TEMPLATES / "desk.css").read_text(encoding="utf-8"), media_type="text/css")


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "服务器内部错误。"
    return desk_of(request).render(request, "error.html", status, status=status, detail=detail)


async def store_down(request: Request, exc: Exception) -> Response:
    detail = f"无法连接 Elasticsearch：{exc}"
    return desk_of(request).render(request, "error.html", 503, status=503, detail=detail)


def create_app(config: Config, *, secret_key: str | None = None, https: bool = False) -> Starlette:
    """The desk over ``config``'s Elasticsearch; sessions signed with ``secret_key`` (random if none:
    everyone signs in again after a restart)."""
    store = Store(config.elasticsearch)
    if not (store.has_index("users") and store.has_index("roster")):  # a node set up before the desk
        store.ensure_indices()
    desk = Desk(config=config, store=store, users=UserStore(store))
    routes = [
        Route("/desk.css", stylesheet, methods=["GET"]),
        *auth.ROUTES,
        *today.ROUTES,
        *findings.ROUTES,
        *dutylog.ROUTES,
        *review.ROUTES,
        *baselines.ROUTES,
        *events.ROUTES,
        *snapshot.ROUTES,
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=secret_key or secrets.token_urlsafe(32),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_HOURS * 3600,
            same_site="strict",
            https_only=https,
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error, StoreUnavailable: store_down},
    )
    app.state.desk = desk
    return app


def serve(app: Starlette, host: str, port: int, *, cert: Path | None = None, key: Path | None = None) -> None:
    """Run under uvicorn until interrupted (TLS when ``cert`` and ``key`` are given)."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=str(cert) if cert else None,
        ssl_keyfile=str(key) if key else None,
        log_level="warning",
        proxy_headers=False,
    )
