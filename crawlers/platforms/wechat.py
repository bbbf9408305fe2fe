"""WeChat official accounts: no public post list, so check what the office gave us.

In order of strength: the office's MP back-office session (``credentials`` ``token`` + ``cookie``)
lists any account's posts by its ``__biz`` (``/cgi-bin/appmsg?action=list_ex``); a 合集 (album) URL
gives the album's newest articles (``create_time``); a known article URL gives that article's own
date (``var ct``, never ``svr_time``). With none of these the account is ``unverified`` ("no public
list"), never a zombie. An empty album says nothing about the account's other posts: unverified.

Credentials are secrets: the token travels in the back-office URL (the real API wants it there) and
is masked in every result's evidence; the cookie only ever sits in request headers.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from crawlers.dates import parse_date, parse_timestamp
from crawlers.html import collapse, parse
from crawlers.models import Target
from crawlers.platforms.base import (
    AccountResult,
    Fetch,
    PlatformSettings,
    Post,
    Reply,
    blocked,
    checked_json,
    dig,
    from_posts,
    gone,
    post_words,
    unverified,
)

KEY = "wechat"
HOSTS = ("mp.weixin.qq.com",)
NEEDS_BROWSER = False

MP = "https://mp.weixin.qq.com"
ALBUM_PATH = "/mp/appmsgalbum"
ARTICLE_PATHS = ("/s", "/s/")  # /s?__biz=..&mid=.. and /s/{short}
BACKOFFICE_PATH = "/cgi-bin/appmsg"
ALBUM_COUNT = 10
# [unconfirmed] albums list oldest first unless reversed; ask for newest first (max() is taken anyway).
ALBUM_REVERSE = {"is_reverse": "1"}
BACKOFFICE_COUNT = 5
CRED_TOKEN, CRED_COOKIE = "token", "cookie"

# Back-office base_resp.ret codes (MP-backend crawler snippets).
RET_OK = 0
RET_BLOCKED = {200003: "invalid session", 200013: "freq control", 200040: "invalid csrf token"}

# Article pages. A live article has id="js_content"; error pages don't.
LIVE_MARKER = 'id="js_content"'
CT = re.compile(r"""(?:var\s+ct|d\.ct)\s*=\s*["'](\d{9,13})["']""")  # unix seconds; NOT svr_time
CREATE_TIMESTAMP = re.compile(r"""create_timestamp\s*:\s*["']?(\d{9,13})""")  # window.cgiDataNew
PUBLISH_TIME = re.compile(r"""var\s+publish_time\s*=\s*["'](\d{4}-\d{1,2}-\d{1,2})["']""")
NICKNAME = re.compile(r"""var\s+nickname\s*=\s*(?:htmlDecode\()?["']([^"']*)["']""")
TRANSFER = re.compile(r"""var\s+transferTargetLink\s*=\s*["']([^"']+)["']""")
MAX_TRANSFERS = 2
# we-extract errors: the account itself is gone (blocked, self-cancelled, migrating away).
ACCOUNT_GONE = ("此帐号已被屏蔽", "此帐号已自主注销", "此帐号处于帐号迁移流程中")
# ... or the article is (deleted, violation, complaint, expired link).
ARTICLE_GONE = (
    "该内容已被发布者删除",
    "此内容因违规无法查看",
    "此内容发送失败无法查看",
    "该内容被投诉且经审核涉嫌侵权，无法查看",
    "由用户投诉并经平台审核，涉嫌过度营销、骚扰用户",
    "链接已过期",
)
MIGRATED = "该公众号已迁移"  # with transferTargetLink: follow it
# The anti-bot interstitials (no js_content): desktop QR check, mobile identity check, newer ones.
ANTIBOT = ("访问过于频繁", "验证身份", "环境异常", "完成验证")
TOKEN_IN_URL = re.compile(r"(token=)[^&#]*")


def _mask(url: str) -> str:
    return TOKEN_IN_URL.sub(r"\1***", url)


def _safe(result: AccountResult) -> AccountResult:
    """Results carry URLs as evidence: never with the back-office token in them."""
    for key in ("url", "location"):
        if isinstance(result.evidence.get(key), str):
            result.evidence[key] = _mask(result.evidence[key])
    return result


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    """What the office registered comes first (an album or article URL names the account exactly);
    the back-office list is the fallback for a plain profile URL; with neither, no public list."""
    parts = urlsplit(target.url or "")
    query = dict(parse_qsl(parts.query))
    biz = (target.account_id or "").strip() or query.get("__biz", "")
    if parts.path == ALBUM_PATH and query.get("album_id"):
        params = {"action": "getalbum", "__biz": query.get("__biz", biz), "album_id": query["album_id"]}
        params |= {"count": str(ALBUM_COUNT), "f": "json"} | ALBUM_REVERSE
        return Fetch(url=f"{MP}{ALBUM_PATH}?{urlencode(params)}", step="album")
    if parts.path in ARTICLE_PATHS or parts.path.startswith("/s/"):
        return Fetch(url=target.url.split("#", 1)[0], step="article", data={"transfers": 0})
    token, cookie = settings.credentials.get(CRED_TOKEN), settings.credentials.get(CRED_COOKIE)
    if token and cookie and biz:
        params = {
            "action": "list_ex",
            "begin": "0",
            "count": str(BACKOFFICE_COUNT),
            "fakeid": biz,
            "type": "9",
        }
        params |= {"query": "", "token": token, "lang": "zh_CN", "f": "json", "ajax": "1"}
        return Fetch(
            url=f"{MP}{BACKOFFICE_PATH}?{urlencode(params)}",
            step="backoffice",
            headers={"Cookie": cookie, "Referer": f"{MP}/cgi-bin/appmsg?token={token}&lang=zh_CN"},
        )
    reason = "no public list (give an album or article URL, or MP back-office credentials)"
    return unverified(reason, url=target.url)


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001 - protocol
    if reply.fetch.step == "article":
        result = _article(reply, now)
    elif reply.fetch.step == "album":
        result = _album(reply)
    else:
        result = _backoffice(reply)
    return _safe(result) if isinstance(result, AccountResult) else result


def _backoffice(reply: Reply) -> AccountResult:
    data = checked_json(reply)
    if isinstance(data, AccountResult):
        return data
    ret = dig(data, "base_resp", "ret")
    if ret in RET_BLOCKED:
        return unverified(f"back-office: {RET_BLOCKED[ret]} ({ret})", reply, ret=ret)
    if ret != RET_OK:
        return unverified(f"back-office ret {ret}", reply, ret=ret, err_msg=dig(data, "base_resp", "err_msg"))
    items = dig(data, "app_msg_list")
    if not isinstance(items, list):
        return unverified("back-office answer without a post list", reply, ret=ret)
    posts = [p for p in (_item(i, "create_time", "link") for i in items) if p is not None]
    if items and not posts:
        return unverified("posts without dates", reply, items=len(items))
    if not posts and dig(data, "app_msg_cnt") not in (0, "0"):
        return unverified("empty list but a non-zero post count", reply, count=dig(data, "app_msg_cnt"))
    return from_posts(posts, reply, via="backoffice", total=dig(data, "app_msg_cnt"))


def _album(reply: Reply) -> AccountResult:
    data = checked_json(reply)
    if isinstance(data, AccountResult):
        return data
    ret = dig(data, "base_resp", "ret")
    if ret != RET_OK:
        return unverified(f"album ret {ret}", reply, ret=ret)
    items = dig(data, "getalbum_resp", "article_list", default=[])
    items = [items] if isinstance(items, dict) else items  # a one-article album answers an object
    if not isinstance(items, list):
        return unverified("album answer without an article list", reply)
    posts = [p for p in (_item(i, "create_time", "url") for i in items) if p is not None]
    if not posts:  # an empty album proves nothing about the account's other posts
        return unverified("album lists no dated articles", reply, items=len(items))
    return from_posts(
        posts, reply, via="album", album_id=dict(parse_qsl(urlsplit(reply.url).query)).get("album_id")
    )


def _item(item: Any, time_field: str, url_field: str) -> Post | None:
    raw = dig(item, time_field)
    if not str(raw or "").isdigit() or int(raw) <= 0:
        return None
    msgid = dig(item, "msgid") or dig(item, "appmsgid") or dig(item, "aid") or ""
    return Post(
        date=parse_timestamp(raw),
        raw=str(raw),
        id=str(msgid),
        url=str(dig(item, url_field, default="") or ""),
        title=str(dig(item, "title", default="") or ""),
        text=post_words(dig(item, "title"), dig(item, "digest")),
    )


def _article(reply: Reply, now: datetime) -> Fetch | AccountResult:
    html = reply.text
    live = LIVE_MARKER in html
    if not live:
        for marker in ACCOUNT_GONE:
            if marker in html:
                return gone(f"account gone ({marker})", reply, marker=marker)
        for marker in ARTICLE_GONE:
            if marker in html:
                return gone(f"article gone ({marker})", reply, marker=marker)
        link = TRANSFER.search(html)
        if MIGRATED in html and link and reply.fetch.data.get("transfers", 0) < MAX_TRANSFERS:
            hops = reply.fetch.data.get("transfers", 0) + 1
            return Fetch(url=link.group(1), step="article", data={"transfers": hops})
        for marker in ANTIBOT:
            if marker in html:
                return unverified(f"anti-bot page ({marker})", reply, marker=marker)
        stop = blocked(reply)
        if stop:
            return stop
        return unverified("not an article page", reply, body_start=html[:80])
    if reply.status != 200:
        return unverified(f"HTTP {reply.status}", reply)
    post = _article_post(reply, html, now)
    if post is None:
        return unverified("no date in the article", reply)
    result = from_posts([post], reply, via="article")
    name = NICKNAME.search(html)
    result.name = name.group(1) if name else ""
    return result


def _article_words(html: str) -> tuple[str, str]:
    """The article's title and its text (the content watch reads both)."""
    root = parse(html)
    title = collapse(" ".join(root.xpath('//*[@id="activity-name"]//text()')))
    body = collapse(" ".join(root.xpath('//*[@id="js_content"]//text()')))
    return title, post_words(title, body)


def _article_post(reply: Reply, html: str, now: datetime) -> Post | None:
    query = dict(parse_qsl(urlsplit(reply.url).query))
    post_id = query.get("mid", "") or urlsplit(reply.url).path.rsplit("/", 1)[-1]
    title, text = _article_words(html)
    stamp = CT.search(html) or CREATE_TIMESTAMP.search(html)
    if stamp:
        raw = stamp.group(1)
        return Post(
            date=parse_timestamp(raw),
            raw=raw,
            id=post_id,
            url=reply.url,
            source="html",
            title=title,
            text=text,
        )
    day = PUBLISH_TIME.search(html)
    date = parse_date(day.group(1), now) if day else None
    if day and date:
        raw = day.group(1)
        return Post(date=date, raw=raw, id=post_id, url=reply.url, source="html", title=title, text=text)
    return None
