"""Signing in and out: argon2-checked passwords, a fresh session on login, a rate-limited form."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from govpatrol.web.desk import desk_of
from govpatrol.web.security import checked_form, csrf_token


def _safe_next(value: str) -> str:
    """Only a path of this desk (never ``//host`` or a URL) is followed after login."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


def login_page(request: Request) -> Response:
    return desk_of(request).render(
        request, "login.html", next=_safe_next(request.query_params.get("next", "/"))
    )


async def login(request: Request) -> Response:
    desk = desk_of(request)
    form = await checked_form(request)
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or "/"))
    address = request.client.host if request.client else "unknown"
    if not desk.limiter.allow(address, username):
        return desk.render(
            request, "login.html", 429, next=target, error="登录尝试过于频繁，请一分钟后再试。"
        )
    user = await run_in_threadpool(desk.users.authenticate, username, password)
    if user is None:
        desk.limiter.failed(address, username)
        return desk.render(request, "login.html", 401, next=target, error="用户名或密码错误。")
    request.session.clear()  # a new session for the signed-in user (no fixation)
    request.session["user"] = {"username": user.username, "role": user.role, "label": user.label}
    csrf_token(request)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
