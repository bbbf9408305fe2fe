"""NetEase 网易号: the account's latest post, or why we cannot say.

The post list is ``dy.163.com/v2/article/list.do?wemediaId=W...``:
``data.list[].ptime`` is Beijing time without a zone; ``data: null`` means no such account. When the
registry only gives the profile ``www.163.com/dy/media/T....html``, that page is read first for its
``data-wemediaid``. Anti-crawling shows as titles without dates, which is ``unverified``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from crawlers.dates import parse_date
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

KEY = "netease"
HOSTS = ("dy.163.com", "www.163.com")
NEEDS_BROWSER = False

LIST_API = "https://dy.163.com/v2/article/list.do"
LIST_QUERY = {"pageNo": "1", "size": "10"}  # + wemediaId
PROFILE = "https://www.163.com/dy/media/{tid}.html"
ARTICLE_URL = "https://www.163.com/dy/article/{docid}.html"

WEMEDIA_ID = re.compile(r"W[0-9A-Za-z]{6,}")  # the list endpoint's account id
T_IN_URL = re.compile(r"/dy/media/(T[0-9A-Za-z]+)\.html")  # the profile page's id
T_ONLY = re.compile(r"T[0-9A-Za-z]{6,}")
WEMEDIA_IN_HTML = re.compile(r"""(?:data-wemediaid|wemediaId)["']?\s*[=:]\s*["'](W[0-9A-Za-z]+)["']""")

CODE = "code"  # 200 = fine
DATE_FIELD = "ptime"  # "2024-09-26 10:00:00", Beijing time
NAME_FIELD = "source"


def _ids(target: Target) -> tuple[str, str]:
    """(wemediaId, profile T-id): whichever the registry gives."""
    raw = (target.account_id or "").strip()
    if WEMEDIA_ID.fullmatch(raw):
        return raw, ""
    if T_ONLY.fullmatch(raw):
        return "", raw
    m = T_IN_URL.search(target.url or "")
    return "", m.group(1) if m else ""


def _list_fetch(wemedia_id: str) -> Fetch:
    query = urlencode({"pageNo": LIST_QUERY["pageNo"], "wemediaId": wemedia_id, "size": LIST_QUERY["size"]})
    return Fetch(url=f"{LIST_API}?{query}", step="list", data={"wemediaId": wemedia_id})


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    wemedia_id, tid = _ids(target)
    if wemedia_id:
        return _list_fetch(wemedia_id)
    if tid:
        return Fetch(url=PROFILE.format(tid=tid), step="profile", data={"tid": tid})
    return unverified("no wemediaId or profile id in account_id or URL", url=target.url)


def _profile(reply: Reply) -> Fetch | AccountResult:
    hit = blocked(reply)
    if hit is not None:
        return hit
    if reply.status == 404:
        return gone("profile page not found (HTTP 404)", reply)
    if reply.status != 200:
        return unverified(f"HTTP {reply.status} on the profile page", reply, location=reply.location or None)
    m = WEMEDIA_IN_HTML.search(reply.text)
    if not m:
        return unverified("profile page without wemediaId", reply)
    return _list_fetch(m.group(1))


def _read(reply: Reply) -> Any | AccountResult:
    return read_json(reply)


def _post(item: Any, now: datetime) -> Post | None:
    if not isinstance(item, dict):
        return None
    raw = str(item.get(DATE_FIELD) or "").strip()
    date = parse_date(raw, now) if raw else None
    if date is None:
        return None
    docid = str(item.get("docid") or "")
    return Post(
        date=date,
        raw=raw,
        id=docid,
        url=str(item.get("url") or (ARTICLE_URL.format(docid=docid) if docid else "")),
        title=str(item.get("title") or "")[:80],
        text=post_words(item.get("title"), item.get("digest")),
    )


def _list(reply: Reply, data: dict[str, Any], now: datetime) -> AccountResult:
    code = data.get(CODE)
    if code not in (200, "200", None):
        return unverified(f"refused (code {code})", reply, code=code, msg=data.get("msg"))
    if "data" in data and data["data"] is None:
        return gone("no such account (data: null)", reply, code=code)
    items = dig(data, "data", "list")
    if not isinstance(items, list):
        return unverified("answer without data.list", reply, code=code)
    posts = [p for p in (_post(i, now) for i in items) if p is not None]
    if items and not posts:
        return unverified("anti-crawling: titles without dates", reply, items=len(items))
    result = from_posts(posts, reply, code=code)
    names = [str(i.get(NAME_FIELD)) for i in items if isinstance(i, dict) and i.get(NAME_FIELD)]
    result.name = names[0] if names else ""
    return result


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001
    if reply.fetch.step == "profile":
        return _profile(reply)
    data = _read(reply)
    if isinstance(data, AccountResult):
        return data
    return _list(reply, data, now)
