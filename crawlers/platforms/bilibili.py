"""Bilibili: the newest video from the WBI-signed space search, signed in Python.

Two steps: ``/x/web-interface/nav`` for today's WBI keys (it answers logged-out with code -101 and
still carries ``wbi_img``), then ``/x/space/wbi/arc/search`` ordered by pubdate with ``wts`` and
``w_rid``. The newest date is max(``created``) over the first page: arc/search has no pinned flag and
the pinned video (``/x/space/top/arc``) is just one of the listed videos with its own date.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from crawlers.dates import parse_timestamp
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
    private,
    unverified,
)

KEY = "bilibili"
HOSTS = ("space.bilibili.com", "api.bilibili.com", "www.bilibili.com", "m.bilibili.com")
NEEDS_BROWSER = False

API = "https://api.bilibili.com"
NAV_PATH = "/x/web-interface/nav"
ARC_SEARCH_PATH = "/x/space/wbi/arc/search"
VIDEO_URL = "https://www.bilibili.com/video/{bvid}"
PAGE_SIZE = 30  # arc/search's maximum page size: one page is "the first page"
MID_IN_URL = re.compile(r"space\.bilibili\.com/(\d+)|[?&]mid=(\d+)")

# WBI: the fixed permutation of img_key+sub_key whose first 32 chars are the mixin key (wbi.md).
MIXIN_KEY_TABLE = (
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49, 33, 9, 42, 19, 29, 28,
    14, 39, 12, 38, 41, 13, 37, 48, 7, 16, 24, 55, 40, 61, 26, 17, 0, 1, 60, 51, 30, 4, 22, 25, 54, 21,
    56, 59, 6, 63, 57, 62, 11, 36, 20, 34, 44, 52,
)  # fmt: skip
MIXIN_KEY_LEN = 32
WBI_STRIPPED = "!'()*"  # characters removed from every value before signing

# Response codes (bilibili-API-collect docs/misc/errcode.md).
CODE_OK = 0
CODE_NOT_LOGGED_IN = -101  # nav answers this logged-out, still with wbi_img
CODES_GONE = {-404: "啥都木有 (no such user)", -626: "用户不存在 (user does not exist)"}
CODE_PRIVATE = 53013  # 用户隐私设置未公开
CODES_BLOCKED = {
    -352: "risk control (风控校验失败)",
    -412: "request intercepted (请求被拦截)",
    -799: "too frequent (请求过于频繁)",
    -509: "over limit",
    -403: "access denied (非法访问)",
}


def mixin_key(img_key: str, sub_key: str) -> str:
    """The signing key: img_key+sub_key reordered by the fixed table, first 32 characters."""
    raw = img_key + sub_key
    return "".join(raw[i] for i in MIXIN_KEY_TABLE if i < len(raw))[:MIXIN_KEY_LEN]


def signed_query(params: dict[str, Any], key: str, wts: int) -> str:
    """``params`` plus ``wts`` sorted by name, values stripped of ``!'()*``, percent-encoded like
    encodeURIComponent, then ``w_rid = md5(query + mixin_key)`` appended."""
    items = {**{k: str(v) for k, v in params.items()}, "wts": str(wts)}
    clean = {k: "".join(c for c in v if c not in WBI_STRIPPED) for k, v in items.items()}
    query = "&".join(f"{quote(k, safe='')}={quote(clean[k], safe='')}" for k in sorted(clean))
    w_rid = hashlib.md5((query + key).encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"{query}&w_rid={w_rid}"


def _key_from(url: Any) -> str:
    """A WBI key is the file name of the disguised image URL, without its extension."""
    name = urlsplit(str(url or "")).path.rsplit("/", 1)[-1]
    return name.split(".", 1)[0]


def _mid(target: Target) -> str:
    if target.account_id and target.account_id.strip().isdigit():
        return target.account_id.strip()
    m = MID_IN_URL.search(target.url or "")
    return (m.group(1) or m.group(2)) if m else ""


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    mid = _mid(target)
    if not mid:
        return unverified("no account id (mid) in the target", url=target.url)
    cookie = "; ".join(f"{k}={v}" for k, v in settings.cookies.items())
    headers = {"Referer": f"https://space.bilibili.com/{mid}"} | ({"Cookie": cookie} if cookie else {})
    return Fetch(url=API + NAV_PATH, step="nav", headers=headers, data={"mid": mid})


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001 - protocol name
    if reply.fetch.step == "nav":
        return _after_nav(reply)
    return _after_search(reply, now)


def _after_nav(reply: Reply) -> Fetch | AccountResult:
    data = checked_json(reply)
    if isinstance(data, AccountResult):
        return data
    code = dig(data, "code")
    img, sub = (
        _key_from(dig(data, "data", "wbi_img", "img_url")),
        _key_from(dig(data, "data", "wbi_img", "sub_url")),
    )
    if code not in (CODE_OK, CODE_NOT_LOGGED_IN) or not img or not sub:
        return unverified("no WBI keys from nav", reply, code=code)
    mid = reply.fetch.data["mid"]
    params = {"mid": mid, "pn": 1, "ps": PAGE_SIZE, "order": "pubdate"}
    query = signed_query(params, mixin_key(img, sub), int(time.time()))
    return Fetch(
        url=f"{API}{ARC_SEARCH_PATH}?{query}", step="posts", headers=reply.fetch.headers, data={"mid": mid}
    )


def _after_search(reply: Reply, now: datetime) -> AccountResult:
    data = checked_json(reply)
    if isinstance(data, AccountResult):
        return data
    code = dig(data, "code")
    if code in CODES_GONE:
        return gone(CODES_GONE[code], reply, code=code)
    if code == CODE_PRIVATE:
        return private("posts hidden by the owner (53013)", reply, code=code)
    if code in CODES_BLOCKED:
        return unverified(CODES_BLOCKED[code], reply, code=code, throttled=True)
    if code != CODE_OK:
        return unverified(f"API code {code}", reply, code=code, message=dig(data, "message"))
    if dig(data, "data", "v_voucher"):  # a failed signature can come back as code 0 + v_voucher
        return unverified("risk control (v_voucher)", reply, code=code)
    if dig(data, "data", "is_risk"):
        return unverified("risk control (is_risk)", reply, code=code)
    vlist = dig(data, "data", "list", "vlist")
    if not isinstance(vlist, list):
        return unverified("no video list in the answer", reply, code=code)
    posts = [p for p in (_post(v) for v in vlist) if p is not None]
    if vlist and not posts:
        return unverified("videos without dates", reply, code=code, items=len(vlist))
    if not posts and dig(data, "data", "page", "count") not in (0, None):
        return unverified("empty page but a non-zero video count", reply, code=code)
    return from_posts(posts, reply, code=code)


def _post(item: Any) -> Post | None:
    created = dig(item, "created")
    if not isinstance(created, int | float) or created <= 0:
        return None
    bvid = str(dig(item, "bvid", default="") or "")
    return Post(
        date=parse_timestamp(created),
        raw=str(created),
        id=bvid or str(dig(item, "aid", default="")),
        url=VIDEO_URL.format(bvid=bvid) if bvid else "",
        title=str(dig(item, "title", default="") or ""),
        text=post_words(dig(item, "title"), dig(item, "description")),
    )
