"""What every page handler reaches through ``request.app.state.desk``: config, store, users, templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from crawlers.config import Config
from crawlers.dates import BEIJING
from govpatrol.findings_search import indicator_names
from govpatrol.users import UserStore
from govpatrol.web.security import LoginLimiter, csrf_token, current_user
from pipelines.store import Store

TEMPLATES = Path(__file__).with_name("templates")
NAV = (
    ("/", "今日值守"),
    ("/review", "待审核"),
    ("/events", "重大事件转载"),
    ("/findings", "问题查询"),
    ("/log", "值守日志"),
    ("/roster", "值班表"),
)


def beijing(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (ISO text or datetime) as Beijing wall time; empty for none."""
    if not value:
        return ""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        when = when.replace(tzinfo=BEIJING)
    return when.astimezone(BEIJING).strftime(fmt)


def duration_zh(seconds: float) -> str:
    """``1天3小时``, ``2小时5分``, ``7分`` -- how long something has lasted or is left."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{mins}分"
    return f"{mins}分"


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))  # autoescape on for .html
    templates.env.filters["beijing"] = beijing
    templates.env.filters["duration"] = duration_zh
    return templates


@dataclass
class Desk:
    config: Config
    store: Store
    users: UserStore
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    templates: Jinja2Templates = field(default_factory=_templates)

    @cached_property
    def names(self) -> dict[str, str]:
        """Indicator id -> Chinese name, read once from the indicator data the CLI uses."""
        return indicator_names(self.config.indicators_file or None)

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        context.update(
            user=current_user(request),
            csrf=csrf_token(request),
            nav=NAV,
            path=request.url.path,
            now=datetime.now(BEIJING),
            names=self.names,
        )
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk
