"""Tencent News / 企鹅号: the account's latest post, or why we cannot say.

Two anonymous JSON requests on i.news.qq.com: ``getUserHomepageInfo`` (``ret`` ≠ 0
or no ``userinfo`` = gone; ``pubnum`` is often 0 for active accounts, so it is never used) then
``getSubNewsMixedList?tabId=om_index`` (``newslist[].timestamp``, unix s). Once the profile has shown
the account, a failing list is ``unverified``, never gone.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlencode

from crawlers.dates import parse_date, parse_timestamp
from crawlers.models import Target
from crawlers.platforms.base import (
    AccountResult,
    Fetch,
    PlatformSettings,
    Post,
    Reply,
    from_posts,
    gone,
    post_words,
    read_json,
    unverified,
)

KEY = "qqnews"
HOSTS = ("i.news.qq.com",)
NEEDS_BROWSER = False

INFO_API = "https://i.news.qq.com/i/getUserHomepageInfo"  # ?guestSuid={suid} or ?chlid={number}
LIST_API = "https://i.news.qq.com/getSubNewsMixedList"
LIST_QUERY = {"tabId": "om_index", "caller": "1"}  # + guestSuid
ARTICLE_URL = "https://view.inews.qq.com/a/{id}"

# news.qq.com/omn/author/{suid}, new.qq.com/omn/author/{suid}, view.inews.qq.com/u/{suid}
SUID_IN_URL = re.compile(r"(?:/omn/author/|inews\.qq\.com/u/)([A-Za-z0-9+/=_%\-]+)")
CHLID = re.compile(r"\d{4,}")  # a numeric media id (chlid) instead of a suid

RET = "ret"  # 0 = fine
ERRMSG_FIELDS = ("errmsg", "msg", "info")
USER_FIELD = "userinfo"
NAME_FIELD = "nick"
SUID_FIELD = "suid"
LIST_FIELD = "newslist"
DATE_FIELD = "timestamp"  # unix seconds
DATE_TEXT_FIELD = "time"  # "2024-09-26 10:00:00", when timestamp is missing
# A ret message that says "slow down", not "no such account".
THROTTLE_WORDS = ("频繁", "稍后", "验证", "busy", "limit")


def _ident(target: Target) -> tuple[str, str]:
    """(query key, value): ``guestSuid`` for a suid, ``chlid`` for a numeric media id."""
    raw = (target.account_id or "").strip()
    if not raw:
        m = SUID_IN_URL.search(target.url or "")
        raw = unquote(m.group(1)) if m else ""
    if not raw:
        return "", ""
    return ("chlid", raw) if CHLID.fullmatch(raw) else ("guestSuid", raw)


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    key, value = _ident(target)
    if not value:
        return unverified("no suid in account_id or URL", url=target.url)
    return Fetch(url=f"{INFO_API}?{urlencode({key: value})}", step="info", data={key: value})


def _read(reply: Reply) -> Any | AccountResult:
    return read_json(reply)


def _codes(data: dict[str, Any]) -> dict[str, Any]:
    """``ret`` and the first error message field the answer carries."""
    for name in ERRMSG_FIELDS:
        if isinstance(data.get(name), str) and data[name]:
            return {"ret": data.get(RET), "errmsg": data[name]}
    return {"ret": data.get(RET)}


def _info(reply: Reply, data: dict[str, Any]) -> Fetch | AccountResult:
    codes = _codes(data)
    ok = data.get(RET) in (0, "0")
    if not ok and any(w in codes.get("errmsg", "") for w in THROTTLE_WORDS):
        return unverified(f"throttled (ret {data.get(RET)})", reply, **codes)
    user = data.get(USER_FIELD)
    if not ok or not isinstance(user, dict) or not user:
        why = f"ret {data.get(RET)}" if not ok else "no userinfo"
        return gone(f"no such account ({why})", reply, **codes)
    suid = str(user.get(SUID_FIELD) or reply.fetch.data.get("guestSuid") or "")
    if not suid:
        return unverified("profile without suid", reply)
    return Fetch(
        url=f"{LIST_API}?{urlencode({'guestSuid': suid, **LIST_QUERY})}",
        step="list",
        data={"suid": suid, "name": str(user.get(NAME_FIELD) or "")},
    )


def _post(item: Any, now: datetime) -> Post | None:
    if not isinstance(item, dict):
        return None
    stamp, text = item.get(DATE_FIELD), str(item.get(DATE_TEXT_FIELD) or "")
    if isinstance(stamp, (int, float)) or (isinstance(stamp, str) and stamp.isdigit()):
        date: datetime | None = parse_timestamp(stamp)
        raw = str(stamp)
    else:
        date, raw = parse_date(text, now), text
    if date is None:
        return None
    pid = str(item.get("id") or "")
    return Post(
        date=date,
        raw=raw,
        id=pid,
        url=str(item.get("url") or (ARTICLE_URL.format(id=pid) if pid else "")),
        title=str(item.get("title") or item.get("longtitle") or "")[:80],
        text=post_words(item.get("title"), item.get("longtitle"), item.get("abstract")),
    )


def _list(reply: Reply, data: dict[str, Any], now: datetime) -> AccountResult:
    codes = _codes(data)
    if data.get(RET) not in (0, "0"):
        return unverified(f"post list refused (ret {data.get(RET)})", reply, **codes)
    items = data.get(LIST_FIELD)
    if not isinstance(items, list):
        return unverified("answer without newslist", reply, **codes)
    posts = [p for p in (_post(i, now) for i in items) if p is not None]
    if items and not posts:
        return unverified("posts without readable dates", reply, items=len(items))
    result = from_posts(posts, reply, has_next=data.get("hasNext"))
    result.name = reply.fetch.data.get("name", "")
    return result


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001
    data = _read(reply)
    if isinstance(data, AccountResult):
        return data
    if reply.fetch.step == "info":
        return _info(reply, data)
    return _list(reply, data, now)
