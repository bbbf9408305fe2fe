"""Baidu Baijiahao (百家号): the account's latest post, or why we cannot say.

Three requests: the profile HTML ``author.baidu.com/home/{app_id}`` (it embeds the
account's ``"uk"``; Baidu's not-found page says 哎呀迷路了), the user endpoint
``mbd.baidu.com/webpage?action=home`` (``errno`` ≠ 0 or no ``user`` = gone; ``content_num`` 0 =
no posts), then the post list ``action=dynamic`` (``data.list[].itemData.created_at``, unix s).
Once the user endpoint has shown the account, a failing list is ``unverified``, never gone.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from crawlers.dates import parse_date, parse_timestamp
from crawlers.models import Target
from crawlers.platforms.base import (
    AccountResult,
    Fetch,
    PlatformSettings,
    Post,
    Reply,
    blocked,
    dig,
    from_posts,
    gone,
    post_words,
    read_json,
    unverified,
)

KEY = "baijiahao"
HOSTS = ("author.baidu.com", "mbd.baidu.com")
NEEDS_BROWSER = False

PROFILE = "https://author.baidu.com/home/{app_id}"
API = "https://mbd.baidu.com/webpage"
USER_QUERY = {"type": "homepage", "action": "home", "format": "json"}  # + uk
POSTS_QUERY = {
    "tab": "main",
    "num": "10",
    "source": "pc",
    "type": "newhome",
    "action": "dynamic",
    "format": "json",
}
COOKIE_HEADER = "Cookie"  # BAIDUID, when an office configured one, makes the list endpoint less picky

APP_ID_IN_URL = re.compile(r"author\.baidu\.com/home(?:/|\?(?:[^#]*&)?app_id=)(\d+)")
APP_ID_ONLY = re.compile(r"\d{6,}")
UK_IN_HTML = re.compile(r"""["']uk["']\s*:\s*["']([A-Za-z0-9_\-]+)["']""")

ERRNO = "errno"  # 0 = fine
ERRMSG = "errmsg"
USER_FIELD = "user"  # data.user on the user endpoint; missing = gone
COUNT_FIELD = "content_num"  # data.user.content_num: 0 = exists, never posted
NAME_FIELDS = ("display_name", "name", "uname")
ITEM_FIELD = "itemData"  # data.list[].itemData
DATE_FIELD = "created_at"  # unix seconds (as a string or number)

GONE_MARKERS = ("哎呀迷路了",)  # Baidu's page-not-found ("you got lost"): no such author
# Baidu's security check and throttle pages, and its captcha host.
ANTIBOT_MARKERS = (
    "百度安全验证",
    "网络不给力，请稍后重试",
    "请完成下方验证后继续操作",
    "wappass.baidu.com/static/captcha",
)
# An errno message that says "slow down", not "no such account".
THROTTLE_WORDS = ("频繁", "稍后", "验证", "busy", "limit")


def _app_id(target: Target) -> str:
    if target.account_id and APP_ID_ONLY.fullmatch(target.account_id.strip()):
        return target.account_id.strip()
    m = APP_ID_IN_URL.search(target.url or "")
    return m.group(1) if m else ""


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    app_id = _app_id(target)
    if not app_id:
        return unverified("no app_id in account_id or URL", url=target.url)
    headers = {}
    if settings.cookies:
        headers[COOKIE_HEADER] = "; ".join(f"{k}={v}" for k, v in settings.cookies.items())
    return Fetch(url=PROFILE.format(app_id=app_id), step="profile", headers=headers, data={"app_id": app_id})


def _antibot(reply: Reply) -> AccountResult | None:
    hits = [m for m in ANTIBOT_MARKERS if m in reply.text[:4000] or m in reply.location]
    return unverified(f"Baidu security check ({hits[0]})", reply) if hits else None


def _read(reply: Reply) -> Any | AccountResult:
    early = _antibot(replace(reply, text=""))  # 百度安全验证 redirects, before the generic checks
    return early or read_json(reply, _antibot)


def _profile(reply: Reply) -> Fetch | AccountResult:
    hit = _antibot(reply) or blocked(reply)
    if hit is not None:
        return hit
    if any(m in reply.text for m in GONE_MARKERS):
        return gone("author page not found (哎呀迷路了)", reply)
    if reply.status != 200:
        return unverified(f"HTTP {reply.status} on the author page", reply, location=reply.location or None)
    m = UK_IN_HTML.search(reply.text)
    if not m:
        return unverified("author page without uk", reply)
    uk = m.group(1)
    return Fetch(
        url=f"{API}?{urlencode({**USER_QUERY, 'uk': uk})}",
        step="user",
        headers=reply.fetch.headers,
        data={**reply.fetch.data, "uk": uk},
    )


def _user(reply: Reply, data: dict[str, Any]) -> Fetch | AccountResult:
    errno, errmsg = data.get(ERRNO), str(data.get(ERRMSG) or "")
    codes: dict[str, Any] = {"errno": errno, "errmsg": errmsg}
    if errno not in (0, "0") and any(w in errmsg for w in THROTTLE_WORDS):
        return unverified(f"throttled (errno {errno})", reply, **codes)
    user = dig(data, "data", USER_FIELD)
    if errno not in (0, "0") or not isinstance(user, dict) or not user:
        return gone(f"user endpoint: errno {errno} {errmsg}".strip(), reply, **codes)
    name = ([str(user[f]) for f in NAME_FIELDS if user.get(f)] or [""])[0]
    count = user.get(COUNT_FIELD)
    if count in (0, "0"):
        result = from_posts([], reply, content_num=0)
        result.name = name
        return result
    uk = reply.fetch.data["uk"]
    return Fetch(
        url=f"{API}?{urlencode({**POSTS_QUERY, 'uk': uk})}",
        step="posts",
        headers=reply.fetch.headers,
        data={**reply.fetch.data, "name": name, "count": count},
    )


def _post(item: Any, now: datetime) -> Post | None:
    data = item.get(ITEM_FIELD) if isinstance(item, dict) else None
    if not isinstance(data, dict):
        return None
    raw = str(data.get(DATE_FIELD) or "").strip()
    if not raw:
        return None
    date = parse_timestamp(raw) if raw.isdigit() else parse_date(raw, now)
    if date is None:
        return None
    return Post(
        date=date,
        raw=raw,
        id=str(data.get("article_id") or data.get("id") or ""),
        url=str(data.get("url") or ""),
        title=str(data.get("title") or "")[:80],
        text=post_words(data.get("title"), data.get("abstract"), data.get("digest")),
    )


def _posts(reply: Reply, data: dict[str, Any], now: datetime) -> AccountResult:
    state = reply.fetch.data
    errno = data.get(ERRNO)
    if errno not in (0, "0"):
        return unverified(f"post list refused (errno {errno})", reply, errno=errno, errmsg=data.get(ERRMSG))
    items = dig(data, "data", "list")
    if not isinstance(items, list):
        return unverified("post list missing", reply)
    posts = [p for p in (_post(i, now) for i in items) if p is not None]
    if not posts:
        why = "posts without readable dates" if items else "empty list but the user shows posts"
        return unverified(why, reply, items=len(items), content_num=state.get("count"))
    result = from_posts(posts, reply, content_num=state.get("count"))
    result.name = state.get("name", "")
    return result


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001
    if reply.fetch.step == "profile":
        return _profile(reply)
    data = _read(reply)
    if isinstance(data, AccountResult):
        return data
    if reply.fetch.step == "user":
        return _user(reply, data)
    return _posts(reply, data, now)
