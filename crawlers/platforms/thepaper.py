"""澎湃号 / 澎湃政务 (thepaper.cn): the account's home page, then its first page of posts.

``homePage/{pphId}`` proves the account exists (and names it) before an empty post list can mean
``no_posts``; posts come from ``POST contentapi/cont/pph/user`` (澎湃号, ``/user_{id}`` URLs) or
``.../pph/gov`` (政务号, ``/gov_{id}`` URLs), dated by ``pubTimeLong`` (ms). Error codes are not
documented anywhere we read: the ones below are marked [unconfirmed].
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from crawlers.dates import parse_date, parse_timestamp
from crawlers.models import Target
from crawlers.platforms.base import (
    AccountResult,
    Fetch,
    PlatformSettings,
    Post,
    Reply,
    checked_json,
    dig,
    from_posts,
    gone,
    post_words,
    unverified,
)

KEY = "thepaper"
HOSTS = ("www.thepaper.cn", "m.thepaper.cn", "api.thepaper.cn")
NEEDS_BROWSER = False

API = "https://api.thepaper.cn"
HOME_PATH = "/userservice/user/homePage/{pph_id}"
POSTS_USER_PATH = "/contentapi/cont/pph/user"
POSTS_GOV_PATH = "/contentapi/cont/pph/gov"
ARTICLE_URL = "https://www.thepaper.cn/newsDetail_forward_{cont_id}"
PAGE_SIZE = 10
# The API answers only requests that look like the mobile site (RSSHub sends these).
HEADERS = {"Client-Type": "2", "Origin": "https://m.thepaper.cn", "Referer": "https://m.thepaper.cn/"}
ID_IN_URL = re.compile(r"thepaper\.cn/(user|gov)_(\d+)")

CODE_OK = 200  # body "code" on success
# [unconfirmed] codes and phrases for an account that no longer exists: invented for the simulated
# web, kept here so a real observation is a one-line fix.
CODES_GONE = {4004: "user does not exist", 4005: "account banned"}
GONE_PHRASES = ("用户不存在", "账号已注销", "该账号已被封禁")
# Post fields: pubTimeLong is ms since the epoch; pubTime / pubTimeNew are display strings.
F_LIST, F_TIME_MS, F_TIME_TEXT = "list", "pubTimeLong", ("pubTime", "pubTimeNew")
F_ID, F_TITLE = "contId", "name"


def _account(target: Target) -> tuple[str, bool]:
    """(pphId, is_gov): from account_id ("123" or "gov_123") or the profile URL."""
    url_match = ID_IN_URL.search(target.url or "")
    raw = (target.account_id or "").strip()
    if raw:
        is_gov = raw.startswith("gov_") or bool(url_match and url_match.group(1) == "gov")
        return raw.removeprefix("gov_").removeprefix("user_"), is_gov
    if url_match:
        return url_match.group(2), url_match.group(1) == "gov"
    return "", False


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    pph_id, is_gov = _account(target)
    if not pph_id:
        return unverified("no account id (pphId) in the target", url=target.url)
    return Fetch(
        url=API + HOME_PATH.format(pph_id=pph_id),
        step="home",
        headers=dict(HEADERS),
        data={"pph_id": pph_id, "gov": is_gov},
    )


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001 - protocol
    data = checked_json(reply)
    if isinstance(data, AccountResult):
        return data
    code, desc = dig(data, "code"), str(dig(data, "desc", default="") or dig(data, "msg", default="") or "")
    if code in CODES_GONE:
        return gone(CODES_GONE[code], reply, code=code, desc=desc)
    if code != CODE_OK and any(p in desc for p in GONE_PHRASES):
        return gone(f"account gone ({desc})", reply, code=code)
    if code != CODE_OK:
        return unverified(f"API code {code}", reply, code=code, desc=desc)
    if reply.fetch.step == "home":
        return _posts_fetch(reply, data)
    return _result(reply, data, now)


def _posts_fetch(reply: Reply, data: Any) -> Fetch | AccountResult:
    info = dig(data, "data", "userInfo") or {}
    if not isinstance(info, dict) or not info:
        return unverified("home page without user info", reply, code=dig(data, "code"))
    pph_id, is_gov = reply.fetch.data["pph_id"], reply.fetch.data["gov"]
    if is_gov:
        body: dict[str, Any] = {"pageNum": 1, "pageSize": PAGE_SIZE, "pphId": pph_id}
    else:
        body = {
            "pageSize": PAGE_SIZE,
            "pageNum": 1,
            "contType": 0,
            "excludeContIds": [],
            "pphId": pph_id,
            "startTime": 0,
        }
    return Fetch(
        url=API + (POSTS_GOV_PATH if is_gov else POSTS_USER_PATH),
        step="posts",
        method="POST",
        headers={**HEADERS, "Content-Type": "application/json"},
        body=json.dumps(body, separators=(",", ":")),
        data={**reply.fetch.data, "name": str(info.get("sname") or "")},
    )


def _result(reply: Reply, data: Any, now: datetime) -> AccountResult:
    items = dig(data, "data", F_LIST)
    if not isinstance(items, list):
        return unverified("no post list in the answer", reply, code=dig(data, "code"))
    posts = [p for p in (_post(item, now) for item in items) if p is not None]
    if items and not posts:
        return unverified("posts without dates", reply, items=len(items))
    result = from_posts(posts, reply, gov=reply.fetch.data["gov"])
    result.name = reply.fetch.data.get("name", "")
    return result


def _post(item: Any, now: datetime) -> Post | None:
    ms = dig(item, F_TIME_MS)
    date, raw = None, ""
    if isinstance(ms, int | float) or (isinstance(ms, str) and ms.isdigit()):
        date, raw = parse_timestamp(ms), str(ms)
    else:  # no epoch value: fall back to the display string (may be relative, "3小时前")
        for field in F_TIME_TEXT:
            text = str(dig(item, field, default="") or "")
            date, raw = parse_date(text, now), text
            if date is not None:
                break
    if date is None:
        return None
    cont_id = str(dig(item, F_ID, default="") or "")
    return Post(
        date=date,
        raw=raw,
        id=cont_id,
        url=ARTICLE_URL.format(cont_id=cont_id) if cont_id else "",
        title=str(dig(item, F_TITLE, default="") or ""),
        text=post_words(dig(item, F_TITLE), dig(item, "summary")),
    )
