"""Weibo (m.weibo.cn container API): the account's latest post, or why we cannot say.

Two requests: ``getIndex?type=uid&value={uid}`` (profile: name, post count, the posts container)
then the same endpoint with ``containerid=107603{uid}`` (the first page of posts). The empty answer
``{"ok":0,"msg":"这里还没有内容"}`` is ambiguous on Weibo (deleted, login-only, or paging too fast),
so it is only ever ``unverified`` unless the profile itself confirms zero posts (platforms.md §1).
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
    dig,
    from_posts,
    gone,
    hrefs,
    post_words,
    private,
    read_json,
    unverified,
)

KEY = "weibo"
HOSTS = ("m.weibo.cn",)
NEEDS_BROWSER = False

API = "https://m.weibo.cn/api/container/getIndex"
REFERER = "https://m.weibo.cn/u/{uid}"
POST_URL = "https://m.weibo.cn/detail/{id}"
# The mobile web app's own headers; without them m.weibo.cn answers HTTP 432.
HEADERS = {"MWeibo-Pwa": "1", "X-Requested-With": "XMLHttpRequest"}
COOKIE_HEADER = "Cookie"  # an office's SUB cookie lets login-only accounts show their posts

# Profile URLs an office may list: weibo.com/u/{uid}, m.weibo.cn/u|profile/{uid}, weibo.cn/{uid}/profile.
UID_IN_URL = re.compile(r"weibo\.(?:com|cn)/(?:u/|profile/)?(\d{5,})(?=[/?#]|$)")
UID_ONLY = re.compile(r"\d{5,}")

OK = "ok"  # 1 = fine; 0 = refused with a msg; -100 = login/captcha with a passport url
OK_LOGIN = -100
MSG = "msg"
URL_KEY = "url"  # any error answer carrying a url points at a passport/captcha page
POSTS_TAB_TYPE = "weibo"  # tabsInfo.tabs[].tab_type of the posts tab
POSTS_CONTAINER_PREFIX = "107603"  # the posts container when tabsInfo lacks one
POST_CARD_TYPE = 9  # cards[].card_type carrying an mblog; type 11 groups nest more cards
COUNT_FIELD = "statuses_count"
NAME_FIELD = "screen_name"
DATE_FIELD = "created_at"  # "Thu Sep 26 10:00:00 +0800 2024", or 刚刚/5分钟前/昨天 12:30/06-27
PINNED_FLAG = "isTop"  # isTop: 1 on pinned posts
PINNED_MBLOGTYPE = 2  # mblogtype 2 = pinned

# msg texts. 这里还没有内容: ambiguous empty (never a verdict by itself).
EMPTY_MSG = "这里还没有内容"
GONE_MARKERS = ("用户不存在", "已注销", "已被封禁", "已被冻结", "账号已被屏蔽")
# The cookie-less landing page of weibo.com (a login wall, not an answer).
VISITOR_MARKERS = ("Sina Visitor System", "passport.weibo.com/visitor")
PRIVATE_MARKERS = ("仅登录可见", "仅粉丝可见", "仅自己可见", "设置了隐私")


def _uid(target: Target) -> str:
    if target.account_id and UID_ONLY.fullmatch(target.account_id.strip()):
        return target.account_id.strip()
    m = UID_IN_URL.search(target.url or "")
    return m.group(1) if m else ""


def _fetch(url_query: dict[str, str], step: str, headers: dict[str, str], **data: Any) -> Fetch:
    return Fetch(url=f"{API}?{urlencode(url_query)}", step=step, headers=headers, data=data)


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    uid = _uid(target)
    if not uid:
        return unverified("no numeric uid in account_id or URL", url=target.url)
    headers = {**HEADERS, "Referer": REFERER.format(uid=uid)}
    if settings.cookies:
        headers[COOKIE_HEADER] = "; ".join(f"{k}={v}" for k, v in settings.cookies.items())
    return _fetch({"type": "uid", "value": uid}, "index", headers, uid=uid)


def _visitor_wall(reply: Reply) -> AccountResult | None:
    """The "Sina Visitor System" page a cookie-less visit lands on."""
    if any(marker in reply.text[:4000] for marker in VISITOR_MARKERS):
        return unverified("login wall (Sina Visitor System)", reply)
    return None


def _read(reply: Reply) -> Any | AccountResult:
    return read_json(reply, _visitor_wall)


def _refused(data: dict[str, Any], reply: Reply, count: int | None = None) -> AccountResult | None:
    """The verdict for an answer with ``ok`` other than 1 (None when ok is 1)."""
    ok = data.get(OK)
    if ok == 1:
        return None
    msg = str(data.get(MSG) or "")
    codes: dict[str, Any] = {"ok": ok, "msg": msg}
    if ok == OK_LOGIN:
        return unverified("login required (ok:-100)", reply, login_url=data.get(URL_KEY), **codes)
    if data.get(URL_KEY):
        return unverified(
            "captcha or verification (answer with url)", reply, verify_url=data[URL_KEY], **codes
        )
    if any(marker in msg for marker in GONE_MARKERS):
        return gone(f"account does not exist or is closed: {msg}", reply, **codes)
    if any(marker in msg for marker in PRIVATE_MARKERS):
        return private(f"posts visible to logged-in users only: {msg}", reply, **codes)
    if EMPTY_MSG in msg and count == 0:
        return from_posts([], reply, statuses_count=0, **codes)
    if EMPTY_MSG in msg:
        return unverified("这里还没有内容 (ambiguous: deleted, login-only or throttled)", reply, **codes)
    return unverified(f"refused (ok={ok})", reply, **codes)


def _mblogs(cards: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for card in cards:
        if not isinstance(card, dict):
            continue
        if card.get("card_type") == POST_CARD_TYPE and isinstance(card.get("mblog"), dict):
            found.append(card["mblog"])
        elif isinstance(card.get("card_group"), list):
            found.extend(_mblogs(card["card_group"]))
    return found


def _post(mblog: dict[str, Any], now: datetime, pinned_markers: tuple[str, ...]) -> Post | None:
    raw = str(mblog.get(DATE_FIELD) or "")
    date = parse_date(raw, now)
    if date is None:
        return None
    title_text = str(dig(mblog, "title", "text", default="") or "")
    pinned = (
        mblog.get(PINNED_FLAG) == 1
        or mblog.get("mblogtype") == PINNED_MBLOGTYPE
        or title_text in pinned_markers
    )
    html = str(mblog.get("text") or "")
    text = re.sub(r"<[^>]+>", "", html)
    pid = str(mblog.get("id") or mblog.get("mid") or "")
    return Post(
        date=date,
        raw=raw,
        id=pid,
        url=POST_URL.format(id=pid) if pid else "",
        title=text[:80],
        pinned=pinned,
        text=post_words(text),
        links=hrefs(html) + [u for u in [str(dig(mblog, "page_info", "page_url", default="") or "")] if u],
    )


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001
    data = _read(reply)
    if isinstance(data, AccountResult):
        return data
    state = reply.fetch.data
    if reply.fetch.step == "index":
        refused = _refused(data, reply)
        if refused is not None:
            return refused
        user = dig(data, "data", "userInfo")
        if not isinstance(user, dict):
            return unverified("profile answer without userInfo", reply)
        tabs = dig(data, "data", "tabsInfo", "tabs", default=[]) or []
        containerid = next_container(tabs) or POSTS_CONTAINER_PREFIX + state["uid"]
        count = user.get(COUNT_FIELD)
        return _fetch(
            {"type": "uid", "value": state["uid"], "containerid": containerid},
            "posts",
            reply.fetch.headers,
            uid=state["uid"],
            name=str(user.get(NAME_FIELD) or ""),
            count=count if isinstance(count, int) else None,
        )
    count = state.get("count")
    refused = _refused(data, reply, count)
    if refused is not None:
        refused.name = state.get("name", "")
        return refused
    mblogs = _mblogs(dig(data, "data", "cards", default=[]) or [])
    posts = [p for p in (_post(m, now, reply.words.pinned_markers) for m in mblogs) if p is not None]
    if mblogs and not posts:
        return unverified("posts without readable dates", reply, mblogs=len(mblogs))
    if not posts and count != 0:
        return unverified(
            "empty timeline but the profile does not show zero posts", reply, statuses_count=count
        )
    result = from_posts(posts, reply, statuses_count=count, pinned=sum(p.pinned for p in posts))
    result.name = state.get("name", "")
    return result


def next_container(tabs: list[Any]) -> str:
    """The posts tab's containerid from ``tabsInfo.tabs`` ('' when the profile lists none)."""
    for tab in tabs:
        if isinstance(tab, dict) and tab.get("tab_type") == POSTS_TAB_TYPE and tab.get("containerid"):
            return str(tab["containerid"])
    return ""
