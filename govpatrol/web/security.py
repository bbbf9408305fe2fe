"""The desk's guards: response headers (CSP), the signed session's user, CSRF tokens, the login limit.

Every page is served with a Content-Security-Policy that allows no script at all (the desk needs
none) and frames only from itself; snapshot responses get a stricter one with ``sandbox``, so even
a browser that rendered a snapshot as HTML would give it an opaque origin and no script. CSRF:
a random token per session, in a hidden field of every form, compared in constant time before any
POST handler runs (:func:`checked_form`). The login limit is a moving window per client address
and per user name (``limits``).
"""

from __future__ import annotations

import hmac
import inspect
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# snapshots: no script, no load but inline images and styles, an opaque origin, framed by the desk only
SNAPSHOT_CSP = (
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'none'; "
    "frame-ancestors 'self'; base-uri 'none'"
)
LOGIN_PER_ADDRESS = RateLimitItemPerMinute(10)
LOGIN_PER_USER = RateLimitItemPerMinute(5)


class SecurityHeaders:
    """Pure ASGI middleware: the page CSP and friends on every response that has no CSP of its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {
                    b"content-security-policy": PAGE_CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"no-referrer",
                    b"cache-control": b"no-store",
                    b"x-frame-options": b"DENY",
                }
                headers += [(name, value) for name, value in extra.items() if name not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after its CSRF token matched the session's (else 403)."""
    form = await request.form()
    sent = str(form.get("csrf") or "")
    expected = str(request.session.get("csrf") or "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "表单已失效或缺少校验码（CSRF），请刷新页面后重试。")
    return form


class LoginLimiter:
    """After 10 failed logins in a minute from one address, or 5 for one user name, every attempt
    (even with the right password) waits until the window has moved on."""

    def __init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, address: str, username: str) -> bool:
        return self.limiter.test(LOGIN_PER_ADDRESS, "address", address) and self.limiter.test(
            LOGIN_PER_USER, "user", username.strip().lower()
        )

    def failed(self, address: str, username: str) -> None:
        self.limiter.hit(LOGIN_PER_ADDRESS, "address", address)
        self.limiter.hit(LOGIN_PER_USER, "user", username.strip().lower())


def current_user(request: Request) -> dict[str, Any] | None:
    user = request.session.get("user")
    return user if isinstance(user, dict) else None


Endpoint = Callable[[Request], Any]


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def require(*roles: str) -> Callable[[Endpoint], Endpoint]:
    """A page for signed-in users (of ``roles``, when given); others go to the login page."""

    def wrap(endpoint: Endpoint) -> Endpoint:
        async def guarded(request: Request) -> Response:
            user = current_user(request)
            if user is None:
                return login_redirect(request)
            if roles and user.get("role") not in roles:
                raise HTTPException(403, "当前账号无权执行此操作。")
            if inspect.iscoroutinefunction(endpoint):
                return await endpoint(request)
            # the store's client is synchronous: plain handlers run in the thread pool
            return await run_in_threadpool(endpoint, request)

        guarded.__name__ = endpoint.__name__
        guarded.__doc__ = endpoint.__doc__
        return guarded

    return wrap
